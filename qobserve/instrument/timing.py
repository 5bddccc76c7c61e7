"""When a job waited and when it ran: server timestamps, or local measurement.

IBM jobs report ``created``, ``running`` and ``finished`` timestamps and billed usage in
``job.metrics()``; :func:`server_timing` reads them. Local jobs (fake backends, Aer, local
testing mode) report fake timestamps, so their start is measured here instead: while an
instrumented submission is being made, the job's callable is wrapped on its way into the
thread pool (``AerJob.submit`` and ``PrimitiveJob._submit`` are patched for that moment only,
because jobs are created and submitted inside one SDK call, leaving no other place to see
when the worker picks them up). The wrapper also marks the worker's context as "inside a
job", so that the ``backend.run`` a local primitive makes internally is not counted as a
second job.

Example::

    server_timing(job.metrics())
    # Timing(created=1763712000.1, started=1763712030.4, finished=1763712031.9, qpu_seconds=2.0)
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextvars import ContextVar
from datetime import datetime
from typing import Any, NamedTuple

#: marks code running inside a job's worker (see module docstring)
INSIDE_JOB: Any = object()
#: the submission being made in this context (a ``TrackedJob``), ``INSIDE_JOB``, or None
SUBMISSION: ContextVar[Any] = ContextVar("qobserve_submission", default=None)


class Timing(NamedTuple):
    """Server-side times of a job (Unix seconds; None where not reported)."""

    created: float | None
    started: float | None
    finished: float | None
    qpu_seconds: float | None


def server_timing(metrics: Any) -> Timing:
    """Timestamps and billed QPU seconds from a ``job.metrics()`` answer."""
    if not isinstance(metrics, Mapping):
        return Timing(None, None, None, None)
    stamps = metrics.get("timestamps")
    stamps = stamps if isinstance(stamps, Mapping) else {}
    return Timing(
        _unix(stamps.get("created")),
        _unix(stamps.get("running")),
        _unix(stamps.get("finished")),
        _qpu_seconds(metrics.get("usage")),
    )


def _unix(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _qpu_seconds(usage: Any) -> float | None:
    if not isinstance(usage, Mapping) or usage.get("status") == "pending":
        return None  # not final yet: counting it now would undercount for good
    for key in ("qpu_charge_time_seconds", "quantum_seconds", "seconds"):
        value = usage.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
    return None


class _Stamped:
    """A job's callable that notes when a worker starts it (``job`` None: a job started by
    another job's worker, nothing to note), and runs it "inside a job"."""

    __slots__ = ("fn", "job")

    def __init__(self, fn: Callable[..., Any], job: Any) -> None:
        self.fn = fn
        self.job = job

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.job is not None:
            with contextlib.suppress(Exception):  # telemetry must not break the job
                self.job.mark_started()
        token = SUBMISSION.set(INSIDE_JOB)
        try:
            return self.fn(*args, **kwargs)
        finally:
            SUBMISSION.reset(token)


def stamping_submit(attr: str, executor_attr: str | None) -> Callable[[Any], Any]:
    """A wrapper factory for a job class's submit method whose callable is ``self.<attr>``.

    ``executor_attr`` names the job's executor when the class lets the user choose it; only
    thread pools are stamped (a process pool would have to pickle the stamp).
    """

    def factory(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def submit(self: Any, *args: Any, **kwargs: Any) -> Any:
            job = SUBMISSION.get()
            fn = getattr(self, attr, None)
            if job is None or fn is None or not _threaded(self, executor_attr):
                return original(self, *args, **kwargs)
            # a job started by a job's worker (Aer primitives inside local testing mode) runs
            # "inside a job" too: thread pools do not carry context variables over
            setattr(self, attr, _Stamped(fn, None if job is INSIDE_JOB else job))
            try:
                return original(self, *args, **kwargs)
            finally:
                setattr(self, attr, fn)  # the pool holds the stamped callable; the job is as before

        return submit

    return factory


def _threaded(job: Any, executor_attr: str | None) -> bool:
    if executor_attr is None:
        return True
    return isinstance(getattr(job, executor_attr, None), ThreadPoolExecutor)
