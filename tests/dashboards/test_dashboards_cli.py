"""``qobserve dashboards``: write, check and query-check the dashboards of a catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from qobserve.cli import main
from qobserve.dashboards import dashboard_files
from qobserve.servers import free_port
from qobserve.slo import load
from tests.conftest import CATALOG, ROOT

CATALOG = CATALOG


def test_writes_the_dashboards_of_the_catalog(tmp_path: Path, capsys: pytest.CaptureFixture):
    out = tmp_path / "boards"
    assert main(["dashboards", "--slo-dir", str(CATALOG), "--out", str(out)]) == 0
    expected = dashboard_files(load([CATALOG]))
    assert {p.name: p.read_text() for p in out.iterdir()} == expected
    assert capsys.readouterr().out.split() == [str(out / name) for name in expected]


def test_check_passes_on_fresh_files_and_fails_on_stale_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture
):
    args = ["dashboards", "--slo-dir", str(CATALOG), "--out", str(tmp_path)]
    assert main([*args, "--check"]) == 1  # nothing written yet
    assert main(args) == 0
    assert main([*args, "--check"]) == 0
    stale = tmp_path / "qobserve-oncall.json"
    stale.write_text(stale.read_text().replace('"refresh": "1m"', '"refresh": "5m"'))
    capsys.readouterr()
    assert main([*args, "--check"]) == 1
    err = capsys.readouterr().err
    assert f"{stale}: differs from a fresh generation" in err
    assert "qobserve-debug.json" not in err


def test_checked_in_dashboards_match_a_fresh_generation():
    # `qobserve generate` rewrites dashboards/ byte for byte; a stale copy fails here
    out = ROOT / "dashboards"
    assert main(["dashboards", "--slo-dir", str(CATALOG), "--out", str(out), "--check"]) == 0


def test_a_bad_catalog_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture):
    bad = tmp_path / "slo.yaml"
    bad.write_text("version: qobserve/v1\nservice: s\nslos:\n  - name: x\n    objective: 200\n")
    assert main(["dashboards", "--slo-dir", str(tmp_path), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qobserve dashboards: error: ") and str(bad) in err
    assert "Traceback" not in err and not (tmp_path / "o").exists()


def test_an_unwritable_output_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert main(["dashboards", "--slo-dir", str(CATALOG), "--out", str(blocker / "x")]) == 2
    err = capsys.readouterr().err
    assert f"{blocker / 'x'}/" in err and ": cannot write: Not a directory" in err


def test_query_check_needs_a_reachable_prometheus(tmp_path: Path, capsys: pytest.CaptureFixture):
    url = f"http://127.0.0.1:{free_port()}"
    args = ["dashboards", "--slo-dir", str(CATALOG), "--out", str(tmp_path)]
    assert main([*args, "--prometheus", url]) == 1
    assert f"{url} is not a ready Prometheus" in capsys.readouterr().err
