"""Every job-outcome series of a backend x experiment exists at 0 from its first job, so
that the first failure of a low-volume workload reaches every rate window."""

from __future__ import annotations

from typing import Any

from prometheus_client import generate_latest

import qobserve
from qobserve import contract
from qobserve.testing import Capture


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
