"""qobserve events export."""

from __future__ import annotations

import csv
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq

from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.events import JobEvent
from qobserve.store import EventStore


def qobserve_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qobserve", *args], capture_output=True, text=True, timeout=60
    )


def make_store(path: Path) -> None:
    store = EventStore(path)
    for i, day in enumerate((16, 17, 18)):
        t = 1_763_251_200 + (day - 16) * 86400  # 2025-11-16T00:00:00Z + days
        store.add_job(
            JobEvent(
                job_id=f"j{i}",
                backend="fake_manila",
                backend_type="emulator",
                outcome="success",
                submitted_at=t,
                finished_at=t + 5,
                duration_seconds=5.0,
                shots=100 * (i + 1),
            )
        )
    store.close()


def test_export_csv_and_parquet_with_contract_columns(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    make_store(db)
    result = qobserve_cli("events", "export", "--store", str(db), "--since", "2025-11-17T00:00:00Z")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(result.stdout.splitlines()))
    assert tuple(rows[0]) == JOB_EVENT_COLUMNS
    assert [(r["job_id"], r["shots"]) for r in rows] == [("j1", "200"), ("j2", "300")]

    out = tmp_path / "e.parquet"
    result = qobserve_cli(
        "events", "export", "--store", str(db), "--format", "parquet", "-o", str(out)
    )
    assert result.returncode == 0, result.stderr
    table = pq.read_table(out)
    assert table.column_names == list(JOB_EVENT_COLUMNS)
    assert table.column("shots").to_pylist() == [100, 200, 300]
    assert str(table.schema.field("duration_seconds").type) == "double"


def test_bad_store_is_exit_2_with_the_path_and_no_traceback(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("this is not sqlite")
    for store in (tmp_path / "missing.db", junk):
        result = qobserve_cli("events", "export", "--store", str(store))
        assert result.returncode == 2
        assert str(store) in result.stderr and "Traceback" not in result.stderr


def exported_ids(result: subprocess.CompletedProcess[str]) -> list[str]:
    assert result.returncode == 0, result.stderr
    return [r["job_id"] for r in csv.DictReader(result.stdout.splitlines())]


def test_since_and_until_are_instants_not_text(tmp_path: Path) -> None:
    # events finish at 2025-11-16/17/18 00:00:05Z
    db = tmp_path / "e.db"
    make_store(db)
    export = ("events", "export", "--store", str(db))
    # 01:00:05+01:00 is 00:00:05Z on the 17th: inclusive, so j1 is in
    assert exported_ids(qobserve_cli(*export, "--since", "2025-11-17T01:00:05+01:00")) == [
        "j1",
        "j2",
    ]
    # 23:30-01:00 on the 17th is 00:30Z on the 18th: j2 (00:00:05Z) is before it
    assert exported_ids(qobserve_cli(*export, "--until", "2025-11-17T23:30-01:00")) == [
        "j0",
        "j1",
        "j2",
    ]
    # until is exclusive; a naive date-time is UTC; a date is midnight UTC
    assert exported_ids(qobserve_cli(*export, "--until", "2025-11-17T00:00:05")) == ["j0"]
    assert exported_ids(
        qobserve_cli(*export, "--since", "2025-11-17", "--until", "2025-11-18")
    ) == ["j1"]


def test_since_a_time_ago(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    make_store(db)
    store = EventStore(db)
    now = time.time()
    store.add_job(JobEvent(job_id="recent", outcome="success", submitted_at=now - 3605,
                           finished_at=now - 3600))  # fmt: skip
    store.close()
    export = ("events", "export", "--store", str(db))
    assert exported_ids(qobserve_cli(*export, "--since", "2d")) == ["recent"]
    assert exported_ids(qobserve_cli(*export, "--since", "1h30m")) == ["recent"]
    assert exported_ids(qobserve_cli(*export, "--until", "30m", "--since", "2w")) == ["recent"]
    assert exported_ids(qobserve_cli(*export, "--since", "30m")) == []


def test_garbage_times_are_exit_2_naming_the_option(tmp_path: Path) -> None:
    db = tmp_path / "e.db"
    make_store(db)
    for option, value in (("--since", "garbage"), ("--until", "2025-13-01"), ("--since", "7x")):
        result = qobserve_cli("events", "export", "--store", str(db), option, value)
        assert result.returncode == 2, (option, value, result.stdout)
        assert option in result.stderr and value in result.stderr
        assert result.stdout == "" and "Traceback" not in result.stderr


def test_a_folder_as_store_fails_before_the_csv_header(tmp_path: Path) -> None:
    result = qobserve_cli("events", "export", "--store", str(tmp_path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert str(tmp_path) in result.stderr and "Traceback" not in result.stderr
    out = tmp_path / "out.csv"
    result = qobserve_cli("events", "export", "--store", str(tmp_path), "-o", str(out))
    assert result.returncode == 2 and not out.exists()
