"""Budget enforcement at submission: real jobs on the IBM API stand-in and on Aer, a real store."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import qobserve
from qobserve.events import JobEvent
from qobserve.instrument.instrumentor import QiskitInstrumentor
from qobserve.testing import capture
from tests.instrument.conftest import cloud_job
from tests.instrument.ibm_api import FakeIBMAPI
from tests.instrument.test_jobs import submit


def _stamp(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def recent_job(backend: Any, results: str, qpu_seconds: float) -> Any:
    """A job the stand-in runs now (a budget's period is the current one), billed
    ``qpu_seconds``."""
    now = datetime.now(UTC)
    metrics = {
        "timestamps": {
            "created": _stamp(now - timedelta(seconds=3)),
            "running": _stamp(now - timedelta(seconds=2)),
            "finished": _stamp(now - timedelta(seconds=1)),
        },
        "usage": {"qpu_charge_time_seconds": qpu_seconds, "status": "complete"},
    }
    return cloud_job(backend, results, metrics=metrics)


def job_posts(api: FakeIBMAPI) -> int:
    return sum(1 for method, path in api.requests if method == "POST" and path.startswith("/jobs"))


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        "backends:\n  ibm_*: {per_qpu_second: 1.6}\n  aer_simulator: {per_shot: 0.01}\n"
    )
    budgets = tmp_path / "budgets.yaml"
    budgets.write_text(
        "version: qobserve.budgets/v1\n"
        "timezone: Europe/Zurich\n"
        "budgets:\n"
        "  - {name: sweep-month, experiment: sweep, limit_usd: 5, period: month, action: deny}\n"
        "  - {name: aer-day, backend: aer_simulator, limit_usd: 0.5, period: day, action: warn}\n"
    )
    return prices, budgets


def test_deny_refuses_before_the_sdk_sends_anything(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, encoded_result: str,
    instrumented: QiskitInstrumentor, files: tuple[Path, Path],
) -> None:  # fmt: skip
    prices, budgets = files
    with capture(price_model=str(prices), budgets=str(budgets)) as cap:
        sweep = qobserve.experiment("sweep")(lambda: submit(ibm_backend, isa_bell, shots=100))
        # the first job: nothing spent, no history of QPU time: estimated at 0, allowed
        ibm_api.next_job = recent_job(ibm_backend, encoded_result, qpu_seconds=2)
        sweep().result()
        assert instrumented.flush(10) and cap.telemetry.flush(10)
        posts = job_posts(ibm_api)
        # spent 2 s x 1.6 = 3.2 USD; the next 100 shots take 2 s like the last: 3.2 more > 5
        with pytest.raises(qobserve.BudgetExceeded) as refused:
            sweep()
        assert job_posts(ibm_api) == posts  # the IBM API received no job request
        assert str(refused.value).startswith(
            "budget 'sweep-month' exceeded: spent 3.2 USD since 2026-"
        )
        assert "+ this job's estimate 3.2 > limit 5 USD; nothing was submitted" in str(
            refused.value
        )
        assert (refused.value.spent, refused.value.estimate) == pytest.approx((3.2, 3.2))
        decisions = {
            d: cap.sample("quantum_budget_decisions_total", budget="sweep-month", decision=d)
            for d in ("allow", "warn", "deny")
        }
        assert decisions == {"allow": 1, "warn": 0, "deny": 1}
        assert len(cap.job_events()) == 1  # the refused submission is no job
        # other experiments are not capped by it
        ibm_api.next_job = recent_job(ibm_backend, encoded_result, qpu_seconds=2)
        qobserve.experiment("other")(lambda: submit(ibm_backend, isa_bell).result())()
        assert job_posts(ibm_api) == posts + 1


def test_jobs_in_flight_count_against_the_cap(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, encoded_result: str,
    instrumented: QiskitInstrumentor, files: tuple[Path, Path],
) -> None:  # fmt: skip
    prices, budgets = files
    with capture(price_model=str(prices), budgets=str(budgets)) as cap:
        # history: one finished job of 1 s (1.6 USD); none of the queued ones has ended
        cap.telemetry.add_job(JobEvent(
            job_id="past", experiment="sweep", backend=ibm_backend.name, outcome="success",
            finished_at=time.time(), shots=100, qpu_seconds=1.0, cost_usd=1.6,
        ))  # fmt: skip
        assert cap.telemetry.flush(10)
        sweep = qobserve.experiment("sweep")(lambda: submit(ibm_backend, isa_bell, shots=100))
        jobs = []
        for _ in range(2):  # 1.6 spent + 1.6 + 1.6 in flight = 4.8 <= 5
            ibm_api.next_job = recent_job(ibm_backend, encoded_result, 1)
            ibm_api.next_job.states = ["Queued"]
            jobs.append(sweep())
        with pytest.raises(qobserve.BudgetExceeded, match=r"spent 4\.8 USD"):
            sweep()
        for job in jobs:
            job.cancel()


def test_warn_logs_once_per_period_and_lets_jobs_run(
    aer: Any, bell: Any, instrumented: QiskitInstrumentor, files: tuple[Path, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    prices, budgets = files
    with capture(price_model=str(prices), budgets=str(budgets)) as cap:
        caplog.set_level(logging.WARNING, logger="qobserve")
        for _ in range(3):  # 100 shots x 0.01 = 1 USD each, over the 0.5 USD cap
            aer.run(bell, shots=100).result()
        warnings = [r.getMessage() for r in caplog.records if "aer-day" in r.getMessage()]
        assert len(warnings) == 1
        assert "budget 'aer-day' exceeded: spent 0 USD" in warnings[0]
        assert "(action warn: the job is submitted)" in warnings[0]
        assert cap.sample("quantum_budget_decisions_total", budget="aer-day", decision="warn") == 3
        assert len(cap.job_events()) == 3


def test_a_broken_store_lets_the_job_through_and_counts_an_error(
    aer: Any, bell: Any, instrumented: QiskitInstrumentor, files: tuple[Path, Path],
    tmp_path: Path,
) -> None:  # fmt: skip
    prices, budgets = files
    store = tmp_path / "events.db"
    with capture(price_model=str(prices), budgets=str(budgets), store_path=str(store)) as cap:
        assert cap.telemetry.flush(10)
        healthy = store.read_bytes()
        store.write_bytes(b"this is not an SQLite database" * 200)  # corrupted under qobserve
        result = aer.run(bell, shots=10).result()
        assert result.get_counts()
        assert cap.sample("qobserve_internal_errors_total", component="budgets") == 1
        for decision in ("allow", "warn", "deny"):
            assert (
                cap.sample("quantum_budget_decisions_total", budget="aer-day", decision=decision)
                == 0
            )
        store.write_bytes(healthy)  # repaired: the job's event is written after all
