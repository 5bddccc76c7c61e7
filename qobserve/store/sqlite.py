"""The embedded event store: SQLite in WAL mode, written by one background thread.

Callers never block on disk: :meth:`EventStore.add_job` and :meth:`EventStore.add_run` append to
a bounded in-memory queue (a full queue drops the event and counts it), and a writer thread
commits batches every ``flush_interval`` seconds or every ``batch_size`` events. After
:meth:`EventStore.flush` returns, every event added before it is committed and survives the
process being killed. Several processes may write one store at once (WAL, busy timeout).

Example::

    store = EventStore(".qobserve/events.db")
    store.add_job(JobEvent(job_id="j1", backend="aer_simulator", outcome="success"))
    store.flush()
    store.query("SELECT count(*) FROM job_events")
"""

from __future__ import annotations

import collections
import os
import random
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qobserve.events import ExperimentRun, JobEvent
from qobserve.store.schema import INSERT_JOB, INSERT_RUN, UPDATE_FIDELITY, migrate, refuse_newer

_SETUP_TIMEOUT = 30.0


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
        self.path = Path(path)
        self.max_queue = max_queue
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.dropped = 0
        self._on_error = on_error
        self._on_drop = on_drop
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # open and migrate here so an unusable path fails at configure(), not later
        self._connect().close()
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

    def _connect(self) -> sqlite3.Connection:
        # Switching to WAL and migrating need a lock that SQLite may refuse at once, without
        # its busy handler, while another process sets up the same new store: retry, bounded.
        deadline = time.monotonic() + _SETUP_TIMEOUT
        delay = 0.01
        while True:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            try:
                refuse_newer(conn)  # before WAL: refusing must leave the file as it was
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a commit survives the process being killed (not power
                # loss), and costs no fsync per transaction
                conn.execute("PRAGMA synchronous=NORMAL")
                # checkpoint every ~40 MB of WAL instead of ~4 MB: fewer fsyncs while ingesting
                conn.execute("PRAGMA wal_autocheckpoint=10000")
                migrate(conn)
                return conn
            except sqlite3.OperationalError as err:
                conn.close()
                if "locked" not in str(err) and "busy" not in str(err):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay + random.uniform(0, delay))
                delay = min(delay * 2, 0.5)

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
        conn: sqlite3.Connection | None = None
        while True:
            self._wake.wait(self.flush_interval)
            self._wake.clear()
            closing = self._closed
            while self._queue:
                try:
                    conn = conn or self._connect()
                except Exception as exc:  # unwritable now; the events wait in the queue
                    self._report("store", exc)
                    break
                self._write_batch(conn)
            if closing:
                break
        if conn is not None:
            conn.close()

    def _write_batch(self, conn: sqlite3.Connection) -> None:
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
            conn.execute("BEGIN IMMEDIATE")
            if jobs:
                conn.executemany(INSERT_JOB, jobs)
            if runs:
                conn.executemany(INSERT_RUN, runs)
            if updates:  # after the inserts: an update may concern a job of this batch
                conn.executemany(UPDATE_FIDELITY, updates)
            conn.execute("COMMIT")
        except Exception as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
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
    def query(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        """Run a read-only query on the store (committed data only)."""
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30) as conn:
            return conn.execute(sql, params).fetchall()

    def key_outcomes(self, key: str) -> set[str]:
        """The outcomes of the committed jobs with this idempotency key (empty: none)."""
        rows = self.query(
            "SELECT DISTINCT outcome FROM job_events WHERE idempotency_key = ? LIMIT 10", (key,)
        )
        return {str(row[0]) for row in rows}
