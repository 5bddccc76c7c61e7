"""qobserve events export."""

from __future__ import annotations

import csv
import subprocess
import sys
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
