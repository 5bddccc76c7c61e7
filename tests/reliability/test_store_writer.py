"""Items 1 and 2: ``flush()`` True means committed; a failed commit keeps the events queued and
retried; drops only when the queue is full; no hang on the exit path; acknowledged events
survive SIGKILL. Full disks are real tmpfs mounts, kills are real SIGKILLs."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

from qobserve.events import JobEvent
from qobserve.store import EventStore
from qobserve.testing import capture

from .conftest import tmpfs


def _fill(disk: Path) -> Path:
    """Fill the file system of ``disk`` to the last byte; returns the filler file."""
    filler = disk / "filler"
    with filler.open("wb", buffering=0) as f:
        for size in (1 << 16, 1 << 12, 1 << 9, 1):
            try:
                while f.write(b"\0" * size):
                    pass
            except OSError:  # ENOSPC: this size no longer fits
                pass
    return filler


def _rows(path: Path, table: str = "job_events") -> int:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def _job(i: int) -> JobEvent:
    return JobEvent(job_id=f"j{i}", backend="aer_simulator", outcome="success", finished_at=1.0 + i)


def test_flush_is_false_while_the_disk_is_full_and_the_batch_is_kept(tmp_path: Path) -> None:
    drops: list[tuple[int, str]] = []
    with tmpfs(tmp_path / "disk", "3m") as disk:
        store = EventStore(
            disk / "events.db", flush_interval=0.05, on_drop=lambda n, r: drops.append((n, r))
        )
        store.add_job(_job(0))
        assert store.flush(10)
        filler = _fill(disk)
        for i in range(1, 101):
            store.add_job(_job(i))
        assert store.flush(10) is False  # not committed: the disk is full
        filler.unlink()
        assert store.flush(10) is True  # retried from the queue once there is room
        assert _rows(disk / "events.db") == 101
        store.close()
    assert drops == []  # nothing dropped: the queue never filled


def test_an_unusable_store_drops_only_once_the_queue_is_full(tmp_path: Path) -> None:
    drops: list[tuple[int, str]] = []
    with tmpfs(tmp_path / "disk", "3m") as disk:
        store = EventStore(
            disk / "events.db", max_queue=50, flush_interval=0.05,
            on_drop=lambda n, r: drops.append((n, r)),
        )  # fmt: skip
        filler = _fill(disk)
        for i in range(80):
            store.add_job(_job(i))
        assert sum(n for n, _ in drops) == 30
        assert {r for _, r in drops} == {"queue_full"}
        filler.unlink()
        assert store.flush(10)
        assert _rows(disk / "events.db") == 50
        store.close()


def test_dropped_events_are_counted_with_their_reason(tmp_path: Path) -> None:
    with (
        tmpfs(tmp_path / "disk", "3m") as disk,
        capture(store_path=disk / "events.db", queue_size=10) as cap,
    ):
        filler = _fill(disk)
        assert cap.telemetry.store is not None
        for i in range(15):
            cap.telemetry.store.add_job(_job(i))
        assert cap.sample("qobserve_events_dropped_total", reason="queue_full") == 5
        assert cap.telemetry.flush(5) is False
        assert (cap.sample("qobserve_internal_errors_total", component="store") or 0) >= 1
        filler.unlink()
        assert cap.telemetry.flush(10) is True


def test_store_deleted_mid_run_is_an_internal_error_and_later_events_are_kept(
    tmp_path: Path,
) -> None:
    with capture(store_path=tmp_path / "events.db") as cap:
        store = cap.telemetry.store
        assert store is not None
        store.add_job(_job(1))
        assert cap.telemetry.flush(10)
        (tmp_path / "events.db").unlink()
        store.add_job(_job(2))
        store.add_job(_job(3))
        for _ in range(3):  # the first attempt finds the file gone, the retry recreates it
            if cap.telemetry.flush(10):
                break
        else:
            raise AssertionError("never committed after the store was deleted")
        assert (cap.sample("qobserve_internal_errors_total", component="store") or 0) >= 1
        assert [r["job_id"] for r in cap.job_events()] == ["j2", "j3"]


_SCRIPT = textwrap.dedent(
    """
    import shutil, sys
    from pathlib import Path
    import qobserve

    store, how = Path(sys.argv[1]), sys.argv[2]
    qobserve.configure(store_path=store, tracing="none", flush_interval=0.05)
    if how == "vanished":
        shutil.rmtree(store.parent)
    elif how == "full":
        with (store.parent / "filler").open("wb", buffering=0) as f:
            for size in (1 << 16, 1 << 12, 1 << 9, 1):
                try:
                    while f.write(b"\\0" * size):
                        pass
                except OSError:
                    pass

    @qobserve.experiment("exit-path")
    def step() -> None:
        pass

    for _ in range(7):
        step()
    if sys.argv[3] == "flush":
        print("flush", qobserve.flush(), flush=True)
    """
)


def _exit_path(store: Path, how: str, flush: str) -> subprocess.CompletedProcess[str]:
    # the timeout is the bound being tested: 30 s per flush and 30 s at exit before the fix
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, str(store), how, flush],
        capture_output=True, text=True, timeout=25, check=False,
        env={**os.environ, "QOBSERVE_EXIT_TIMEOUT": "1"},
    )  # fmt: skip


def test_exit_is_bounded_and_says_what_was_lost_when_the_folder_vanished(tmp_path: Path) -> None:
    for flush in ("flush", "no-flush"):
        done = _exit_path(tmp_path / flush / "events.db", "vanished", flush)
        assert done.returncode == 0, done.stderr
        assert "7 events could not be written" in done.stderr
        if flush == "flush":
            assert "flush False" in done.stdout


def test_exit_is_bounded_when_the_disk_is_full_before_the_first_write(tmp_path: Path) -> None:
    with tmpfs(tmp_path / "disk", "3m") as disk:
        done = _exit_path(disk / "events.db", "full", "flush")
    assert done.returncode == 0, done.stderr
    assert "flush False" in done.stdout
    assert "7 events could not be written" in done.stderr


_WRITER = textwrap.dedent(
    """
    import sys
    from qobserve.events import JobEvent
    from qobserve.store import EventStore

    store = EventStore(sys.argv[1], flush_interval=0.05)
    n = 0
    while True:  # stopped by the parent's SIGKILL
        for _ in range(200):
            store.add_job(JobEvent(job_id=f"j{n}", outcome="success", finished_at=1.0))
            n += 1
        if store.flush(30):
            print(n, flush=True)
    """
)


def test_acknowledged_events_survive_sigkill(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    acked = 0
    for _ in range(3):
        before = _rows(path) if path.exists() else 0
        proc = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path)], stdout=subprocess.PIPE, text=True
        )
        assert proc.stdout is not None
        for _ in range(5):  # five acknowledged flushes, then a kill mid-write
            line = proc.stdout.readline()
            assert line, "the writer stopped"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        acked = before + int(line)
        assert _rows(path) >= acked
    assert _rows(path) >= acked > 0


def test_otlp_flush_is_false_when_spans_could_not_be_exported(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import socket

    from prometheus_client import CollectorRegistry

    from qobserve.config import Config
    from qobserve.telemetry import Telemetry

    with socket.socket() as s:  # a port nothing listens on: every export is refused
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "1")
    config = Config(tracing="otlp", otlp_endpoint=f"http://127.0.0.1:{port}", store_path=None)
    tel = Telemetry(config, registry=CollectorRegistry())
    try:
        assert tel.tracer is not None
        tel.tracer.start_span("lost").end()
        assert tel.flush(10) is False
        assert (tel.registry.get_sample_value(
            "qobserve_internal_errors_total", {"component": "otlp"}) or 0) >= 1  # fmt: skip
    finally:
        tel.shutdown()
