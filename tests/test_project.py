"""``qobserve init``: a starter project from the shipped catalog, never overwriting by accident."""

from __future__ import annotations

from pathlib import Path

import pytest

from qobserve.cli import main
from qobserve.generate import stale_files
from qobserve.instrument.pricing import load_price_model
from qobserve.project import starter_files
from qobserve.slo import DEFAULT_CATALOG_DIR, default_catalog, load
from tests.conftest import CATALOG


def test_init_writes_a_project_that_validates_and_is_up_to_date(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "p")]) == 0
    project = tmp_path / "p"
    for spec in CATALOG.glob("*.yaml"):  # the catalog, comments included
        assert (project / "slo" / spec.name).read_text() == spec.read_text()
    assert [s.name for s in load([project / "slo"])] == [s.name for s in load([CATALOG])]
    assert (
        load_price_model(project / "prices.yaml").cost("ibm_kyiv", qpu_seconds=10, shots=None) > 0
    )
    prometheus = (project / "exporters" / "prometheus.yml").read_text()
    assert "../alert_rules/*.rules.yml" in prometheus
    assert list((project / "alert_rules").glob("slo-*.rules.yml"))
    assert stale_files(project, starter_files()) == []
    assert "files written to" in capsys.readouterr().out


def test_init_refuses_to_overwrite_without_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path)]) == 0
    mine = tmp_path / "slo" / "jobs.yaml"
    mine.write_text("# my own edits\n")
    (tmp_path / "README.md").unlink()
    capsys.readouterr()

    assert main(["init", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qobserve init: error: ") and "--force" in err
    assert mine.read_text() == "# my own edits\n"
    assert not (tmp_path / "README.md").exists()  # nothing written, not even missing files

    assert main(["init", str(tmp_path), "--force"]) == 0
    assert mine.read_text() == (CATALOG / "jobs.yaml").read_text()
    assert (tmp_path / "README.md").is_file()


def test_commands_read_the_project_catalog_else_the_shipped_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Path(default_catalog()) == CATALOG
    (tmp_path / DEFAULT_CATALOG_DIR).mkdir()
    assert default_catalog() == DEFAULT_CATALOG_DIR
