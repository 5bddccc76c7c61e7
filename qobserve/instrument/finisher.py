"""Finishes remote jobs off the caller's thread: one ``job.metrics()`` request each.

An IBM job's queue and execution times and its billed QPU seconds come from one extra
request after completion. Making it inside the user's ``result()`` would add a round trip to
every job, so finished remote jobs are handed to one daemon thread through a bounded queue
(full: the job is recorded without timestamps and counted as incomplete). :func:`flush`
waits until everything handed over is recorded; the instrumentor calls it at exit.

Example::

    finisher.flush(timeout=10)   # True when every remote job so far is recorded
"""

from __future__ import annotations

import collections
import threading
from typing import Any

from qobserve import contract

MAX_PENDING = 10_000

_pending: collections.deque[tuple[Any, Any, BaseException | None]] = collections.deque()
_cond = threading.Condition()
_busy = 0  # jobs taken off the queue and not yet recorded
_thread: threading.Thread | None = None


def submit(tracked: Any, result: Any, exc: BaseException | None) -> None:
    """Queue ``tracked`` (a ``TrackedJob``) for ``finish_with_metrics(result, exc)``."""
    global _thread
    with _cond:
        if len(_pending) >= MAX_PENDING:
            full = True
        else:
            full = False
            _pending.append((tracked, result, exc))
            if _thread is None or not _thread.is_alive():
                _thread = threading.Thread(target=_run, name="qobserve-jobs", daemon=True)
                _thread.start()
            _cond.notify_all()
    if full:  # record now, without the request, rather than lose the job
        tracked.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("finisher_full",))
        tracked.record(result=result, exc=exc)


def flush(timeout: float = 30.0) -> bool:
    """Wait until every queued job is recorded; False on timeout."""
    with _cond:
        return _cond.wait_for(lambda: not _pending and _busy == 0, timeout)


def _run() -> None:
    global _busy
    while True:
        with _cond:
            _cond.wait_for(lambda: bool(_pending))
            tracked, result, exc = _pending.popleft()
            _busy += 1
        try:
            tracked.finish_with_metrics(result, exc)
        except Exception as err:  # the thread must survive any one job
            tracked.tel.internal_error("instrument", err)
        finally:
            with _cond:
                _busy -= 1
                _cond.notify_all()
