"""qobserve demo: a real instrumented workload, a labelled synthetic week, every output."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qobserve.contract import ERROR_TYPES
from qobserve.generate import generated_files, stale_files
from qobserve.slo import load
from tests.conftest import CATALOG, require_binary, require_module

ROOT = Path(__file__).resolve().parents[2]


def demo(out: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "qobserve",
            "demo",
            "--out",
            str(out),
            "--slo-dir",
            str(CATALOG),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("demo")
    result = demo(out)
    assert result.returncode == 0, result.stdout + result.stderr
    return out, result.stdout


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_real_jobs_cover_every_error_type_of_a_job(demo_run: tuple[Path, str]) -> None:
    out, _ = demo_run
    real = "job_id NOT LIKE 'synthetic-%'"
    seen = {
        r[0]
        for r in rows(out / "events.db", f"SELECT DISTINCT error_type FROM job_events WHERE {real}")
    }
    # invalid_result is an experiment outcome (validate), not a job's: it is checked below
    assert seen == set(ERROR_TYPES) - {"invalid_result"}
    backends = {
        r[0]
        for r in rows(out / "events.db", f"SELECT DISTINCT backend FROM job_events WHERE {real}")
    }
    assert {"fake_manila", "fake_lima", "aer_simulator"} <= backends
    assert rows(
        out / "events.db", f"SELECT count(*) FROM job_events WHERE {real} AND duplicate = 1"
    ) == [(1,)]
    checks = rows(
        out / "events.db", f"SELECT count(*) FROM job_events WHERE {real} AND fidelity IS NOT NULL"
    )
    assert checks[0][0] >= 1  # simulator-vs-emulator comparisons were recorded
    runs = {r[0] for r in rows(out / "events.db", "SELECT DISTINCT outcome FROM experiment_runs")}
    assert runs == {"success", "error", "cancelled", "invalid"}


def test_synthetic_history_is_labelled_and_fills_the_report(demo_run: tuple[Path, str]) -> None:
    out, stdout = demo_run
    synthetic = rows(
        out / "events.db",
        "SELECT count(*), count(DISTINCT substr(run_id, 1, 10)) "
        "FROM job_events WHERE job_id LIKE 'synthetic-%'",
    )
    assert synthetic[0][0] > 5000 and synthetic[0][1] == 1  # every run id says synthetic too
    reports = sorted((out / "reports").iterdir())
    weekly = next(p for p in reports if p.suffix == ".json" and "-W" in p.name)
    data = json.loads(weekly.read_text())
    assert data["slos"] and any(s.get("events_count", 0) > 1000 for s in data["slos"])
    html = next(p for p in reports if p.suffix == ".html" and "-W" in p.name)
    assert "<svg" in html.read_text() and "http" not in html.read_text().split("<body")[0]
    # the summary names the report first
    first = stdout.split("Open first:")[1].strip().splitlines()[0]
    assert first.endswith(".html") and "weekly SLO report" in first


def test_real_jobs_come_from_several_providers(demo_run: tuple[Path, str]) -> None:
    """With the [all] extras, Braket, Cirq and PennyLane jobs join the Qiskit ones, and this
    week's report compares the providers."""
    for module, extra in (
        ("braket.devices", "braket"),
        ("cirq", "cirq"),
        ("pennylane", "pennylane"),
    ):
        require_module(module, extra)
    out, _ = demo_run
    real = "job_id NOT LIKE 'synthetic-%'"
    providers = dict(
        rows(out / "events.db", f"SELECT DISTINCT backend, provider FROM job_events WHERE {real}")
    )
    assert {k: providers.get(k) for k in ("fake_manila", "aer_simulator", "braket_sv",
                                          "cirq_simulator", "default.qubit")} == {
        "fake_manila": "fake", "aer_simulator": "aer", "braket_sv": "braket",
        "cirq_simulator": "cirq", "default.qubit": "pennylane",
    }  # fmt: skip
    current = next(
        p for p in (out / "reports").iterdir() if p.suffix == ".json" and "-W" not in p.name
    )
    table = json.loads(current.read_text())["operations"]["providers"]
    assert table["columns"][:4] == ["provider", "jobs", "success", "success ratio"]
    listed = {row[0] for row in table["rows"]}
    assert {"fake", "aer", "braket", "cirq", "pennylane"} <= listed


def test_generated_outputs_equal_a_fresh_generation(demo_run: tuple[Path, str]) -> None:
    out, stdout = demo_run
    assert not stale_files(out, generated_files(load([CATALOG])))
    for folder in ("alert_rules", "dashboards", "exporters"):
        assert str(out / folder) in stdout


def test_bad_catalog_is_exit_2_before_any_work(tmp_path: Path) -> None:
    bad = tmp_path / "slo"
    bad.mkdir()
    (bad / "broken.yaml").write_text("version: qobserve/v1\nslos: [{name: x, objective: 3")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "qobserve",
            "demo",
            "--out",
            str(tmp_path / "out"),
            "--slo-dir",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2 and "broken.yaml" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_live_demo_pages_through_real_prometheus_and_alertmanager(tmp_path: Path) -> None:
    for kind in ("prometheus", "alertmanager", "pushgateway"):
        require_binary(kind)
    result = demo(tmp_path, "--live", "--timeout", "180")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    alerts = json.loads((tmp_path / "alerts-received.json").read_text())
    pages = [a for a in alerts if a["labels"].get("severity") == "page"]
    assert pages and all(a["route"] == "/page" for a in pages)
    slos = {a["labels"]["slo"] for a in pages if "slo" in a["labels"]}
    assert "job-success-qpu" in slos  # the outage hit fake_manila, an emulator
    line = next(x for x in result.stdout.splitlines() if "dashboards:" in x)
    assert line.rstrip().endswith(" 0 errors")
    with_data = int(line.split(",")[1].split()[0])
    assert with_data > 0
