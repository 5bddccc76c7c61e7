"""The VQE example runs offline on a fake backend and leaves the telemetry it promises."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path


def test_vqe_example(repo_root: Path, tmp_path: Path) -> None:
    store = tmp_path / "events.db"
    out = subprocess.run(
        [sys.executable, str(repo_root / "examples" / "vqe_h2.py"), "--iterations", "6",
         "--store", str(store)],
        capture_output=True, text=True, timeout=120, check=True, cwd=tmp_path,
    )  # fmt: skip
    assert "VQE energy" in out.stdout and "Warning" not in out.stderr
    with sqlite3.connect(store) as db:
        jobs = db.execute(
            "SELECT experiment, backend_type, outcome, count(*) FROM job_events "
            "GROUP BY experiment, backend_type, outcome ORDER BY experiment, backend_type"
        ).fetchall()
        runs = db.execute("SELECT experiment, outcome FROM experiment_runs ORDER BY rowid")
        runs = runs.fetchall()
    # COBYLA evaluates the energy once per iteration: one Estimator job each
    assert jobs == [
        ("vqe-h2", "emulator", "success", 6),
        ("vqe-h2-check", "emulator", "success", 1),
        ("vqe-h2-check", "simulator", "success", 1),
    ]
    assert [experiment for experiment, _ in runs] == ["vqe-h2", "vqe-h2-check"]
    assert 'quantum_jobs_total{backend="fake_manila"' in out.stdout
