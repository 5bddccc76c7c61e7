"""The budget check before each submission, against an event store of one million jobs.

A store of 1M jobs (40 experiments on 6 backends over the 30 days before the check, written
through the store's own writer, so its running totals are the real ones) and three caps that
apply to the job: its experiment per calendar month (Europe/Zurich), its provider per day in
Asia/Kolkata (a period starting half-way into an hour, which reads that part of an hour from
the jobs) and everything per ISO week. One check is: the job's estimate (the last 50 jobs of
the experiment on the backend), the spend of each period, the decisions and their counts.

Figures: milliseconds per check (target < 5 ms; the same check on an empty store in the
detail), and the ratio of a scan of one cap's month of jobs, what the running totals replace,
to the whole check (target > 10: the check reads no job rows but the last 50 of the
experiment on the backend).
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.harness import Result, interleaved_ratio, per_call_seconds
from qobserve.budgets.enforce import Enforcer
from qobserve.budgets.model import Budget, Budgets
from qobserve.events import JobEvent

JOBS = 1_000_000
#: the checks happen at the end of a busy November
NOW = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)
BACKENDS = ["ibm_kyiv", "ibm_sherbrooke", "ibm_torino", "fake_manila", "aer", "sv1"]
EXPERIMENTS = [f"exp_{i:02d}" for i in range(40)]
BUDGETS = Budgets((
    Budget("exp-month", 1e9, "usd", "month", "deny", "Europe/Zurich", experiment="exp_07"),
    Budget("ibm-day", 1e9, "qpu_seconds", "day", "warn", "Asia/Kolkata", provider="ibm",
           backends=("ibm_*",)),
    Budget("all-week", 1e9, "usd", "week", "deny"),
))  # fmt: skip


class _Work:
    """What a 3-PUB submission of 4096 shots reports to the core."""

    num_circuits = 3

    def requested_shots(self) -> int:
        return 3 * 4096

    def shape(self) -> Any:
        from qobserve.instrument.adapter import Shape

        return Shape(3, 27, 40, 60)

    def fingerprint(self, *context: object) -> str:
        return "bench"


def _fill(path: Path) -> None:
    from qobserve.store import EventStore

    rng = np.random.default_rng(7)
    end = NOW.timestamp()
    finished = np.sort(rng.uniform(end - 30 * 86400, end - 60, JOBS))
    backend = rng.integers(0, len(BACKENDS), JOBS)
    experiment = rng.integers(0, len(EXPERIMENTS), JOBS)
    qpu = rng.uniform(1, 5, JOBS).round(3)
    store = EventStore(path, max_queue=JOBS + 1, flush_interval=0.2)
    for i in range(JOBS):  # the writer's own path: job rows and their running totals
        b = BACKENDS[backend[i]]
        store.add_job(JobEvent(
            job_id=f"j{i}", experiment=EXPERIMENTS[experiment[i]], backend=b,
            backend_type="qpu", outcome="success", finished_at=float(finished[i]), shots=4096,
            qpu_seconds=float(qpu[i]) if b.startswith("ibm") else None,
            cost_usd=float(qpu[i]) * 1.6,
        ))  # fmt: skip
    if not store.flush(600):
        raise RuntimeError("the benchmark store did not commit")
    store.close()


def _enforcer(store: Path, prices: Path) -> tuple[Enforcer, Any]:
    from prometheus_client import CollectorRegistry

    from qobserve.config import Config
    from qobserve.instrument.adapter import Submission
    from qobserve.instrument.qiskit_adapter import QISKIT
    from qobserve.telemetry import Telemetry

    tel = Telemetry(
        Config(tracing="none", store_path=str(store), price_model=str(prices)),
        registry=CollectorRegistry(),
    )
    submission = Submission(QISKIT, "sampler", "ibm_kyiv", "qpu", _Work())
    return Enforcer(BUDGETS, tel, clock=lambda: NOW), submission


def run() -> list[Result]:
    folder = Path(tempfile.mkdtemp(prefix="qobserve-bench-budgets-"))
    prices = folder / "prices.yaml"
    prices.write_text("backends:\n  ibm_*: {per_qpu_second: 1.6}\n")
    big, empty = folder / "big.db", folder / "empty.db"
    started = time.perf_counter()
    _fill(big)
    fill_s = time.perf_counter() - started
    check, submission = _enforcer(big, prices)
    baseline, _ = _enforcer(empty, prices)
    check(submission, "exp_07")  # the first check opens the reader connection
    baseline(submission, "exp_07")
    per_check = per_call_seconds(lambda: check(submission, "exp_07"), number=200)
    empty_s = per_call_seconds(lambda: baseline(submission, "exp_07"), number=200)
    since = check.budgets.budgets[0].period_start(NOW).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with sqlite3.connect(big) as conn:

        def scan() -> object:  # what the running totals replace: the month's jobs, summed
            return conn.execute(
                "SELECT sum(cost_usd) FROM job_events WHERE finished_at >= ? "
                "AND experiment = 'exp_07'",
                (since,),
            ).fetchone()

        ratio, scan_s, _ = interleaved_ratio(
            scan, lambda: check(submission, "exp_07"), number=3, rounds=5
        )
    check.tel.shutdown()
    baseline.tel.shutdown()
    return [
        Result(
            "budget check per submission, 1M-job store (3 caps)",
            per_check * 1000,
            "ms",
            "< 5 ms",
            per_check < 0.005,
            f"(empty store {empty_s * 1000:.3f} ms; store written in {fill_s:.0f} s)",
        ),
        Result(
            "month scan of one cap's jobs / budget check, 1M-job store",
            ratio,
            "x",
            "> 10",
            ratio > 10,
            f"(scan {scan_s * 1000:.0f} ms)",
        ),
    ]
