"""Run every query of generated dashboards against a Prometheus, the way Grafana would.

Grafana interpolates variables before it sends a query: ``$backend`` becomes the selected
values as a regex, ``$__rate_interval`` at least four scrape intervals, ``$__range`` the time
range in seconds. :func:`interpolate` does the same, and :func:`check_dashboard` runs each
panel query (range or instant, as the panel asks), each annotation query and each variable
query, reporting errors and empty results. ``qobserve dashboards --check URL`` uses it, and so
do the tests.

Example::

    board = json.loads(Path("dashboards/qobserve-oncall.json").read_text())
    for r in check_dashboard(board, PrometheusAPI("http://127.0.0.1:9090")):
        print(r.where, r.error or f"{r.series} series")
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from qobserve.dashboards.queries import panel_where
from qobserve.promapi import PrometheusAPI, PrometheusError
from qobserve.slo import promql

Json = dict[str, Any]

_VARIABLE = re.compile(r"\$\{(\w+)(?::(\w+))?\}|\$(\w+)|\[\[(\w+)\]\]")
_LABEL_VALUES = re.compile(r"^label_values\((?:(.*),\s*)?(\w+)\)$", re.S)
_QUERY_RESULT = re.compile(r"^query_result\((.*)\)$", re.S)
_REGEX_SPECIAL = re.compile(r"([\\^$.|?*+()\[\]{}])")


@dataclass(frozen=True)
class QueryResult:
    """What one query returned: the number of series, or the error Prometheus gave."""

    dashboard: str
    where: str
    expr: str  # as sent, variables interpolated
    series: int = 0
    error: str | None = None


@dataclass(frozen=True)
class Context:
    """What Grafana would know when it runs the queries: time range, step, scrape interval
    (the data source's "scrape interval" setting) and the selected variable values."""

    end: float = field(default_factory=time.time)
    range_seconds: float = 6 * 3600
    scrape_interval: float = 15.0
    #: variable -> selected values; a variable not listed is at "All"
    selected: Mapping[str, Sequence[str]] = field(default_factory=dict)
    max_points: int = 1000

    @property
    def step(self) -> float:
        """Grafana's ``$__interval``: range over the points a panel has room for, never below
        the scrape interval."""
        return max(self.scrape_interval, round(self.range_seconds / self.max_points))

    def builtins(self) -> dict[str, str]:
        """Grafana's global variables for this context."""
        step, rng = round(self.step), round(self.range_seconds)
        rate = max(step + round(self.scrape_interval), 4 * round(self.scrape_interval))
        # whole numbers, as Grafana sends them: "2.592e+06s" would not parse
        return {
            "__interval": f"{step}s",
            "__interval_ms": f"{step * 1000}",
            "__rate_interval": f"{rate}s",
            "__range": f"{rng}s",
            "__range_s": f"{rng}",
            "__range_ms": f"{rng * 1000}",
            "__from": f"{(self.end - rng) * 1000:.0f}",
            "__to": f"{self.end * 1000:.0f}",
        }


def parse_duration(text: str) -> float:
    """Seconds in a Grafana relative time such as ``now-30d`` or ``6h``."""
    return promql.parse_duration(text.removeprefix("now-")).total_seconds()


def interpolate(expr: str, variables: Sequence[Json], ctx: Context) -> str:
    """``expr`` with dashboard ``variables`` (the templating list) and Grafana's globals
    replaced as Grafana's Prometheus data source does."""
    values = ctx.builtins()
    for var in variables:
        name = var["name"]
        if var.get("type") in ("datasource", "query", "custom", "constant", "textbox"):
            values[name] = _format(var, ctx.selected.get(name))

    def sub(m: re.Match[str]) -> str:
        name = m[1] or m[3] or m[4]
        if name not in values:
            raise KeyError(f"unknown variable ${name} in {expr!r}")
        return values[name]

    return _VARIABLE.sub(sub, expr)


def _format(var: Json, selected: Sequence[str] | None) -> str:
    if not selected:
        if var.get("includeAll"):
            return str(var.get("allValue", ".*"))
        selected = [str(var.get("current", {}).get("value", ""))]
    if var.get("multi") or var.get("includeAll"):
        escaped = [_REGEX_SPECIAL.sub(r"\\\\\1", v) for v in selected]
        return escaped[0] if len(escaped) == 1 else f"({'|'.join(escaped)})"
    return selected[0]


_TIME_FILTER = re.compile(r"\$__timeFilter\(([^()]*(?:\([^()]*\)[^()]*)*)\)")
_SQL_VARIABLE = re.compile(r"\$\{(\w+):regex\}")


def interpolate_sql(sql: str, variables: Sequence[Json], ctx: Context) -> str:
    """``sql`` as Grafana's PostgreSQL data source sends it: ``$__timeFilter(col)`` becomes
    a ``BETWEEN`` over the time range and ``${var:regex}`` the selected values as a regex
    (the "All" value as it is)."""

    def iso(t: float) -> str:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))

    begin, end = iso(ctx.end - ctx.range_seconds), iso(ctx.end)
    out = _TIME_FILTER.sub(lambda m: f"{m[1]} BETWEEN '{begin}' AND '{end}'", sql)
    by_name = {v["name"]: v for v in variables}

    def sub(m: re.Match[str]) -> str:
        var = by_name.get(m[1])
        if var is None:
            raise KeyError(f"unknown variable ${m[1]} in {sql!r}")
        selected = ctx.selected.get(m[1])
        if not selected:
            return str(var.get("allValue", ".*"))
        return "|".join(re.escape(v) for v in selected)

    return _SQL_VARIABLE.sub(sub, out)


