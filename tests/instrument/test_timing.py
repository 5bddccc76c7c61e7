"""Server timestamps and usage from job.metrics()."""

from __future__ import annotations

from datetime import UTC, datetime

from qobserve.instrument.timing import Timing, server_timing


def unix(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def test_timestamps_and_final_usage() -> None:
    metrics = {
        "timestamps": {"created": "2026-11-21T10:00:00.25Z", "running": "2026-11-21T10:01:00Z",
                       "finished": "2026-11-21T10:01:04Z"},
        "usage": {"quantum_seconds": 4, "seconds": 4},
    }  # fmt: skip
    assert server_timing(metrics) == Timing(
        unix("2026-11-21T10:00:00.250"), unix("2026-11-21T10:01:00"),
        unix("2026-11-21T10:01:04"), 4.0,
    )  # fmt: skip


def test_pending_usage_and_missing_fields() -> None:
    pending = {"timestamps": {"created": "2026-11-21T10:00:00Z", "running": None},
               "usage": {"qpu_charge_time_seconds": 3, "status": "pending"}}  # fmt: skip
    assert server_timing(pending) == Timing(unix("2026-11-21T10:00:00"), None, None, None)
    assert server_timing({"timestamps": {"created": "yesterday"}}).created is None
    assert server_timing(None) == Timing(None, None, None, None)
    assert server_timing({"usage": {"qpu_charge_time_seconds": 2.5, "status": "complete"}}) == (
        Timing(None, None, None, 2.5)
    )
