"""The queries of the dashboards and what the query test expects of each.

Every panel query is a :class:`PromTarget`: rendered through grafanalib's ``Target``, it also
says whether it must return data once a workload and the exporter have been scraped
(``expect_data``) and, if not, why (``empty_reason``). :func:`iter_queries` lists every
expression of a dashboard (panels, annotations, variables) with those flags; Grafana never
sees them.

Example::

    q(f"sum(rate({JOBS_TOTAL.name}[$__rate_interval]))", "jobs/s")
    q(expr, expect_data=False, empty_reason="only real QPUs report billed time")
    for spec in iter_queries(board):
        print(spec.where, spec.expr)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import grafanalib.core as G

#: How every panel, query and variable refers to the Prometheus data source variable.
PROMETHEUS = {"type": "prometheus", "uid": "${datasource}"}
#: Grafana's built-in PostgreSQL data source plugin, and how SQL panels refer to its variable.
POSTGRES_PLUGIN = "grafana-postgresql-datasource"
EVENTS = {"type": POSTGRES_PLUGIN, "uid": "${events}"}


@dataclass(frozen=True)
class PromTarget:
    """A Prometheus query of a panel, and what the query test expects of it.

    ``table`` makes it an instant query in table format; ``exemplar`` shows the exemplars
    (trace ids) of the histogram it reads. ``expect_data=False`` needs an ``empty_reason``.
    """

    expr: str
    legend: str = ""
    instant: bool = False
    table: bool = False
    exemplar: bool = False
    expect_data: bool = True
    empty_reason: str = ""
    ref_id: str = "A"

    def __post_init__(self) -> None:
        if not self.expect_data and not self.empty_reason:
            raise ValueError(f"a query that may stay empty needs a reason: {self.expr}")

    def to_json_data(self) -> dict[str, Any]:
        instant = self.instant or self.table
        fmt = G.TABLE_TARGET_FORMAT if self.table else G.TIME_SERIES_TARGET_FORMAT
        target = G.Target(
            expr=self.expr,
            legendFormat=self.legend,
            refId=self.ref_id,
            instant=instant,
            format=fmt,
            datasource=PROMETHEUS,
        )
        data: dict[str, Any] = target.to_json_data()
        data.update(exemplar=self.exemplar, range=not instant, editorMode="code")
        return data


#: The short name the dashboard builders use.
q = PromTarget


@dataclass(frozen=True)
class SqlTarget:
    """A SQL query of a panel on the job events in PostgreSQL (Grafana's built-in data source),
    as a table; ``expect_data`` and ``empty_reason`` as for :class:`PromTarget`."""

    sql: str
    expect_data: bool = True
    empty_reason: str = ""
    ref_id: str = "A"

    def __post_init__(self) -> None:
        if not self.expect_data and not self.empty_reason:
            raise ValueError(f"a query that may stay empty needs a reason: {self.sql}")

    def to_json_data(self) -> dict[str, Any]:
        return {"refId": self.ref_id, "datasource": EVENTS, "rawSql": self.sql,
                "rawQuery": True, "format": "table", "editorMode": "code"}  # fmt: skip


@dataclass(frozen=True)
class PromAnnotation:
    """An annotation query on the Prometheus data source (e.g. calibration events)."""

    name: str
    expr: str
    title: str = ""
    text: str = ""
    tag_keys: str = ""
    color: str = "purple"
    expect_data: bool = True
    empty_reason: str = ""

    def to_json_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "datasource": PROMETHEUS,
            "enable": True,
            "hide": False,
            "iconColor": self.color,
            "expr": self.expr,
            "titleFormat": self.title,
            "textFormat": self.text,
            "tagKeys": self.tag_keys,
            "useValueForTime": False,
        }


@dataclass(frozen=True)
class QuerySpec:
    """One PromQL expression of a dashboard and what the query test expects of it."""

    dashboard: str  # uid
    where: str  # "panel 7 'Jobs/s' A", "annotation 'Calibrations'", "variable backend"
    expr: str
    instant: bool
    expect_data: bool
    empty_reason: str = ""


def panel_where(panel_id: int, title: str, ref_id: str) -> str:
    """How a panel query is named in reports: ``panel 7 'Queue wait' B``."""
    return f"panel {panel_id} {title!r} {ref_id}"


def iter_queries(board: G.Dashboard) -> Iterator[QuerySpec]:
    """Every PromQL expression of ``board``: panel targets, annotations, variable queries
    (SQL panels: :func:`iter_sql`)."""
    uid = board.uid
    for panel in board._iter_panels():
        for t in getattr(panel, "targets", []):
            if isinstance(t, SqlTarget):
                continue
            if not isinstance(t, PromTarget):
                raise TypeError(f"panel {panel.title!r}: queries must be PromTarget or SqlTarget")
            where = panel_where(panel.id, panel.title, t.ref_id)
            yield QuerySpec(uid, where, t.expr, t.instant or t.table, t.expect_data, t.empty_reason)
    for a in board.annotations.list:
        if isinstance(a, PromAnnotation):
            yield QuerySpec(
                uid, f"annotation {a.name!r}", a.expr, False, a.expect_data, a.empty_reason
            )
    for v in board.templating.list:
        if v.type == "query":
            yield QuerySpec(uid, f"variable {v.name}", v.query, True, True)


def iter_sql(board: G.Dashboard) -> Iterator[tuple[str, SqlTarget]]:
    """(where, target) of every SQL query of ``board``."""
    for panel in board._iter_panels():
        for t in getattr(panel, "targets", []):
            if isinstance(t, SqlTarget):
                yield panel_where(panel.id, panel.title, t.ref_id), t
