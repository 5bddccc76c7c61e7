"""The generated dashboards: valid, deterministic, and what an on-call SRE expects to find."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import promql_parser
import pytest

from qobserve import contract as C
from qobserve.dashboards import build_dashboards, dashboard_files
from qobserve.dashboards.check import Context, interpolate, iter_panels
from qobserve.dashboards.exprs import burn_thresholds
from qobserve.dashboards.queries import iter_queries
from qobserve.dashboards.slo_rows import runbook_url
from qobserve.slo import model as M
from qobserve.slo.model import SLO
from tests.conftest import ROOT

UIDS = ("qobserve-executive", "qobserve-oncall", "qobserve-debug")
PACKAGE = ROOT / "qobserve" / "dashboards"


@pytest.fixture(scope="module")
def boards(slos: list[SLO]) -> dict[str, dict[str, Any]]:
    """uid -> dashboard JSON."""
    files = dashboard_files(slos)
    assert sorted(files) == sorted(f"{u}.json" for u in UIDS)
    return {json.loads(t)["uid"]: json.loads(t) for t in files.values()}


def targets(board: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for panel in iter_panels(board):
        for target in panel.get("targets", []):
            yield panel, target


def rows(board: dict[str, Any]) -> list[str]:
    return [p["title"] for p in board["panels"] if p["type"] == "row"]


def panels_under(board: dict[str, Any], row_title: str) -> list[dict[str, Any]]:
    out, inside = [], False
    for p in board["panels"]:
        if p["type"] == "row":
            inside = p["title"] == row_title
        elif inside:
            out.append(p)
    return out


def test_every_dashboard_validates_against_the_strict_schema(
    boards: dict[str, Any], validate: Callable[[Any], list[str]]
):
    for uid, board in boards.items():
        assert validate(board) == [], uid


def test_output_is_deterministic(slos: list[SLO]):
    first = dashboard_files(slos)
    assert first == dashboard_files(slos)
    for text in first.values():
        assert not re.search(r"20\d\d-\d\d-\d\dT", text)  # no timestamps
        assert (
            text
            == json.dumps(json.loads(text), sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        )


def test_panels_use_the_datasource_variable(boards: dict[str, Any]):
    ref = {"type": "prometheus", "uid": "${datasource}"}
    for board in boards.values():
        variables = {v["name"]: v for v in board["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource"
        assert variables["datasource"]["query"] == "prometheus"
        for name in ("backend", "experiment"):
            var = variables[name]
            assert var["type"] == "query" and var["datasource"] == ref
            assert var["query"].startswith("label_values(") and var["multi"]
        for panel, target in targets(board):
            assert panel["datasource"] == ref and target["datasource"] == ref


def test_alert_links_can_filter_by_slo(boards: dict[str, Any]):
    # the rules' dashboard_url annotation opens the on-call dashboard with ?var-slo=<name>
    for uid in ("qobserve-executive", "qobserve-oncall"):
        slo = next(v for v in boards[uid]["templating"]["list"] if v["name"] == "slo")
        assert slo["query"] == f'label_values({{__name__=~"{M.INFO_RECORD}"}}, slo)'
    filtered = [t["expr"] for _, t in targets(boards["qobserve-oncall"])
                if '$slo' in t["expr"]]  # fmt: skip
    assert any("ALERTS" in e for e in filtered) and any("burn" in e for e in filtered)


def test_panel_ids_are_unique_and_the_grid_has_no_overlap(boards: dict[str, Any]):
    for uid, board in boards.items():
        ids = [p["id"] for p in iter_panels(board)]
        assert len(ids) == len(set(ids)), uid
        cells: set[tuple[int, int]] = set()
        for p in board["panels"]:
            g = p["gridPos"]
            assert g["x"] + g["w"] <= 24
            mine = {
                (x, y)
                for x in range(g["x"], g["x"] + g["w"])
                for y in range(g["y"], g["y"] + g["h"])
            }
            assert not cells & mine, f"{uid}: panel {p['title']!r} overlaps"
            cells |= mine


def test_links_lead_exec_to_oncall_to_debug_keeping_variables(boards: dict[str, Any]):
    for uid, board in boards.items():
        urls = {link["url"] for link in board["links"]}
        assert urls == {f"/d/{u}" for u in UIDS if u != uid}
        assert all(link["includeVars"] and link["keepTime"] for link in board["links"])


def test_one_row_per_slo_in_catalog_order(boards: dict[str, Any], slos: list[SLO]):
    for uid in ("qobserve-executive", "qobserve-oncall"):
        slo_rows = [t for t in rows(boards[uid]) if t.startswith("SLO ")]
        assert [t.split()[1].rstrip(":") for t in slo_rows] == [s.name for s in slos]


def test_sli_thresholds_come_from_the_objectives(boards: dict[str, Any], slos: list[SLO]):
    board = boards["qobserve-executive"]
    for slo, row in zip(slos, [r for r in rows(board) if r.startswith("SLO ")], strict=True):
        sli = next(p for p in panels_under(board, row) if p["title"].startswith("SLI"))
        assert sli["title"] == f"SLI ({slo.period_str})"
        steps = sli["fieldConfig"]["defaults"]["thresholds"]["steps"]
        assert steps == [
            {"color": "red", "value": None},
            {"color": "green", "value": slo.objective},
        ]
        assert f'slo="{slo.name}"' in sli["targets"][0]["expr"]
        assert M.sli_error_record(slo.period_str) in sli["targets"][0]["expr"]


def test_burn_panels_draw_page_and_ticket_factors_scaled_to_the_period(
    boards: dict[str, Any], slos: list[SLO]
):
    board = boards["qobserve-oncall"]
    for slo, row in zip(slos, [r for r in rows(board) if r.startswith("SLO ")], strict=True):
        burn = next(p for p in panels_under(board, row) if p["title"] == "Burn rate by window")
        defaults = burn["fieldConfig"]["defaults"]
        values = [s["value"] for s in defaults["thresholds"]["steps"][1:]]
        factors = sorted(f for _, _, f in burn_thresholds(slo))
        # every factor the SLO can reach: a 90% objective burns at most 10x, never 14.4x
        assert values == pytest.approx([f for f in factors if f < 1 / slo.error_budget])
        assert defaults["custom"]["thresholdsStyle"] == {"mode": "line"}
        if slo.period_str == "30d" and slo.objective > 0.94:
            assert values == pytest.approx([1, 3, 6, 14.4])
        if slo.period_str == "30d" and slo.objective == 0.9:
            assert values == pytest.approx([1, 3, 6])
        if slo.period_str == "28d" and slo.objective >= 0.95:  # same fractions, never below 1x
            assert values == pytest.approx([1, 2.8, 5.6, 13.44])
        windows = [t["legendFormat"].split()[0] for t in burn["targets"]]
        assert windows == ["5m", "1h", "6h", "1d", "3d"]  # the alerts' long windows, and 5m
        for t in burn["targets"]:
            assert all(f"{{{{{label}}}}}" in t["legendFormat"] for label in slo.group_by)
        if slo.runbook_url:
            assert slo.runbook_url in {link["url"] for link in burn["links"]}


def test_units_are_consistent(boards: dict[str, Any]):
    for board in boards.values():
        for panel in iter_panels(board):
            if panel["type"] == "row" or panel["type"] == "text":
                continue
            unit = panel["fieldConfig"]["defaults"].get("unit", "")
            exprs = " ".join(t["expr"] for t in panel["targets"])
            if C.COST_USD_TOTAL.name in exprs:
                assert unit == "currencyUSD", panel["title"]
            elif "histogram_quantile" in exprs and "_seconds_bucket" in exprs:
                assert unit == "s", panel["title"]
            elif panel["title"].startswith(
                ("SLI", "Error budget", "Budget", "Quota used", "Job success rate", "Divergence")
            ):
                assert unit == "percentunit", panel["title"]
            elif panel["title"].startswith(("Burn rate", "Current burn")):
                assert unit == "suffix:x", panel["title"]
            assert unit, panel["title"]


def test_latency_panels_show_exemplars_and_link_to_traces(boards: dict[str, Any]):
    board = boards["qobserve-debug"]
    tracing = next(v for v in board["templating"]["list"] if v["name"] == "tracing")
    assert tracing["type"] == "datasource" and tracing["query"] == "tempo"
    latency = [
        p
        for p, t in targets(board)
        if "histogram_quantile" in t["expr"] and "_seconds_bucket" in t["expr"]
    ]
    assert latency
    for panel in latency:
        assert any(t["exemplar"] for t in panel["targets"]), panel["title"]
        assert any("${tracing}" in link["url"] for link in panel["links"]), panel["title"]


def test_oncall_has_alerts_and_runbooks(boards: dict[str, Any], slos: list[SLO]):
    board = boards["qobserve-oncall"]
    alerts = next(p for p in iter_panels(board) if p["title"] == "Firing and pending alerts")
    assert alerts["targets"][0]["expr"] == 'sort_desc(ALERTS{slo=~"$slo"})'
    assert alerts["targets"][0]["instant"] and alerts["targets"][0]["format"] == "table"
    runbooks = next(p for p in iter_panels(board) if p["title"] == "SLO runbooks")
    for slo in slos:
        # the runbook the SLO's alerts link to; the catalog's default is docs/alerting.md#name
        assert f"| {slo.name} |" in runbooks["options"]["content"]
        assert runbook_url(slo) in runbooks["options"]["content"]
        assert runbook_url(slo) == (slo.runbook_url or f"docs/alerting.md#{slo.name}")


def test_calibration_changes_are_annotations(boards: dict[str, Any]):
    annotations = boards["qobserve-debug"]["annotations"]["list"]
    calibration = next(a for a in annotations if a["name"] == "Calibrations")
    assert calibration["expr"].startswith(f"changes({C.BACKEND_CALIBRATION_TIMESTAMP.name}{{")
    assert calibration["expr"].endswith("> 0") and calibration["enable"]


def test_every_query_names_only_contract_metrics_and_slo_rules(boards: dict[str, Any]):
    known = {m.name for m in C.ALL_METRICS} | {"ALERTS"}
    known |= {
        m.name + s
        for m in C.ALL_METRICS
        if m.type == "histogram"
        for s in ("_bucket", "_sum", "_count")
    }
    known |= {
        M.OBJECTIVE_RECORD,
        M.ERROR_BUDGET_RECORD,
        M.PERIOD_RECORD,
        M.CURRENT_BURN_RECORD,
        M.PERIOD_BURN_RECORD,
        M.BUDGET_REMAINING_RECORD,
        M.INFO_RECORD,
    }
    known |= {M.sli_error_record(w) for w in (*M.SLI_WINDOWS, "28d", "30d")}
    ctx = Context(range_seconds=3600, scrape_interval=15)
    for board in boards.values():
        variables = board["templating"]["list"]
        exprs = [t["expr"] for _, t in targets(board)]
        exprs += [a["expr"] for a in board["annotations"]["list"] if "expr" in a]
        for expr in exprs:
            names: list[str] = []

            def visit(node: Any, names: list[str] = names) -> bool:
                if isinstance(node, promql_parser.VectorSelector) and node.name:
                    names.append(node.name)
                return True

            promql_parser.walk(promql_parser.parse(interpolate(expr, variables, ctx)), visit)
            assert names and set(names) <= known, expr


def code_strings(path: Path) -> Iterator[str]:
    """String literals of a module, docstrings (which show examples) left out."""
    tree = ast.parse(path.read_text())
    docs = {
        id(n.body[0].value)
        for n in ast.walk(tree)
        if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef)
        and n.body
        and isinstance(n.body[0], ast.Expr)
        and isinstance(n.body[0].value, ast.Constant)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node.value


def test_no_metric_name_is_spelled_in_the_generators():
    pattern = re.compile(r"\b(?:quantum|qobserve)_[a-z_]+\b|\bslo:[a-z_]+")
    for path in PACKAGE.glob("*.py"):
        assert not [s for s in code_strings(path) if pattern.search(s)], path.name


def test_query_specs_cover_every_query_in_the_json(slos: list[SLO]):
    files = dashboard_files(slos)
    for name, board in build_dashboards(slos).items():
        data = json.loads(files[name])
        from_json = {
            (f"panel {p['id']} {p['title']!r} {t['refId']}", t["expr"]) for p, t in targets(data)
        }
        from_json |= {
            (f"annotation {a['name']!r}", a["expr"])
            for a in data["annotations"]["list"]
            if "expr" in a
        }
        from_json |= {
            (f"variable {v['name']}", v["query"])
            for v in data["templating"]["list"]
            if v["type"] == "query"
        }
        assert {(s.where, s.expr) for s in iter_queries(board)} == from_json


def test_few_queries_may_stay_empty_and_each_says_why(slos: list[SLO]):
    specs = [s for b in build_dashboards(slos).values() for s in iter_queries(b)]
    empty = [s for s in specs if not s.expect_data]
    assert all(s.empty_reason for s in empty)
    assert len(empty) <= 2, [s.where for s in empty]
    assert len(specs) > 80


def test_time_ranges(boards: dict[str, Any], slos: list[SLO]):
    longest = max(slos, key=lambda s: s.period).period_str
    # the executive "this period" totals cover what the SLOs are judged over
    assert boards["qobserve-executive"]["time"] == {"from": f"now-{longest}", "to": "now"}
    for uid in ("qobserve-oncall", "qobserve-debug"):
        assert boards[uid]["time"] == {"from": "now-6h", "to": "now"}
