"""Spend since a period's start, from the store's running totals: SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from qobserve.budgets.spend import SpendReader
from qobserve.events import JobEvent
from qobserve.store import EventStore


def _at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def _fill(store: EventStore) -> None:
    jobs = [  # (finished, experiment, backend, usd, qpu)
        ("2026-11-30T18:15", "vqe", "ibm_kyiv", 1.0, 1.0),  # before 18:30 UTC: the day before
        ("2026-11-30T18:45", "vqe", "ibm_kyiv", 2.0, 2.0),  # inside the first, partial hour
        ("2026-11-30T19:10", "vqe", "ibm_kyiv", 4.0, 4.0),
        ("2026-12-01T09:00", "vqe", "ibm_kyiv", 8.0, None),
        ("2026-12-01T09:30", "qaoa", "sv1", 16.0, None),
    ]
    for i, (t, exp, backend, usd, qpu) in enumerate(jobs):
        store.add_job(JobEvent(job_id=f"j{i}", experiment=exp, backend=backend,
                               outcome="success", finished_at=_at(t), cost_usd=usd,
                               qpu_seconds=qpu, shots=100))  # fmt: skip
    store.add_job(JobEvent(job_id="u", experiment="vqe", backend="ibm_kyiv", outcome="unfinished"))
    assert store.flush(10)


def _check(store: EventStore) -> None:
    reader = SpendReader(store.backend)
    try:
        # India's 1 December began at 30 November 18:30 UTC: half an hour into an hour, so
        # that half hour comes from the jobs, 19:00 to midnight from the hours, then days
        india = datetime(2026, 11, 30, 18, 30, tzinfo=UTC)
        assert reader.since(india, "e", "vqe") == {"vqe": (14.0, 6.0)}
        assert reader.since(india, "t", "") == {"": (30.0, 6.0)}
        assert reader.since(india, "b") == {"ibm_kyiv": (14.0, 6.0), "sv1": (16.0, 0.0)}
        assert reader.since(datetime(2026, 11, 30, 19, tzinfo=UTC), "e") == {
            "vqe": (12.0, 4.0),
            "qaoa": (16.0, 0.0),
        }
        assert reader.since(datetime(2026, 12, 1, tzinfo=UTC), "e", "vqe") == {"vqe": (8.0, 0.0)}
        assert reader.since(datetime(2026, 12, 2, tzinfo=UTC), "t", "") == {}
        recent = reader.history("vqe", "ibm_kyiv")
        # the three jobs with a QPU time: 7 s over 300 shots
        assert (recent.jobs, recent.qpu_seconds, recent.shots) == (3, 7.0, 300.0)
        assert recent.qpu_estimate(600) == pytest.approx(14.0)
        assert reader.history("qaoa", "sv1").qpu_estimate(100) is None
    finally:
        reader.close()


def test_spend_on_sqlite(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.db", flush_interval=0.05)
    try:
        _fill(store)
        _check(store)
    finally:
        store.close()


def test_spend_on_postgresql_is_the_fleets(postgresql_url: str) -> None:
    store = EventStore(postgresql_url, flush_interval=0.05)
    try:
        _fill(store)
        _check(store)
    finally:
        store.close()
