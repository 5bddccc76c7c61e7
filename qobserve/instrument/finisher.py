"""Finishes remote jobs off the caller's thread: one server-timing request each.

An IBM job's queue and execution times and its billed QPU seconds come from one extra
request after completion. Making it inside the user's ``result()`` would add a round trip to
every job, so finished remote jobs are handed to one daemon thread through a bounded queue
(full: the job is recorded without timestamps and counted as incomplete). :meth:`flush`
waits until everything handed over is recorded; the telemetry's shutdown calls it.

Example::

    finisher = Finisher()
    finisher.submit(tracked, result, None)
    finisher.flush(timeout=10)   # True when every remote job so far is recorded
"""

from __future__ import annotations

import collections
import threading
from typing import TYPE_CHECKING, Any

from qobserve import contract

if TYPE_CHECKING:
    from qobserve.instrument.jobs import TrackedJob

MAX_PENDING = 10_000
_IDLE_SECONDS = 5.0


class Finisher:
    """A bounded queue of finished remote jobs and the one thread that records them."""

    def __init__(self, max_pending: int = MAX_PENDING) -> None:
        self._pending: collections.deque[tuple[TrackedJob, Any, BaseException | None]] = (
            collections.deque()
        )
        self._max = max_pending
        self._cond = threading.Condition()
        self._busy = 0  # jobs taken off the queue and not yet recorded
        self._thread: threading.Thread | None = None

    def submit(self, tracked: TrackedJob, result: Any, exc: BaseException | None) -> None:
        """Queue ``tracked`` for ``finish_with_timing(result, exc)``."""
        with self._cond:
            full = len(self._pending) >= self._max
            if not full:
                self._pending.append((tracked, result, exc))
                if self._thread is None or not self._thread.is_alive():
                    self._thread = threading.Thread(
                        target=self._run, name="qobserve-jobs", daemon=True
                    )
                    self._thread.start()
                self._cond.notify_all()
        if full:  # record now, without the request, rather than lose the job
            tracked.tel.metrics.inc(contract.TELEMETRY_INCOMPLETE_TOTAL, ("finisher_full",))
            tracked.record(result=result, exc=exc)

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every queued job is recorded; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and self._busy == 0, timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                # an idle thread ends: every capture() block has a finisher of its own
                if not self._cond.wait_for(lambda: bool(self._pending), _IDLE_SECONDS):
                    self._thread = None
                    return
                tracked, result, exc = self._pending.popleft()
                self._busy += 1
            try:
                tracked.finish_with_timing(result, exc)
            except Exception as err:  # the thread must survive any one job
                tracked.tel.internal_error("instrument", err)
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()
