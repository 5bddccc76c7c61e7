"""``qobserve report`` end to end: options, output files, exit 2 with file and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qobserve.cli import main
from qobserve.cli import report as cli_report
from qobserve.slo import load
from tests.conftest import CATALOG as SHIPPED

from .helpers import freshness_slo, latency_slo, success_slo, write_csv, write_parquet, write_store
from .test_sli import JOBS

SLOS = [success_slo(selectors={"backend_type": "qpu|emulator"}), latency_slo(), freshness_slo()]


CATALOG = """\
version: qobserve/v1
service: quantum-jobs
slos:
  - name: qpu-success
    objective: 90
    period: 14d
    sli: {kind: job_success, selectors: {backend_type: qpu|emulator}}
  - name: latency
    objective: 75
    period: 7d
    sli: {kind: latency, threshold: 600s}
  - name: calibration-fresh
    objective: 99
    period: 28d
    sli: {kind: freshness, max_age: 24h}
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """An SLO folder with the SLOs of ``SLOS``, read by the real loader."""
    folder = tmp_path / "slo"
    folder.mkdir()
    (folder / "catalog.yaml").write_text(CATALOG)
    return folder


def test_catalog_fixture_is_the_slos_the_figures_were_computed_for(catalog: Path) -> None:
    loaded = {s.name: s for s in cli_report.load_slos(str(catalog))}
    for expected in SLOS:
        got = loaded[expected.name]
        assert (got.objective, got.period, got.sli.kind) == (
            expected.objective,
            expected.period,
            expected.sli.kind,
        )
        if expected.sli.kind != "freshness":
            assert got.sli.params["selectors"] == expected.sli.params.get("selectors", {})
            assert got.sli.params.get("threshold_seconds") == expected.sli.params.get(
                "threshold_seconds"
            )


def test_report_from_an_events_file(
    tmp_path: Path, catalog: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = write_parquet(JOBS, tmp_path / "jobs.parquet")
    out = tmp_path / "reports"
    code = main(
        [
            "report",
            "--week",
            "2026-W46",
            "--source",
            "events",
            str(events),
            "--slo-dir",
            str(catalog),
            "--format",
            "json,md",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out.split()
    assert printed == [str(out / "slo-report-2026-W46.json"), str(out / "slo-report-2026-W46.md")]
    doc = json.loads((out / "slo-report-2026-W46.json").read_text())
    status = {s["name"]: s["status"] for s in doc["slos"]}
    assert status == {
        "qpu-success": "breached",
        "latency": "at risk",
        "calibration-fresh": "unavailable",
    }
    assert doc["source"] == f"events file {events}"


def test_report_from_the_store_for_one_slo_in_a_time_zone(tmp_path: Path, catalog: Path) -> None:
    store = write_store(JOBS, tmp_path / ".qobserve" / "events.db")
    code = main(
        [
            "report",
            "--from",
            "2026-11-09",
            "--to",
            "2026-11-16",
            "--tz",
            "Europe/Zurich",
            "--store",
            str(store),
            "--slo-dir",
            str(catalog),
            "--slo",
            "latency",
            "--format",
            "json",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    doc = json.loads((tmp_path / "slo-report-2026-11-09..2026-11-16.json").read_text())
    assert [s["name"] for s in doc["slos"]] == ["latency"]
    assert doc["window"]["start"] == "2026-11-08T23:00:00+00:00"


def test_default_is_last_full_week_from_the_store_in_every_format(
    tmp_path: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write_store([], tmp_path / ".qobserve" / "events.db")
    assert main(["report", "--slo-dir", str(catalog)]) == 0
    names = sorted(p.suffix for p in (tmp_path / "reports").iterdir())
    assert names == [".csv", ".csv", ".html", ".json", ".md"]


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--source", "events", "{tmp}/missing.csv"], "{tmp}/missing.csv: no such file"),
        (["--source", "events", "{tmp}/bad.csv"], "{tmp}/bad.csv: shots: missing column"),
        (["--slo", "nope"], "{slo}: --slo: unknown SLO 'nope'"),
        (["--week", "2026-W99"], "--week: '2026-W99'"),
        (["--format", "docx"], "--format: unknown format 'docx'"),
        (["--source", "ftp", "x"], "--source: expected"),
        (["--from", "2026-11-01"], "--from: --from and --to go together"),
        (["--tz", "Nowhere/City"], "--tz: unknown time zone"),
    ],
)
def test_bad_input_exits_2_naming_file_and_field(
    argv: list[str],
    expected: str,
    tmp_path: Path,
    catalog: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_csv(JOBS, tmp_path / "bad.csv", [c for c in JOBS[0] if c != "shots"])
    write_store(JOBS, tmp_path / "s.db")
    argv = [a.format(tmp=tmp_path) for a in argv]
    code = main(
        [
            "report",
            "--store",
            str(tmp_path / "s.db"),
            "--slo-dir",
            str(catalog),
            "--out",
            str(tmp_path / "out"),
            *argv,
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("qobserve report: error: ")
    assert expected.format(tmp=tmp_path, slo=catalog) in err
    assert "Traceback" not in err


def test_default_catalog_through_the_real_loader(tmp_path: Path) -> None:
    """Every SLO of ``slo/`` gets a row: event kinds with figures, the rest marked."""
    store = write_store(JOBS, tmp_path / "events.db")
    assert (
        main(
            [
                "report",
                "--week",
                "2026-W46",
                "--store",
                str(store),
                "--slo-dir",
                str(SHIPPED),
                "--format",
                "json",
                "--out",
                str(tmp_path),
            ]
        )
        == 0
    )
    doc = json.loads((tmp_path / "slo-report-2026-W46.json").read_text())
    loaded = load([str(SHIPPED)])
    assert [s["name"] for s in doc["slos"]] == [s.name for s in loaded]
    for s, spec in zip(doc["slos"], loaded, strict=True):
        assert s["available"] == (
            spec.sli.kind in ("job_success", "latency", "queue_wait", "duplicates", "divergence")
        )


def test_default_store_follows_qobserve_store(
    tmp_path: Path, catalog: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report reads where instrumentation writes (``QOBSERVE_STORE``)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("QOBSERVE_STORE", str(tmp_path / "runs" / "events.db"))
    write_store(JOBS, tmp_path / "runs" / "events.db")
    argv = ["report", "--week", "2026-W46", "--slo-dir", str(catalog), "--format", "json"]
    assert main(argv) == 0
    doc = json.loads((tmp_path / "reports" / "slo-report-2026-W46.json").read_text())
    by_name = {s["name"]: s for s in doc["slos"]}
    assert by_name["qpu-success"]["events_count"] == 8  # test_sli's W46 figures


def test_cli_reads_several_events_files(tmp_path: Path, catalog: Path) -> None:
    jobs = [{**j, "job_id": f"job-{k}"} for k, j in enumerate(JOBS)]
    a, b = write_csv(jobs[:8], tmp_path / "a.csv"), write_parquet(jobs[4:], tmp_path / "b.pq")
    out = tmp_path / "out"
    args = ["report", "--week", "2026-W46", "--slo-dir", str(catalog), "--format", "json"]
    assert main([*args, "--source", "events", str(a), str(b), "--out", str(out)]) == 0
    doc = (out / "slo-report-2026-W46.json").read_text()
    assert "counted once (by job id)" in doc
