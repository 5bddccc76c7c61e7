"""examples/notebook_tour.ipynb runs top to bottom in a real kernel and shows what it says."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT
from tests.notebook.test_kernel import cells_of

TOUR = ROOT / "examples" / "notebook_tour.ipynb"


def html_of(cell: nbformat.NotebookNode) -> str:
    return "".join(o["data"]["text/html"] for o in cell.outputs if "text/html" in o.get("data", {}))


def test_notebook_tour_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QOBSERVE_STORE", str(tmp_path / "events.db"))  # the kernel inherits it
    nb = nbformat.read(TOUR, as_version=4)
    NotebookClient(
        nb, timeout=180, kernel_name="python3", resources={"metadata": {"path": str(TOUR.parent)}}
    ).execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert not [o for c in code for o in c.outputs if o.get("output_type") == "error"]
    run, live, frame, _, report, slo, cap = (html_of(c) for c in code[1:])
    assert "experiment bell-state-run" in run
    # the nested bell_state() call is a run of its own: the outer run has its one direct job
    assert cells_of(run)[1:] == [["fake_manila", "success", "1", "$0.00"]]
    assert "3 jobs in this cell" in live
    assert [r[2] for r in cells_of(live)[1:]] == ["success"] * 3
    assert "<table" in frame
    assert report.startswith('<iframe class="qobserve-report"')
    assert "backend-availability: unavailable · objective 95.00%" in slo  # needs Prometheus
    assert "1 experiment runs, 1 jobs" in cap
