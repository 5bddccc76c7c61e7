"""Every job-outcome series of a backend x experiment exists at 0 from its first job, so
that the first failure of a low-volume workload reaches every rate window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

import qobserve
from qobserve import contract
from qobserve.rules import groups
from qobserve.rules.render import dump
from qobserve.slo import load
from qobserve.testing import Capture
from tests.conftest import CATALOG
from tests.rules.promtool import alerts, ever, run_tests, series


def test_first_job_creates_every_outcome_series(cap: Capture, aer: Any, bell: Any) -> None:
    qobserve.experiment("hourly")(lambda: aer.run(bell, shots=10).result())()
    labels = {
        "backend": "aer_simulator",
        "provider": "aer",
        "backend_type": "simulator",
        "experiment": "hourly",
    }
    for outcome, error_type in contract.JOB_OUTCOME_SERIES:
        expected = 1.0 if (outcome, error_type) == ("success", "none") else 0.0
        assert cap.sample("quantum_jobs_total", **labels, outcome=outcome,
                          error_type=error_type) == expected  # fmt: skip
    be = {"backend": "aer_simulator", "provider": "aer", "experiment": "hourly"}
    assert cap.sample("quantum_job_duplicates_total", **be) == 0
    assert cap.sample("quantum_job_retries_total", **be) == 0
    text = generate_latest(cap.registry).decode()  # what Prometheus scrapes
    assert text.count('quantum_jobs_total{backend="aer_simulator"') == len(
        contract.JOB_OUTCOME_SERIES
    )


def test_outcome_series_cover_every_error_type() -> None:
    pairs = set(contract.JOB_OUTCOME_SERIES)
    assert ("success", "none") in pairs and ("cancelled", "cancelled") in pairs
    errors = {e for o, e in pairs if o == "error"}
    assert errors == set(contract.ERROR_TYPES) - {"none", "cancelled"}


def _exposed_jobs(cap: Capture) -> dict[str, float]:
    """The ``quantum_jobs_total`` samples of the exposition Prometheus scrapes, by series."""
    text = generate_latest(cap.registry).decode()
    return {
        series("quantum_jobs_total", s.labels, "")["series"]: s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "quantum_jobs_total"
    }


def _minutes(values: list[float | None]) -> str:
    """promtool's notation for one sample a minute (``None``: no sample), run-length encoded."""
    runs: list[list[Any]] = []
    for v in values:
        if runs and runs[-1][0] == v:
            runs[-1][1] += 1
        else:
            runs.append([v, 1])
    return " ".join(f"{'_' if v is None else f'{v:g}'}x{n - 1}" for v, n in runs)


def test_first_failure_of_an_hourly_workload_tickets(
    tmp_path: Path, cap: Capture, fake_manila: Any, isa_bell: Any, bell: Any
) -> None:
    """The acceptance scenario: real jobs on a fake QPU, one an hour, the first failure at
    hour 30, replayed from the process's own exposition through the catalog's generated rules.

    The jobs are ``emulator`` jobs, so the SLO is job-success-qpu: objective 99 %, budget
    0.01. Its generated ticket alert fires when either
      (a) the 2h and 1d error ratios are both > 2.8 x 0.01 and the 1d window holds >= 10 jobs,
      (b) the 6h and 3d error ratios are both > 1 x 0.01 and the 3d window holds >= 10 jobs.
    Scraped once a minute, jobs at minutes 0, 60, ..., the failure at minute 1800 (30h), then
    successes again. promtool 2.x windows are [t - w, t]; every series has a sample every
    minute from minute 0, so all series of a ratio extrapolate alike and a ratio is exactly
    (failed increase) / (all increases) between the window's first and last samples. The
    failure is the step from the sample at 1799 to the one at 1800, so a window of w minutes
    holds it for 1800 <= t <= 1799 + w:
      - t = 29h59m: no failure yet: nothing.
      - t = 30h: (a) 2h [1680, 1800]: steps at 1740 (ok) and 1800 (failed): 1/2 = 50x budget;
        1d [360, 1800]: 23 successes + 1 failure: 1/24 = 4.2x > 2.8x; 24 jobs >= 10: TICKET.
      - (a) holds until 1919 (31h59m), (b) until 1799 + 360 = 2159 (35h59m): at 35h59m 6h
        [1799, 2159] is 1 failed of 6 and 3d [0, 2159] 1 of 35 (2.9x > 1x), 35 jobs >= 10.
      - t = 36h: the 6h window starts at the failure's own sample: (b) is 0 and (a) was gone.
    The page needs >= 10 jobs in its 1h or 6h windows: at one job an hour it never fires.
    Without the zero series the failed series' first sample is its 1: no window sees it.
    """
    from qiskit_aer import AerError
    from qiskit_ibm_runtime.executor_sampler import Sampler

    hourly = qobserve.experiment("hourly")
    hourly(lambda: Sampler(mode=fake_manila).run([isa_bell], shots=10).result())()
    first = _exposed_jobs(cap)  # every series the first job created, most at 0
    with pytest.raises(AerError):  # the non-ISA circuit fails in Aer: a real job failure
        hourly(lambda: Sampler(mode=fake_manila).run([bell], shots=10).result())()
    failure = {s: v - first.get(s, 0.0) for s, v in _exposed_jobs(cap).items()}
    [failed] = [s for s, v in failure.items() if v]
    assert 'backend_type="emulator"' in failed and 'outcome="error"' in failed
    assert first[failed] == 0.0  # the fix under test: it existed before its first failure

    hours = 40
    deltas = [failure if hour == 30 else first for hour in range(hours + 1)]

    def values(name: str, exists_at_zero: bool) -> str:
        totals, total = [], 0.0
        for minute in range(hours * 60 + 1):
            if minute % 60 == 0:
                total += deltas[minute // 60].get(name, 0.0)
            seen = exists_at_zero or total > 0
            totals.append(total if seen else None)
        return _minutes(totals)

    slo = next(s for s in load([CATALOG]) if s.name == "job-success-qpu")
    rule_files = {"slo.rules.yml": dump({"groups": groups([slo], operational=False)})}
    ticket = [
        alerts(slo.name, "ticket", "29h59m", False),
        alerts(slo.name, "ticket", "30h", True),
        alerts(slo.name, "ticket", "31h59m", True),
        alerts(slo.name, "ticket", "35h59m", True),
        alerts(slo.name, "ticket", "36h", False),
        ever(slo.name, "page", f"{hours}h", "1m", False),
    ]
    silent = [ever(slo.name, sev, f"{hours}h", "1m", False) for sev in ("ticket", "page")]
    run_tests(
        tmp_path,
        rule_files,
        [
            {
                "interval": "1m",
                "input_series": [{"series": s, "values": values(s, True)} for s in first],
                "promql_expr_test": ticket,
            },
            {  # before the fix: the failed series appears with its first failure, at 1
                "interval": "1m",
                "input_series": [{"series": s, "values": values(s, False)} for s in first],
                "promql_expr_test": silent,
            },
        ],
        name="first-failure-hourly",
    )
