"""A clearly labelled synthetic job history, so the weekly report of a fresh demo has a week.

The workload model: a few experiments on a QPU, two emulators and an ideal simulator, with a
daily rhythm, QPU queue waits that grow in the afternoon, the demo's fault mix (every error
type of the contract), a two-hour outage of one QPU, duplicate submissions and
simulator-vs-hardware checks. Every synthetic job id starts with :data:`SYNTHETIC_PREFIX` and
every run id with ``synthetic-``, so real and synthetic events never mix unnoticed.

Example::

    events = synthetic_history(end=datetime(2026, 11, 23, tzinfo=UTC), days=14, seed=7)
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from qobserve.events import JobEvent

SYNTHETIC_PREFIX = "synthetic-"


@dataclass(frozen=True)
class _Backend:
    name: str
    type: str
    jobs_per_hour: float
    error_rate: float
    usd_per_qpu_second: float
    provider: str


_BACKENDS = (
    _Backend("ibm_torino", "qpu", 6.0, 0.04, 1.60, "ibm"),
    _Backend("fake_manila", "emulator", 10.0, 0.02, 0.0, "fake"),
    _Backend("fake_lima", "emulator", 4.0, 0.02, 0.0, "fake"),
    _Backend("aer_simulator", "simulator", 20.0, 0.005, 0.0, "aer"),
)
_EXPERIMENTS = ("bell-benchmark", "ghz-5", "vqe-h2", "param-sweep")
# relative weights of the failure causes (the demo's fault mix)
_FAULTS = {
    "job_failed": 30,
    "timeout": 15,
    "backend_unavailable": 12,
    "network": 10,
    "rate_limited": 8,
    "invalid_input": 8,
    "auth": 4,
    "quota_exceeded": 4,
    "cancelled": 5,
    "invalid_result": 3,
    "internal": 1,
}
_OUTAGE_DAY, _OUTAGE_HOURS = 3, (14, 16)  # days before the end, hours (UTC) of the outage


def synthetic_history(end: datetime, days: int = 14, seed: int = 7) -> Iterator[JobEvent]:
    """Job events for the ``days`` days before ``end`` (a timezone-aware datetime)."""
    rng = random.Random(seed)
    start = end - timedelta(days=days)
    outage_start = (end - timedelta(days=_OUTAGE_DAY)).replace(
        hour=_OUTAGE_HOURS[0], minute=0, second=0, microsecond=0
    )
    outage_end = outage_start.replace(hour=_OUTAGE_HOURS[1])
    faults, weights = zip(*_FAULTS.items(), strict=True)
    hour = start
    n = 0
    while hour < end:
        daily = 0.5 + 0.5 * math.sin((hour.hour - 8) / 24 * 2 * math.pi)  # busiest mid-afternoon
        for backend in _BACKENDS:
            for _ in range(_poisson(rng, backend.jobs_per_hour * (0.4 + daily))):
                submitted = hour + timedelta(seconds=rng.uniform(0, 3600))
                in_outage = backend.type == "qpu" and outage_start <= submitted < outage_end
                n += 1
                yield _job(rng, backend, submitted, in_outage, faults, weights, n)
        hour += timedelta(hours=1)


def _job(
    rng: random.Random,
    backend: _Backend,
    submitted: datetime,
    in_outage: bool,
    faults: tuple[str, ...],
    weights: tuple[int, ...],
    n: int,
) -> JobEvent:
    experiment = rng.choice(_EXPERIMENTS)
    shots = rng.choice((1024, 2048, 4096))
    if backend.type == "qpu":
        # queue waits: lognormal around 4 minutes, longer in the afternoon
        queue = rng.lognormvariate(math.log(240), 0.9) * (1.5 if 12 <= submitted.hour < 18 else 1)
        execution = rng.uniform(2, 12) * shots / 1024
    else:
        queue = rng.uniform(0.01, 0.2)
        execution = rng.uniform(0.05, 0.5) * shots / 1024
    error_type = "none"
    if in_outage:
        error_type = "backend_unavailable"
    elif rng.random() < backend.error_rate:
        error_type = rng.choices(faults, weights)[0]
    outcome = {"none": "success", "cancelled": "cancelled", "invalid_result": "invalid"}.get(
        error_type, "error"
    )
    ran = outcome in ("success", "invalid") or error_type == "job_failed"
    start = submitted.timestamp() + (queue if ran else 0.0)
    finished = start + (execution if ran else rng.uniform(0.1, 3.0))
    qpu_seconds = execution if ran and backend.type == "qpu" else None
    fidelity = None
    if ran and backend.type != "simulator" and rng.random() < 0.2:
        # emulators track the ideal simulation closely; the QPU drifts, sometimes past 0.9
        fidelity = min(1.0, rng.gauss(0.975 if backend.type == "emulator" else 0.93, 0.03))
    key = hashlib.sha256(f"{experiment}-{n}".encode()).hexdigest()[:16]
    return JobEvent(
        job_id=f"{SYNTHETIC_PREFIX}{n:06d}",
        experiment=experiment,
        run_id=f"synthetic-run-{n // 4:05d}",
        backend=backend.name,
        backend_type=backend.type,
        primitive=rng.choice(("sampler", "estimator")),
        outcome=outcome,
        error_type=error_type,
        submitted_at=submitted.timestamp(),
        started_at=start if ran else None,
        finished_at=finished,
        queue_seconds=queue if ran else None,
        execution_seconds=execution if ran else None,
        duration_seconds=finished - submitted.timestamp(),
        shots=shots if ran else None,
        num_circuits=rng.randint(1, 8),
        num_qubits=rng.choice((2, 5, 5, 27)),
        depth=rng.randint(4, 120),
        qpu_seconds=qpu_seconds,
        cost_usd=qpu_seconds * backend.usd_per_qpu_second if qpu_seconds else None,
        fidelity=fidelity,
        duplicate=rng.random() < 0.006,
        idempotency_key=key,
        provider=backend.provider,
    )


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: fine for the small rates of a demo
    threshold, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= threshold:
            return k
        k += 1
