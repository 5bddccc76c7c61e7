"""The PostgreSQL event store on a real server: many writer processes, durability, schema."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psycopg
import pytest

from qobserve.events import ExperimentRun, JobEvent, iso
from qobserve.store import EventStore
from qobserve.store.schema import SCHEMA_VERSION, SchemaTooNew

pytestmark = pytest.mark.servers

# A runner configured through the environment, as a fleet's would be: N jobs, flush, then
# wait for the kill with events queued after the flush.
RUNNER = textwrap.dedent("""
    import sys, time
    import qobserve
    from qobserve.events import JobEvent
    n, tag = int(sys.argv[1]), sys.argv[2]
    store = qobserve.configure(tracing="none", flush_interval=3600).store
    for i in range(n):
        store.add_job(JobEvent(job_id=f"{tag}-{i}", backend="fake_manila",
                                      backend_type="simulator", outcome="success",
                                      finished_at=time.time(), duration_seconds=0.5))
    assert store.flush(120)
    print("flushed", flush=True)
    for i in range(n, n + 500):
        store.add_job(JobEvent(job_id=f"{tag}-late-{i}", backend="fake_manila"))
    time.sleep(120)
""")


def rows(url: str, sql: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(sql).fetchall()


def test_four_processes_then_sigkill_after_flush_keep_every_event_once(
    postgresql_url: str,
) -> None:
    env = {**os.environ, "QOBSERVE_STORE_URL": postgresql_url}
    runners = [
        subprocess.Popen(
            [sys.executable, "-c", RUNNER, "10000", f"r{i}"],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for i in range(4)
    ]
    try:
        for runner in runners:
            assert runner.stdout is not None
            assert runner.stdout.readline().strip() == "flushed"
    finally:
        for runner in runners:
            os.kill(runner.pid, signal.SIGKILL)
            runner.wait(10)
    flushed = "job_id NOT LIKE '%-late-%'"
    [(total, distinct)] = rows(
        postgresql_url, f"SELECT count(*), count(DISTINCT job_id) FROM job_events WHERE {flushed}"
    )
    assert (total, distinct) == (40_000, 40_000)
    per_runner = rows(
        postgresql_url,
        f"SELECT split_part(job_id, '-', 1), count(*) FROM job_events WHERE {flushed} GROUP BY 1",
    )
    assert sorted(per_runner) == [(f"r{i}", 10_000) for i in range(4)]


def test_round_trip_matches_the_sqlite_store(postgresql_url: str, tmp_path: Path) -> None:
    event = JobEvent(
        job_id="j1", experiment="vqe", backend="ibm_kyiv", backend_type="qpu", outcome="error",
        error_type="timeout", submitted_at=1_764_000_000.25, finished_at=1_764_000_100.5,
        duration_seconds=100.25, shots=4000, qpu_seconds=1.5, cost_usd=2.4, duplicate=True,
    )  # fmt: skip
    run = ExperimentRun("r1", "vqe", "success", "none", 1_764_000_000.0, 1_764_000_001.0, 1.0)
    read = []
    for location in (postgresql_url, str(tmp_path / "events.db")):
        store = EventStore(location)
        store.add_job(event)
        store.add_run(run)
        store.set_fidelity("j1", 0.97)
        assert store.flush(30)
        read.append(
            (
                store.query("SELECT * FROM job_events WHERE job_id = ?", ("j1",)),
                store.query("SELECT * FROM experiment_runs"),
            )
        )
        store.close()
    assert read[0] == read[1]
    assert read[0][0][0][10] == iso(1_764_000_100.5) == "2025-11-24T16:01:40.500Z"


def test_schema_is_shared_versioned_and_a_newer_store_is_refused(postgresql_url: str) -> None:
    EventStore(postgresql_url).close()
    assert rows(postgresql_url, "SELECT version FROM qobserve_schema") == [(SCHEMA_VERSION,)]
    types = dict(
        rows(
            postgresql_url,
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'job_events'",
        )
    )
    assert types["cost_usd"] == "double precision" and types["shots"] == "bigint"
    assert types["finished_at"] == "text"
    with psycopg.connect(postgresql_url, autocommit=True) as conn:
        conn.execute("UPDATE qobserve_schema SET version = %s", (SCHEMA_VERSION + 1,))
    with pytest.raises(SchemaTooNew):
        EventStore(postgresql_url)


def test_export_and_report_read_postgresql_as_they_read_sqlite(
    postgresql_url: str, tmp_path: Path
) -> None:
    from qobserve.report import build_report
    from qobserve.report.render_markdown import render_markdown
    from tests.report.test_sli import WEEK
    from tests.report.test_sources import SLOS

    start = WEEK.start.timestamp()
    jobs = [
        JobEvent(job_id=f"j{i}", backend="ibm_a", backend_type="qpu",
                 outcome="success" if i % 4 else "error", error_type="none" if i % 4 else "timeout",
                 finished_at=start + 3600 * i, duration_seconds=10.0 * i)
        for i in range(60)
    ]  # fmt: skip
    outputs = []
    for location in (postgresql_url, str(tmp_path / "events.db")):
        store = EventStore(location)
        for j in jobs:
            store.add_job(j)
        assert store.flush(30)
        store.close()
        export = subprocess.run(
            [sys.executable, "-m", "qobserve", "events", "export", "--store", location],
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        # one generation time for both: the header names the minute the report was made
        made = build_report(SLOS, WEEK, source="store", path=location, now=WEEK.end)
        report = render_markdown(made)
        outputs.append((export.stdout, report.replace(location, "STORE")))
    assert outputs[0] == outputs[1]
    assert len(outputs[0][0].splitlines()) == 61


def test_a_wrong_url_is_a_clear_error_without_the_password(postgresql_server: object) -> None:
    from qobserve.servers import free_port

    url = f"postgresql://qobserve:s3cret-pw@127.0.0.1:{free_port()}/postgres"
    result = subprocess.run(
        [sys.executable, "-m", "qobserve", "events", "export", "--store", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert "cannot connect to the event store" in result.stderr
    assert "s3cret-pw" not in result.stderr and "Traceback" not in result.stderr
