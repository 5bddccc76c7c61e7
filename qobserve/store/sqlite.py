"""The event store's writer: one background thread per process, SQLite or PostgreSQL.

Callers never block on disk: :meth:`EventStore.add_job` and :meth:`EventStore.add_run` append to
a bounded in-memory queue, and a writer thread commits batches every ``flush_interval`` seconds
or every ``batch_size`` events. A batch that fails to commit (full disk, vanished folder) stays
queued and is retried with a backoff of up to :data:`RETRY_MAX` seconds; events are dropped only
when the queue is full (``on_drop(n, "queue_full")``), after :meth:`EventStore.close`
(``"closed"``) or when closing gives up on an unusable store (``"unwritten_at_exit"``). When
:meth:`EventStore.flush` returns True every event added before it is committed and survives the
process being killed; False means some are not (yet). Several processes may write one store at
once: an SQLite file (WAL, busy timeout) on one host, a PostgreSQL database (``postgresql://``
URL) from many hosts; the backend (:mod:`qobserve.store.backends`) only connects and writes a
batch.

Example::

    store = EventStore(".qobserve/events.db")
    store.add_job(JobEvent(job_id="j1", backend="aer_simulator", outcome="success"))
    store.flush()
    store.query("SELECT count(*) FROM job_events")
"""

from __future__ import annotations

import collections
import contextlib
import os
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qobserve.events import ExperimentRun, JobEvent
from qobserve.store.backends import SQLiteBackend, open_backend, sql

#: first and longest wait (seconds) before retrying a batch that failed to commit
RETRY_MIN, RETRY_MAX = 0.05, 5.0
#: longest wait (seconds) in :meth:`EventStore.close` for a store that keeps committing
CLOSE_MAX = 30.0


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
        on_drop: Callable[[int, str], None] | None = None,
    ) -> None:
        self.backend = open_backend(path)
        self.location = self.backend.location
        #: the SQLite file, or the PostgreSQL URL
        self.path: Path | str = Path(path) if isinstance(self.backend, SQLiteBackend) else str(path)
        self.max_queue = max_queue
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.dropped = 0
        #: events (and updates) that :meth:`close` could not write to an unusable store
        self.unwritten = 0
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
        # notified after every commit attempt: a flush returns False at the first failure of an
        # attempt that started after it, instead of waiting out its timeout
        self._attempted = threading.Condition()
        self._attempts = 0  # attempts started
        self._failed = 0  # number of the last attempt that failed
        self._inode: int | None = None
        self._in_flight = 0  # taken off the queue by a commit attempt: still counts as queued
        self._thread = threading.Thread(target=self._run, name="qobserve-store", daemon=True)
        self._thread.start()

    def _connect(self) -> Any:
        conn = self.backend.connect()
        self._inode = self._file_id()
        return conn

    def _file_id(self) -> int | None:
        """The SQLite file's inode (None for PostgreSQL): a store deleted mid-run is noticed."""
        if not isinstance(self.backend, SQLiteBackend):
            return None
        try:
            return os.stat(self.path).st_ino
        except OSError:
            return None

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
        if len(queue) + self._in_flight >= self.max_queue or self._closed:
            self._drop(1, "closed" if self._closed else "queue_full")
            return
        queue.append(item)
        if len(queue) == self.batch_size:  # once per batch: the writer drains all it finds
            self._wake.set()

    def flush(self, timeout: float | None = 30.0) -> bool:
        """Block until everything queued so far is committed: True then. False on timeout, or
        as soon as a commit attempt fails (the events stay queued and are retried)."""
        if not self._thread.is_alive():
            return not any(type(item) is not threading.Event for item in self._queue)
        # everything queued before the marker is committed before the writer sets it
        done = threading.Event()
        with self._attempted:
            started = self._attempts
            self._queue.append(done)
            self._wake.set()
            self._attempted.wait_for(lambda: done.is_set() or self._failed > started, timeout)
        return done.is_set()

    def close(self, timeout: float = 2.0) -> int:
        """Flush and stop the writer thread; returns how many events could not be written
        (counted as dropped, ``"unwritten_at_exit"``). A healthy store gets up to
        :data:`CLOSE_MAX` seconds to commit everything; an unusable one (commits failing) is
        given up after ``timeout`` seconds of failures. Later events are dropped and counted
        (``"closed"``)."""
        if self._closed:
            return 0
        hard = time.monotonic() + CLOSE_MAX
        failing_since: float | None = None
        while not self.flush(max(hard - time.monotonic(), 0)):
            now = time.monotonic()
            failing_since = failing_since or now
            if now >= hard or now - failing_since >= timeout:
                break
            time.sleep(RETRY_MIN)
        self._closed = True
        self._wake.set()
        self._thread.join(min(timeout, max(hard - time.monotonic(), 0)) + 0.1)
        left = sum(1 for item in list(self._queue) if type(item) is not threading.Event)
        if left:
            self._queue.clear()
            self.unwritten = left
            self._drop(left, "unwritten_at_exit")
        return left

    # -- writer thread -------------------------------------------------------------------------
    def _run(self) -> None:
        conn: Any = None
        retry = 0.0  # seconds to wait before retrying a failed commit; 0 while healthy
        while True:
            self._wake.wait(retry or self.flush_interval)
            self._wake.clear()
            closing = self._closed
            while self._queue:
                with self._attempted:
                    self._attempts += 1
                    attempt = self._attempts
                try:
                    if conn is not None and not self._same_file():
                        conn.close()  # closing the last connection removes its WAL too
                        conn = None
                        raise FileNotFoundError(f"store {self.path} was deleted; recreating it")
                    conn = conn or self._connect()
                    self._write_batch(conn)
                    retry = 0.0
                except Exception as exc:  # unwritable now; the events wait in the queue
                    self._report("store", exc)
                    if conn is not None:  # a fresh connection for the retry, no half state
                        with contextlib.suppress(Exception):  # sqlite3's or psycopg's
                            conn.close()
                        conn = None
                    with self._attempted:
                        self._failed = attempt
                        self._attempted.notify_all()
                    retry = min(max(retry * 2, RETRY_MIN), RETRY_MAX)
                    break
            if closing:
                break
        if conn is not None:
            conn.close()

    def _same_file(self) -> bool:
        return self._file_id() == self._inode

    def _write_batch(self, conn: Any) -> None:
        """Commit the next batch; on failure, put it back at the front of the queue and raise."""
        queue = self._queue
        taken: list[Any] = []
        jobs: list[tuple[object, ...]] = []
        runs: list[tuple[object, ...]] = []
        updates: list[tuple[float, str]] = []
        marks: list[threading.Event] = []
        for _ in range(min(len(queue), self.batch_size)):
            item = queue.popleft()
            taken.append(item)
            self._in_flight += 1
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
        except BaseException:
            queue.extendleft(reversed(taken))  # in order, before anything queued meanwhile
            raise
        finally:
            self._in_flight = 0
        with self._attempted:
            for mark in marks:
                mark.set()
            self._attempted.notify_all()

    def _drop(self, n: int, reason: str) -> None:
        self.dropped += n
        if self._on_drop is not None:
            self._on_drop(n, reason)

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
