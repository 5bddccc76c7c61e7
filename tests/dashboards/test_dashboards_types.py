"""Every generated dashboard, and every panel's ``options`` and ``fieldConfig``, type-checked
against Grafana's own published TypeScript types (``@grafana/schema``, pinned with
``typescript`` in ``tools/grafana-types``): an option Grafana does not know, or a value of the
wrong type, fails here. ``.ci/run`` installs node/npm and the pinned packages (``npm ci``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from qobserve.dashboards import dashboard_files
from qobserve.dashboards.check import iter_panels
from qobserve.slo.model import SLO
from tests.conftest import ROOT

TOOLS = ROOT / "tools" / "grafana-types"
#: panel type -> the type in tools/grafana-types/panels.ts that checks it
PANEL_TYPES = {"timeseries": "TimeSeriesPanel", "stat": "StatPanel", "table": "TablePanel",
               "state-timeline": "StateTimelinePanel", "text": "TextPanel",
               "row": "RowPanel"}  # fmt: skip


def typescript(board: dict[str, object]) -> str:
    """A TypeScript module assigning the dashboard and each of its panels to Grafana's type."""
    lines = ['import type * as P from "../panels";']
    panels = list(iter_panels(board))  # type: ignore[arg-type]
    shell = {**board, "panels": []}
    lines.append(f"export const dashboard: P.Dashboard = {json.dumps(shell)};")
    for panel in panels:
        kind = PANEL_TYPES[panel["type"]]
        body = {**panel, "panels": []} if panel["type"] == "row" else panel
        lines.append(f"// {panel['title']}")
        lines.append(f"export const panel_{panel['id']}: P.{kind} = {json.dumps(body)};")
    return "\n".join(lines) + "\n"


def _compiler(tmp: Path) -> list[str]:
    """The pinned tsc, set up in ``tmp``; skips outside CI when node or the packages are
    missing, fails in CI (as ``require_binary`` does for servers)."""
    modules = TOOLS / "node_modules"
    missing = [] if shutil.which("node") else ["node (apt-get install nodejs npm)"]
    if not (modules / "typescript").is_dir() or not (modules / "@grafana" / "schema").is_dir():
        missing.append(f"the pinned npm packages (npm ci --prefix {TOOLS})")
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"{' and '.join(missing)} missing; .ci/run installs them")
        pytest.skip(f"{' and '.join(missing)} not installed")
    for name in ("panels.ts", "tsconfig.json"):
        shutil.copy(TOOLS / name, tmp / name)
    (tmp / "node_modules").symlink_to(modules)
    return ["node", str(modules / "typescript" / "bin" / "tsc"), "-p", str(tmp)]


def test_dashboards_type_check_against_grafanas_types(
    slos: list[SLO], tmp_path_factory: pytest.TempPathFactory
):
    tmp = tmp_path_factory.mktemp("grafana-types")
    tsc = _compiler(tmp)
    (tmp / "generated").mkdir()
    for name, text in dashboard_files(slos).items():
        (tmp / "generated" / name.replace(".json", ".ts")).write_text(typescript(json.loads(text)))
    done = subprocess.run(tsc, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]


def test_an_unknown_option_or_a_wrong_value_type_fails(tmp_path: Path):
    tsc = _compiler(tmp_path)
    (tmp_path / "generated").mkdir()
    stat = {"type": "stat", "id": 1, "title": "x", "fieldConfig": {"defaults": {}, "overrides": []},
            "options": {"colorMode": "value", "graphMode": "none", "justifyMode": "auto",
                        "percentChangeColorMode": "standard", "showPercentChange": False,
                        "textMode": "auto", "wideLayout": True, "orientation": "auto",
                        "reduceOptions": {"calcs": ["lastNotNull"]}}}  # fmt: skip
    cases = {
        "ok": stat,
        "unknown": {**stat, "options": {**stat["options"], "colourMode": "value"}},
        "wrong": {**stat, "fieldConfig": {"defaults": {"decimals": "2"}, "overrides": []}},
    }
    for name, panel in cases.items():
        body = (f'import type * as P from "../panels";\n'
                f"export const p: P.StatPanel = {json.dumps(panel)};\n")  # fmt: skip
        (tmp_path / "generated" / f"{name}.ts").write_text(body)
    out = subprocess.run(tsc, capture_output=True, text=True, timeout=300).stdout
    assert "generated/ok.ts" not in out
    assert "generated/unknown.ts" in out and "colourMode" in out
    assert "generated/wrong.ts" in out and "not assignable to type 'number'" in out
