"""The operations section from job events, on the hand-worked events of test_sli (W46: jobs
1-9; job 8 on ibm_b is cancelled)."""

from __future__ import annotations

import pytest

from qobserve.report.sections import slo_tables
from qobserve.report.tables import SUCCESS_RATIO_NOTE

from .helpers import success_slo
from .test_sli import build


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
