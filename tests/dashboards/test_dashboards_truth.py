"""What the panels claim is what the data says: counts that add up, whole numbers, the SLI
where an objective colours a panel, numbers that an exporter replica does not change, and a
layout and panel ids that the catalog does not move. The live counterpart (real Prometheus,
two exporter replicas) is test_dashboards_live.py."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import promql_parser
import pytest

from qobserve import contract as C
from qobserve.dashboards import build_dashboards, dashboard_files
from qobserve.dashboards import exprs as X
from qobserve.dashboards.check import Context, interpolate, iter_panels
from qobserve.slo import model as M
from qobserve.slo.model import SLO

Json = dict[str, Any]
CTX = Context(range_seconds=3600, scrape_interval=15)
METRICS = {m.name: m for m in C.ALL_METRICS}
METRICS |= {m.name + s: m for m in C.ALL_METRICS if m.type == "histogram"
            for s in ("_bucket", "_sum", "_count")}  # fmt: skip


def queries(board: Json) -> Iterator[tuple[Json, str]]:
    """(panel, expression) of every panel query; annotations as a panel of their own."""
    for panel in iter_panels(board):
        for t in panel.get("targets", []):
            if "expr" in t:
                yield panel, t["expr"]
    for a in board["annotations"]["list"]:
        if "expr" in a:
            yield {"title": f"annotation {a['name']}"}, a["expr"]


def parse(board: Json, expr: str) -> Any:
    return promql_parser.parse(interpolate(expr, board["templating"]["list"], CTX))


def children(node: Any) -> list[Any]:
    if isinstance(node, promql_parser.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, promql_parser.Call):
        return list(node.args)
    if isinstance(node, promql_parser.MatrixSelector):
        return [node.vector_selector]
    if isinstance(node, promql_parser.AggregateExpr | promql_parser.ParenExpr
                  | promql_parser.UnaryExpr | promql_parser.SubqueryExpr):  # fmt: skip
        return [node.expr]
    return []


def bare_selectors(node: Any, by: frozenset[str] | None = None) -> Iterator[str]:
    """Contract metrics read without an aggregation ``by`` labels that leave out the scrape
    labels (``instance``, ``job``) a replica differs by: what a second exporter replica
    duplicates. ``by`` is None outside any aggregation."""
    if isinstance(node, promql_parser.AggregateExpr):
        mod = node.modifier
        if mod is None:
            by = frozenset()
        elif mod.type == promql_parser.AggModifierType.By:
            by = frozenset(mod.labels)
        else:  # "without" keeps every label it does not name
            by = None
    if isinstance(node, promql_parser.VectorSelector) and node.name in METRICS:
        own = set(METRICS[node.name].labels)  # quantum_usage_* have an "instance" of their own
        if by is None or (by & {"instance", "job"}) - own:
            yield node.name
    for child in children(node):
        yield from bare_selectors(child, by)


def defaults(panel: Json) -> Json:
    return panel.get("fieldConfig", {}).get("defaults", {})


def threshold_values(panel: Json) -> set[float]:
    steps = defaults(panel).get("thresholds", {}).get("steps", [])
    return {s["value"] for s in steps if s["value"] is not None}


def test_bar_panels_count_each_event_once(boards: dict[str, Json]):
    # increase(x[$__rate_interval]) drawn every $__interval counts each event in several bars
    bars = [p for b in boards.values() for p in iter_panels(b)
            if defaults(p).get("custom", {}).get("drawStyle") == "bars"]  # fmt: skip
    assert len(bars) >= 3
    for panel in bars:
        for t in panel["targets"]:
            assert X.RATE not in t["expr"] and "increase(" not in t["expr"], panel["title"]
            assert f"offset {X.STEP}" in t["expr"], panel["title"]


def test_counts_are_whole_numbers(boards: dict[str, Json]):
    # increase() extrapolates to the window's edges: 99.16 experiment runs
    for uid, board in boards.items():
        for panel, expr in queries(board):
            assert "increase(" not in expr, f"{uid} {panel['title']}"
    counts = [p for b in boards.values() for p in iter_panels(b)
              if p["type"] == "stat" and defaults(p).get("unit") in ("short", "none")]  # fmt: skip
    assert len(counts) >= 5
    assert all(defaults(p).get("decimals") == 0 for p in counts), [
        p["title"] for p in counts if defaults(p).get("decimals") != 0
    ]


def test_costs_keep_sub_cent_precision(boards: dict[str, Json]):
    # decimals: 2 shows a cost per job of $0.0006 as $0.00; Grafana's auto decimals do not
    costs = [p for b in boards.values() for p in iter_panels(b)
             if defaults(p).get("unit") == "currencyUSD"]  # fmt: skip
    assert len(costs) >= 4
    assert all("decimals" not in defaults(p) for p in costs), [p["title"] for p in costs]


def test_a_panel_coloured_by_an_objective_shows_that_slos_sli(
    boards: dict[str, Json], slos: list[SLO]
):
    for board in boards.values():
        for panel in iter_panels(board):
            exprs = " ".join(t.get("expr", "") for t in panel.get("targets", []))
            if C.JOBS_TOTAL.name not in exprs and "slo:" not in exprs:
                continue  # a quota at 95 % is not the 95 % objective
            for slo in slos:
                if slo.objective not in threshold_values(panel):
                    continue
                queries = [t["expr"] for t in panel["targets"]]
                assert queries == [X.period_sli(slo)], (panel["title"], slo.name, queries)


def test_no_number_depends_on_how_many_replicas_report_it(boards: dict[str, Json]):
    # two exporter replicas (an HA pair): "Backends down" 2 for one backend, duplicate legends
    for uid, board in boards.items():
        for panel, expr in queries(board):
            bare = list(bare_selectors(parse(board, expr)))
            assert not bare, f"{uid} {panel['title']}: {bare} in {expr}"


def test_slo_and_alert_queries_follow_the_backend_variable(boards: dict[str, Json]):
    records = (M.BUDGET_REMAINING_RECORD, M.CURRENT_BURN_RECORD, M.PERIOD_BURN_RECORD,
               "slo:sli_error", "ALERTS")  # fmt: skip
    for uid, board in boards.items():
        for panel, expr in queries(board):
            if any(r in expr for r in records):
                assert "$backend" in expr, f"{uid} {panel['title']}: {expr}"


def _ids(slos: list[SLO]) -> dict[str, dict[tuple[str, str], int]]:
    """uid -> (row title, panel title) -> panel id."""
    out: dict[str, dict[tuple[str, str], int]] = {}
    for text in dashboard_files(slos).values():
        board = __import__("json").loads(text)
        row, ids = "", {}
        for p in board["panels"]:
            if p["type"] == "row":
                row = p["title"]
            ids[(row, p["title"])] = p["id"]
            for inner in p.get("panels", []):
                ids[(p["title"], inner["title"])] = inner["id"]
        out[board["uid"]] = ids
    return out


def test_panel_ids_do_not_move_when_the_catalog_changes(catalog: list[SLO]):
    before, after = _ids(catalog), _ids(catalog[1:])
    for uid, ids in after.items():
        moved = {k: (before[uid][k], v) for k, v in ids.items() if k in before[uid]
                 and before[uid][k] != v}  # fmt: skip
        assert not moved, (uid, moved)


@pytest.mark.parametrize("uid", ["qobserve-oncall", "qobserve-executive"])
def test_dashboards_do_not_grow_with_the_catalog(catalog: list[SLO], uid: str):
    # one hard-coded row per SLO: 133 grid units and 95 queries for 9 SLOs
    def size(slos: list[SLO]) -> tuple[int, int]:
        board = build_dashboards(slos)[f"{uid}.json"]
        panels = list(board._iter_panels())
        return len(panels), sum(len(getattr(p, "targets", [])) for p in panels)

    assert size(catalog) == size(catalog[:3])