def iter_panels(board: Json) -> Iterator[Json]:
    """Every panel of the dashboard, including those inside collapsed rows."""
    for panel in board.get("panels", []):
        yield panel
        yield from panel.get("panels", [])


def check_dashboard(
    board: Json, api: PrometheusAPI, ctx: Context | None = None
) -> list[QueryResult]:
    """Run every query of ``board`` (dashboard JSON) against ``api``."""
    ctx = ctx or Context(range_seconds=parse_duration(board.get("time", {}).get("from", "now-6h")))
    variables = board.get("templating", {}).get("list", [])
    uid = board.get("uid", "")
    out: list[QueryResult] = []

    def run(where: str, expr: str, instant: bool) -> None:
        sent = interpolate(expr, variables, ctx)
        try:
            if instant:
                series = api.query(sent, at=ctx.end)
            else:
                series = api.query_range(sent, ctx.end - ctx.range_seconds, ctx.end, ctx.step)
        except PrometheusError as err:
            out.append(QueryResult(uid, where, sent, error=str(err)))
            return
        out.append(QueryResult(uid, where, sent, series=len(series)))

    for panel in iter_panels(board):
        for t in panel.get("targets", []):
            if "expr" not in t:  # SQL on the job events: see interpolate_sql
                continue
            run(
                panel_where(panel["id"], panel.get("title", ""), t["refId"]),
                t["expr"],
                bool(t.get("instant")),
            )
    for a in board.get("annotations", {}).get("list", []):
        if "expr" in a:
            run(f"annotation {a['name']!r}", a["expr"], instant=False)
    for var in variables:
        if var.get("type") == "query":
            out.append(_variable(uid, var, variables, api, ctx))
    return out


def _variable(
    uid: str, var: Json, variables: Sequence[Json], api: PrometheusAPI, ctx: Context
) -> QueryResult:
    where, query = f"variable {var['name']}", interpolate(var["query"], variables, ctx)
    try:
        if m := _LABEL_VALUES.match(query):
            found = label_values(api, m[2], m[1], ctx)
        elif m := _QUERY_RESULT.match(query):
            found = [str(s["metric"]) for s in api.query(m[1], at=ctx.end)]
        else:
            return QueryResult(uid, where, query, error="unsupported variable query")
    except PrometheusError as err:
        return QueryResult(uid, where, query, error=str(err))
    return QueryResult(uid, where, query, series=len(found))


def label_values(api: PrometheusAPI, label: str, match: str | None, ctx: Context) -> list[str]:
    """Values of ``label`` on series matching ``match`` in the time range: Grafana's
    ``label_values(match, label)``, which calls the same endpoint."""
    return api.label_values(label, match, ctx.end - ctx.range_seconds, ctx.end)
