"""The event store: durability, concurrency, migrations, bounded queue."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from qobserve.events import ExperimentRun, JobEvent, iso
from qobserve.store import EventStore
from qobserve.store.schema import SCHEMA_VERSION, SchemaTooNew

# A child that records N events, says "flushed" once flush() returned, then waits to be killed.
CHILD = textwrap.dedent("""
    import sys, time
    from qobserve.events import JobEvent
    from qobserve.store import EventStore
    n, path, tag = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    store = EventStore(path, flush_interval=3600)  # only flush() may write
    for i in range(n):
        store.add_job(JobEvent(job_id=f"{tag}-{i}", backend="fake_manila", outcome="success",
                               finished_at=time.time()))
    assert store.flush(60)
    print("flushed", flush=True)
    for i in range(n, 2 * n):  # queued after the flush: these may be lost
        store.add_job(JobEvent(job_id=f"{tag}-{i}", backend="fake_manila"))
    time.sleep(120)
""")


def count(path: Path, where: str = "1=1") -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM job_events WHERE {where}").fetchone()[0])


def test_flushed_events_survive_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "20000", str(db), "k"], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "flushed"
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    # every event flushed before the kill is there; the unflushed tail may or may not be
    assert count(db, "CAST(substr(job_id, 3) AS INTEGER) < 20000") == 20000


def test_two_processes_write_one_store_at_once(tmp_path: Path) -> None:
    db = tmp_path / "events.db"
    code = CHILD.replace("time.sleep(120)", "store.close()")
    children = [
        subprocess.Popen([sys.executable, "-c", code, "5000", str(db), tag], stdout=subprocess.PIPE)
        for tag in ("a", "b")
    ]
    for child in children:
        assert child.wait(120) == 0
    assert count(db, "job_id LIKE 'a-%'") == 10000
    assert count(db, "job_id LIKE 'b-%'") == 10000


def test_round_trip_and_iso_times(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "e.db")
    t = 1_763_719_200.25  # 2025-11-21T10:00:00.250Z
    store.add_job(
        JobEvent(
            job_id="j1",
            backend="aer_simulator",
            backend_type="simulator",
            outcome="success",
            submitted_at=t,
            finished_at=t + 2,
            duration_seconds=2.0,
            shots=1024,
            duplicate=True,
        )
    )
    store.add_run(ExperimentRun("r1", "bell", "success", "none", t, t + 3, 3.0, "ab" * 16))
    assert store.flush()
    row = store.query(
        "SELECT job_id, submitted_at, finished_at, shots, duplicate, started_at FROM job_events"
    )[0]
    assert row == ("j1", "2025-11-21T10:00:00.250Z", "2025-11-21T10:00:02.250Z", 1024, 1, None)
    assert iso(t) == row[1]  # Python and SQLite format times identically
    assert store.query("SELECT run_id, finished_at FROM experiment_runs") == [
        ("r1", "2025-11-21T10:00:03.250Z")
    ]
    assert len(store.key_outcomes("")) == 1 and store.key_outcomes("nope") == set()
    store.close()


def test_full_queue_drops_and_counts(tmp_path: Path) -> None:
    dropped: list[tuple[int, str]] = []
    store = EventStore(
        tmp_path / "e.db",
        max_queue=5,
        flush_interval=3600,
        on_drop=lambda n, r: dropped.append((n, r)),
    )
    for i in range(8):
        store.add_job(JobEvent(job_id=str(i)))
    assert store.dropped == 3 and dropped == [(1, "queue_full")] * 3
    store.flush()
    assert count(tmp_path / "e.db") == 5
    store.close()
    store.add_job(JobEvent(job_id="late"))  # after close: dropped, not raised
    assert store.dropped == 4 and dropped[-1] == (1, "closed")


def test_schema_is_versioned_and_a_newer_store_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    EventStore(db).close()
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNew):
        EventStore(db)


def test_flush_waits_for_the_writer_not_the_interval(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "e.db", flush_interval=3600)
    store.add_job(JobEvent(job_id="x"))
    start = time.monotonic()
    assert store.flush(10)
    assert time.monotonic() - start < 5
    assert store.query("SELECT job_id FROM job_events") == [("x",)]
    store.close()


def test_fidelity_of_a_later_check_lands_on_the_job(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "e.db", flush_interval=3600)
    store.add_job(JobEvent(job_id="j1", outcome="success"))
    store.set_fidelity("j1", 0.93)  # same batch as the insert
    store.flush()
    store.set_fidelity("j1", 0.87)  # a later batch: the last check wins
    store.set_fidelity("unknown-job", 0.5)  # nothing to update, nothing raised
    store.flush()
    assert store.query("SELECT job_id, fidelity FROM job_events") == [("j1", 0.87)]
    store.close()
