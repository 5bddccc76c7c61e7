"""The operations section from job events, on the hand-worked events of test_sli (W46: jobs
1-9; job 8 on ibm_b is cancelled)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from qobserve.events import JobEvent
from qobserve.report import build_report
from qobserve.report.render_html import render_html
from qobserve.report.sections import slo_tables
from qobserve.report.tables import SUCCESS_RATIO_NOTE
from qobserve.store import EventStore

from .helpers import event_slo, success_slo
from .test_sli import WEEK, build


def _table(key: str) -> dict[str, list[object]]:
    table = build([success_slo()]).operations.table(key)
    assert table is not None
    return {str(row[0]): row for row in table.rows}


def test_one_success_ratio_a_cancelled_job_is_no_failure() -> None:
    volume = _table("volume")
    # qpu: 7 jobs (1, 2, 5, 6, 7, 8, 9), 4 successful (1, 6, 7, 9), 6 not cancelled
    assert volume["qpu"][1] == 7 and volume["qpu"][4] == pytest.approx(4 / 6)
    # all: 9 jobs, 5 successful, 8 not cancelled
    assert volume["all"][4] == pytest.approx(5 / 8)
    backends = _table("backends")
    # ibm_b: 6 and 7 successful, 8 cancelled: every job that ran succeeded
    assert backends["ibm_b"][4] == 1.0
    assert backends["ibm_a"][4] == pytest.approx(2 / 4)  # 1, 9 of 1, 2, 5, 9
    ops = build([success_slo()]).operations
    assert ops.table("volume").note == SUCCESS_RATIO_NOTE  # type: ignore[union-attr]
    saturday = ops.daily[5]  # only job 8, cancelled: no success ratio, not 0 %
    assert saturday.jobs == 1 and saturday.success_ratio is None


def test_cost_per_job_by_backend_type_does_not_spread_qpu_cost_over_simulators() -> None:
    types = _table("cost_types")
    # qpu: 7 jobs; cost 3 (job 1) + 1 (2) + 2 (6) = 6 USD, 6 QPU s
    assert types["qpu"][1:] == [7, 6.0, 6.0, pytest.approx(6 / 7)]
    assert types["simulator"][1:] == [1, 0.0, 0.0, 0.0]
    assert types["emulator"][1:] == [1, 0.0, 0.0, 0.0]


def test_backends_compared_on_cost_per_job_and_fidelity() -> None:
    backends = _table("backends")
    columns = build([success_slo()]).operations.table("backends").columns  # type: ignore[union-attr]
    cost, fidelity = columns.index("USD per job"), columns.index("mean fidelity")
    # ibm_a: jobs 1, 2, 5, 9 cost 3 + 1 = 4 USD; fidelity .95 (job 1 only)
    assert backends["ibm_a"][cost] == pytest.approx(1.0)
    assert backends["ibm_a"][fidelity] == pytest.approx(0.95)
    assert backends["ibm_b"][cost] == pytest.approx(2 / 3)  # 2 USD over 6, 7, 8
    assert backends["fake_x"][fidelity] == pytest.approx(0.85)
    assert backends["aer"][fidelity] is None


def test_a_period_with_data_for_part_of_it_says_how_much() -> None:
    # the events start on Mon 2 Nov 00:00 UTC (job 12): 14 of a 28-day period end on 16 Nov
    report = build([success_slo(days=28)])
    r = report.slos[0]
    assert r.period_coverage(report.window.end) == pytest.approx(0.5)
    counts = {t.key: t for t in slo_tables(r, report)}["counts"]
    assert counts.rows[2][0] == "SLO period (28d, data for 14.0 d) to week end"
    note = "qpu-success: data covers 14.0 of its 28d period (since 2026-11-02 00:00)"
    assert any(n.startswith(note) for n in report.notes)
    # a 14-day period is covered from its first instant: no note, no qualifier
    full = build([success_slo(days=14)])
    assert full.slos[0].period_coverage(full.window.end) == 1.0
    assert not any("data covers" in n for n in full.notes)


def test_failures_and_divergence_by_calibration_age_from_the_store(tmp_path: Path) -> None:
    """The store instrumentation writes: calibration_at and submitted_at in Unix seconds."""

    def at(text: str) -> float:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()

    cal = at("2026-11-10T08:00:00")
    store = EventStore(tmp_path / "events.db")

    def put(job_id: str, outcome: str, finished: str, **fields: Any) -> None:
        store.add_job(
            JobEvent(
                job_id=job_id,
                backend="ibm_a",
                backend_type="qpu",
                outcome=outcome,
                error_type={"success": "none", "cancelled": "cancelled"}.get(outcome, "timeout"),
                finished_at=at(finished),
                **fields,
            )
        )

    put(
        "a",
        "success",
        "2026-11-10T10:05:00",
        submitted_at=at("2026-11-10T10:00:00"),
        calibration_at=cal,
        fidelity=0.95,
    )  # 2 h after calibration
    put(
        "b",
        "error",
        "2026-11-10T20:05:00",
        submitted_at=at("2026-11-10T20:00:00"),
        calibration_at=cal,
    )  # 12 h
    put("c", "error", "2026-11-11T10:00:00", calibration_at=cal, fidelity=0.80)  # 26 h (at end)
    put(
        "d",
        "cancelled",
        "2026-11-14T08:05:00",
        submitted_at=at("2026-11-14T08:00:00"),
        calibration_at=cal,
    )  # 96 h
    put("e", "success", "2026-11-12T10:00:00")  # no calibration known
    # a fake backend's snapshot is years old: more nanoseconds than a float holds exactly
    put(
        "f",
        "success",
        "2026-11-13T10:05:00",
        submitted_at=at("2026-11-13T10:00:00"),
        calibration_at=at("2024-02-01T00:00:00"),
    )
    assert store.flush()
    store.close()
    slos = [success_slo(), event_slo("div", "divergence", 0.9, 7, fidelity_threshold=0.9)]
    report = build_report(slos, WEEK, source="store", path=tmp_path / "events.db")
    table = report.operations.table("calibration_context")
    assert table is not None
    assert table.rows == [
        ["under 6 h", 1, 0.0, 1, 0, 0.95],
        ["6 h to 1 d", 1, 1.0, 0, 0, None],
        ["1 to 3 d", 1, 1.0, 1, 1, 0.80],
        ["over 3 d", 2, 0.0, 0, 0, None],  # d (cancelled: not counted) and f
        ["unknown", 1, 0.0, 0, 0, None],
    ]
    assert "fidelity below 0.9" in table.note


def test_daily_latency_per_backend_type_and_one_chart_each() -> None:
    report = build([success_slo()])
    monday, tuesday = report.operations.daily[:2]
    # Mon: jobs 1 (10 s) and 2 (700 s), both qpu: p50 355, p95 10 + 0.95 * 690
    assert monday.latency_by_type == {"qpu": (355.0, pytest.approx(665.5))}
    # Tue: 3 on the emulator (600 s), 4 on the simulator (1000 s)
    assert tuesday.latency_by_type == {"emulator": (600.0, 600.0), "simulator": (1000.0, 1000.0)}
    html = render_html(report)
    titles = [f"Daily job latency: {t}" for t in ("emulator", "qpu", "simulator")]
    assert all(f"<title>{t}</title>" in html for t in titles)
    assert "<title>Daily job latency</title>" not in html
