"""The event store's writer: one background thread per process, SQLite or PostgreSQL.

Callers never block on disk: :meth:`EventStore.add_job` and :meth:`EventStore.add_run` append to
a bounded in-memory queue (a full queue drops the event and counts it), and a writer thread
commits batches every ``flush_interval`` seconds or every ``batch_size`` events. After
:meth:`EventStore.flush` returns, every event added before it is committed and survives the
process being killed. Several processes may write one store at once: an SQLite file (WAL,
busy timeout) on one host, a PostgreSQL database (``postgresql://`` URL) from many hosts; the
backend (:mod:`qobserve.store.backends`) only connects and writes a batch.

Example::

    store = EventStore(".qobserve/events.db")
    store.add_job(JobEvent(job_id="j1", backend="aer_simulator", outcome="success"))
    store.flush()
    store.query("SELECT count(*) FROM job_events")
"""

from __future__ import annotations

import collections
import os
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qobserve.events import ExperimentRun, JobEvent
from qobserve.store.backends import SQLiteBackend, open_backend, sql


class EventStore:
    """A durable, non-blocking store of job events and experiment runs."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        max_queue: int = 100_000,
        batch_size: int = 20_000,
        flush_interval: float = 1.0,
        on_error: Callable[[str, BaseException], None] | None = None,
        on_drop: Callable[[int], None] | None = None,
    ) -> None:
        self.backend = open_backend(path)
        self.location = self.backend.location
        #: the SQLite file, or the PostgreSQL URL
        self.path: Path | str = Path(path) if isinstance(self.backend, SQLiteBackend) else str(path)
        self.max_queue = max_queue
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.dropped = 0
        self._on_error = on_error
        self._on_drop = on_drop
        # open and migrate here so an unusable store fails at configure(), not later
        self.backend.prepare()
        self._start()
        # a forked child gets its own queue and writer thread (threads do not survive fork)
        restart = weakref.WeakMethod(self._start)
        os.register_at_fork(after_in_child=lambda: (m := restart()) is not None and m())

    def _start(self) -> None:
        # holds JobEvent, ExperimentRun, (fidelity, job_id) updates and flush markers as they
        # are: no wrapper per item, the writer tells them apart by type
        self._queue: collections.deque[Any] = collections.deque()
        self._wake = threading.Event()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="qobserve-store", daemon=True)
        self._thread.start()

    # -- producer side (user threads) ----------------------------------------------------------
    def add_job(self, event: JobEvent) -> None:
        """Queue a job event for writing; never blocks, drops (and counts) when full."""
        self._put(event)

    def add_run(self, run: ExperimentRun) -> None:
        """Queue an experiment run for writing; never blocks, drops (and counts) when full."""
        self._put(run)

    def set_fidelity(self, job_id: str, fidelity: float) -> None:
        """Record the fidelity of a job's result (a check made after the job's event was
        queued); applied in order, after the job's own event."""
        self._put((fidelity, job_id))

    def _put(self, item: object) -> None:
        queue = self._queue
        if len(queue) >= self.max_queue or self._closed:
            self._drop(1)
            return
        queue.append(item)
        if len(queue) == self.batch_size:  # once per batch: the writer drains all it finds
            self._wake.set()

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Block until everything queued so far is committed; False on timeout."""
        if not self._thread.is_alive():
            return not self._queue
        # everything queued before the marker is committed before the writer sets it
        done = threading.Event()
        self._queue.append(done)
        self._wake.set()
        return done.wait(timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Flush and stop the writer thread. Later events are dropped and counted."""
        if self._closed:
            return
        self.flush(timeout)
        self._closed = True
        self._wake.set()
        self._thread.join(timeout)

    # -- writer thread -------------------------------------------------------------------------
    def _run(self) -> None:
        conn: Any = None
        while True:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            closing = self._closed
            while self._queue:
                try:
                    conn = conn or self.backend.connect()
                except Exception as exc:  # unwritable now; the events wait in the queue
                    self._report("store", exc)
                    break
                self._write_batch(conn)
            if closing:
                break
        if conn is not None:
            conn.close()

    def _write_batch(self, conn: Any) -> None:
        queue = self._queue
        jobs: list[tuple[object, ...]] = []
        runs: list[tuple[object, ...]] = []
        updates: list[tuple[float, str]] = []
        marks: list[threading.Event] = []
        for _ in range(min(len(queue), self.batch_size)):
            item = queue.popleft()
            kind = type(item)
            if kind is JobEvent:
                jobs.append(item.to_row())
            elif kind is ExperimentRun:
                runs.append(item.to_row())
            elif kind is tuple:
                updates.append(item)
            else:
                marks.append(item)
                break  # commit what came before the flush request, then answer it
        try:
            self.backend.write(conn, jobs, runs, updates)
        except Exception as exc:
            self._drop(len(jobs) + len(runs) + len(updates))
            self._report("store", exc)
        for mark in marks:
            mark.set()

    def _drop(self, n: int) -> None:
        self.dropped += n
        if self._on_drop is not None:
            self._on_drop(n)

    def _report(self, component: str, exc: BaseException) -> None:
        if self._on_error is not None:
            self._on_error(component, exc)

    # -- reading -------------------------------------------------------------------------------
    def query(self, text: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query, written with ``?`` placeholders, on committed data."""
        conn = self.backend.reader()
        try:
            return list(conn.execute(sql(self.backend, text), params).fetchall())
        finally:
            conn.close()

    def key_outcomes(self, key: str) -> set[str]:
        """The outcomes of the committed jobs with this idempotency key (empty: none)."""
        rows = self.query(
            "SELECT DISTINCT outcome FROM job_events WHERE idempotency_key = ? LIMIT 10", (key,)
        )
        return {str(row[0]) for row in rows}
