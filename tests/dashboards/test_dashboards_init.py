"""The generated dashboards: valid, deterministic, and what an on-call SRE expects to find."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import promql_parser
import pytest

from qobserve import contract as C
from qobserve.dashboards import build_dashboards, dashboard_files
from qobserve.dashboards.check import Context, interpolate, iter_panels
from qobserve.dashboards.exprs import burn_thresholds
from qobserve.dashboards.queries import iter_queries
from qobserve.rules.alerts import runbook_url
from qobserve.slo import model as M
from qobserve.slo.model import SLO
from tests.conftest import ROOT

PACKAGE = ROOT / "qobserve" / "dashboards"


def targets(board: dict[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(panel, target) of every Prometheus query (SQL panels have ``rawSql``)."""
    for panel in iter_panels(board):
        for target in panel.get("targets", []):
            if "expr" in target:
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
            if name not in variables:  # the SLO views have no experiment filter
                continue
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


def test_every_dashboard_is_read_only_tagged_and_lists_the_others(boards: dict[str, Any]):
    for uid, board in boards.items():
        assert board["editable"] is False and "qobserve" in board["tags"], uid
        [dropdown] = board["links"]
        assert dropdown["type"] == "dashboards" and dropdown["tags"] == ["qobserve"]
        assert dropdown["asDropdown"] and dropdown["includeVars"] and dropdown["keepTime"]


def test_every_panel_says_what_question_it_answers(boards: dict[str, Any]):
    for uid, board in boards.items():
        for panel in iter_panels(board):
            if panel["type"] != "row":
                assert panel.get("description", "").strip(), f"{uid}: {panel['title']}"


def test_slo_tables_link_every_slo_to_its_detail(boards: dict[str, Any]):
    for uid in ("qobserve-executive", "qobserve-oncall", "qobserve-slos"):
        table = next(p for p in iter_panels(boards[uid]) if p["title"] == "SLOs")
        [link] = table["fieldConfig"]["defaults"]["links"]
        assert link["url"].startswith("/d/qobserve-slo?var-slo=${__data.fields.slo}&"), uid
        exprs = "\n".join(t["expr"] for t in table["targets"])
        for record in (M.BUDGET_REMAINING_RECORD, M.OBJECTIVE_RECORD, "ALERTS"):
            assert record in exprs


def test_the_detail_dashboard_shows_one_slo_picked_by_variable(
    boards: dict[str, Any], slos: list[SLO]
):
    board = boards["qobserve-slo"]
    slo = next(v for v in board["templating"]["list"] if v["name"] == "slo")
    assert not slo["multi"] and not slo["includeAll"]
    opens = next(s for s in slos if s.sli.kind in ("job_success", "latency", "duplicates",
                                                    "queue_wait", "divergence"))  # fmt: skip
    assert slo["current"]["value"] == opens.name
    titles = {p["title"] for p in iter_panels(board)}
    assert {"SLI against the objective", "Error budget burn-down", "Alert history",
            "Burn rate by window against the alert thresholds",
            "Error ratio by backend"} <= titles  # fmt: skip
    assert any(a.get("expr", "").startswith("ALERTS{") for a in board["annotations"]["list"])


def test_burn_thresholds_scale_with_the_recorded_period(boards: dict[str, Any]):
    burn = next(p for p in iter_panels(boards["qobserve-slo"])
                if p["title"].startswith("Burn rate by window"))  # fmt: skip
    windows = [
        t["legendFormat"].split()[0] for t in burn["targets"] if "window" in t["legendFormat"]
    ]
    assert windows == ["5m", "1h", "6h", "1d", "3d"]  # the alerts' long windows, and 5m
    thresholds = {t["legendFormat"]: t["expr"] for t in burn["targets"]
                  if "threshold" in t["legendFormat"]}  # fmt: skip
    days = f"{M.PERIOD_RECORD}{{"
    factors = {}
    for name, expr in thresholds.items():
        assert days in expr
        # evaluate the factor for a 30-day SLO, as the alert rules compute it
        factors[name] = eval(re.sub(r"slo:time_period:days\{[^}]*\}", "30", expr))
    page, ticket = (
        sorted(v for k, v in factors.items() if k.startswith("page")),
        sorted(v for k, v in factors.items() if k.startswith("ticket")),
    )
    assert page == pytest.approx([6, 14.4]) and ticket == pytest.approx([1, 3])
    assert sorted(factors.values()) == pytest.approx(
        sorted(
            f
            for _, _, f in burn_thresholds(
                SLO("s", "svc", 0.99, timedelta(days=30), M.EventSLI("job_success"))
            )
        )
    )


def test_units_are_consistent(boards: dict[str, Any]):
    for board in boards.values():
        for panel in iter_panels(board):
            if panel["type"] in ("row", "text", "state-timeline"):
                continue
            unit = panel["fieldConfig"]["defaults"].get("unit", "")
            exprs = " ".join(t.get("expr", "") for t in panel["targets"])
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
    assert alerts["targets"][0]["expr"] == 'ALERTS{slo=~"$slo",backend=~"$backend|"}'
    assert alerts["targets"][0]["instant"] and alerts["targets"][0]["format"] == "table"
    # pages before tickets
    assert alerts["options"]["sortBy"] == [{"displayName": "Severity", "desc": False}]
    history = next(p for p in iter_panels(board) if p["title"] == "Alert history")
    assert history["type"] == "state-timeline"
    assert history["targets"][0]["legendFormat"] == "{{slo}} {{severity}}"
    runbooks = next(p for p in iter_panels(board) if p["title"] == "SLO runbooks")
    for slo in slos:
        # the runbook the SLO's alerts link to; the catalog's default is docs/alerting.md#name
        assert f"| {slo.name} |" in runbooks["options"]["content"]
        assert runbook_url(slo) in runbooks["options"]["content"]
        assert runbook_url(slo) == (slo.runbook_url or f"docs/alerting.md#{slo.name}")


def test_calibration_changes_are_annotations(boards: dict[str, Any]):
    annotations = boards["qobserve-debug"]["annotations"]["list"]
    calibration = next(a for a in annotations if a["name"] == "Calibrations")
    assert calibration["expr"].startswith(
        f"max by (backend) (changes({C.BACKEND_CALIBRATION_TIMESTAMP.name}{{"
    )
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
    # billed QPU time, incomplete telemetry, alerts (of one SLO, or firing ones), and budgets
    # (served by the exporter only with --budgets)
    assert len({s.empty_reason for s in empty}) <= 6, [s.where for s in empty]
    assert len(specs) > 80


def test_time_ranges(boards: dict[str, Any], slos: list[SLO]):
    longest = max(slos, key=lambda s: s.period).period_str
    # the executive "this period" totals cover what the SLOs are judged over
    assert boards["qobserve-executive"]["time"] == {"from": f"now-{longest}", "to": "now"}
    for uid in ("qobserve-oncall", "qobserve-debug"):
        assert boards[uid]["time"] == {"from": "now-6h", "to": "now"}
