"""Panel, variable, link and layout helpers shared by the three dashboards.

Example::

    panel = timeseries("Jobs/s", [q(f"sum(rate({JOBS_TOTAL.name}[$__rate_interval]))")],
                       unit="reqps")
    board = dashboard(uid="x", title="X", description="", tags=[], time_from="now-6h",
                      sections=[("Traffic", [panel])], variables=[datasource_variable()])
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

import attr
import grafanalib.core as G

from qobserve import contract as C
from qobserve.dashboards.queries import PROMETHEUS, PromAnnotation, PromTarget
from qobserve.slo.model import INFO_RECORD

#: Data source plugin the tracing variable offers (exemplars link to its traces).
TRACING_PLUGIN = "tempo"
#: ``allValue`` of multi-value label variables: matches every value, including none.
ALL_VALUE = ".*"

#: uid, title and link text of the three dashboards, in navigation order.
DASHBOARDS: dict[str, tuple[str, str, str]] = {
    "executive": ("qobserve-executive", "Quantum workloads: executive SLO overview",
                  "Executive overview"),
    "oncall": ("qobserve-oncall", "Quantum workloads: on-call", "On-call"),
    "debug": ("qobserve-debug", "Quantum workloads: debug drill-down", "Debug drill-down"),
}  # fmt: skip

#: (title, panels) of one dashboard section; a None title puts the panels above every row.
Section = tuple[str | None, Sequence[Any]]


#: Grafana's own "Annotations & Alerts" entry that every new dashboard has.
BUILTIN_ANNOTATION = {
    "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
    "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
    "type": "dashboard", "target": {"limit": 100, "matchAny": False, "tags": [],
                                    "type": "dashboard"},
}  # fmt: skip


def steps(base: str, *rest: tuple[float, str]) -> list[G.Threshold]:
    """Threshold steps: ``base`` colour below the first value, then (value, colour) upwards."""
    out = [G.Threshold(base, 0, 0.0)]
    out += [G.Threshold(color, i, float(value)) for i, (value, color) in enumerate(rest, 1)]
    return out


def link(
    title: str, url: str, *, tooltip: str = "", keep: bool = True, new_tab: bool = False
) -> G.DashboardLink:
    """A link (dashboard or panel) to ``url``; ``keep`` carries the time range and variables."""
    return G.DashboardLink(
        title=title,
        uri=url,
        type="link",
        tooltip=tooltip,
        keepTime=keep,
        includeVars=keep,
        targetBlank=new_tab,
        icon="dashboard" if url.startswith("/d/") else "external link",
    )


def dashboard_url(kind: str) -> str:
    """Path of one of :data:`DASHBOARDS` in Grafana."""
    return f"/d/{DASHBOARDS[kind][0]}"


def nav_links(current: str) -> list[G.DashboardLink]:
    """Links to the other two dashboards that keep the time range and variable values."""
    return [link(name, dashboard_url(kind), tooltip=f"{name}, same time range and filters")
            for kind, (_, _, name) in DASHBOARDS.items() if kind != current]  # fmt: skip


def organize(rename: dict[str, str], hide: Sequence[str] = ("Time",)) -> dict[str, Any]:
    """A table transformation that hides columns and renames others."""
    return {
        "id": "organize",
        "options": {"excludeByName": {c: True for c in hide}, "renameByName": dict(rename)},
    }


def _common(
    title: str,
    targets: Sequence[PromTarget],
    description: str,
    w: int,
    h: int,
    links: Iterable[G.DashboardLink],
) -> dict[str, Any]:
    refs = string.ascii_uppercase
    if len(targets) > len(refs):
        raise ValueError(f"panel {title!r} has more than {len(refs)} queries")
    return {
        "title": title,
        "description": description or None,
        "dataSource": PROMETHEUS,
        "targets": [replace(t, ref_id=r) for t, r in zip(targets, refs, strict=False)],
        "gridPos": G.GridPos(h=h, w=w, x=0, y=0),
        "links": list(links),
        "maxDataPoints": None,  # Grafana sizes it to the panel's width
    }  # fmt: skip


def timeseries(
    title: str,
    targets: Sequence[PromTarget],
    *,
    unit: str,
    description: str = "",
    w: int = 12,
    h: int = 8,
    thresholds: Sequence[G.Threshold] = (),
    threshold_style: str = "off",
    min_value: int | None = None,
    max_value: int | None = None,
    stacked: bool = False,
    bars: bool = False,
    links: Iterable[G.DashboardLink] = (),
    legend_table: bool = False,
) -> G.TimeSeries:
    """A time series panel; ``threshold_style`` "line" draws the thresholds on the graph."""
    return G.TimeSeries(
        **_common(title, targets, description, w, h, links),
        unit=unit, thresholds=list(thresholds), thresholdsStyleMode=threshold_style,
        valueMin=min_value, valueMax=max_value,
        stacking={"mode": "normal", "group": "A"} if stacked else {"mode": "none"},
        drawStyle="bars" if bars else "line", fillOpacity=60 if bars or stacked else 10,
        lineWidth=1, showPoints="never", spanNulls=True, tooltipMode="multi",
        tooltipSort="desc", legendDisplayMode="table" if legend_table else "list",
        legendCalcs=["lastNotNull", "max"] if legend_table else [],
    )  # fmt: skip


def stat(
    title: str,
    targets: Sequence[PromTarget],
    *,
    unit: str,
    description: str = "",
    w: int = 4,
    h: int = 4,
    thresholds: Sequence[G.Threshold] = (),
    mappings: Sequence[Any] = (),
    decimals: int | None = None,
    graph: bool = False,
    color_mode: str = "value",
    text_mode: str = "auto",
    links: Iterable[G.DashboardLink] = (),
) -> G.Stat:
    """A stat panel showing the last value of each series."""
    return G.Stat(
        **_common(title, targets, description, w, h, links),
        format=unit, thresholds=list(thresholds) or steps("text"), mappings=list(mappings),
        decimals=decimals, graphMode="area" if graph else "none", colorMode=color_mode,
        textMode=text_mode, reduceCalc="lastNotNull", noValue="No data",
    )  # fmt: skip


def table(
    title: str,
    targets: Sequence[PromTarget],
    *,
    unit: str = "none",
    description: str = "",
    w: int = 12,
    h: int = 8,
    thresholds: Sequence[G.Threshold] = (),
    transformations: Sequence[dict[str, Any]] = (),
    overrides: Sequence[Any] = (),
    sort_by: str = "",
    links: Iterable[G.DashboardLink] = (),
) -> G.Table:
    """A table of instant queries (one row per series; ``merge`` joins several queries)."""
    return G.Table(
        **_common(title, targets, description, w, h, links),
        unit=unit, thresholds=list(thresholds) or steps("text"),
        transformations=list(transformations), overrides=list(overrides),
        sortBy=[G.TableSortByField(displayName=sort_by, desc=True)] if sort_by else [],
        filterable=True, colorMode="thresholds",
    )  # fmt: skip


def text(title: str, markdown: str, *, w: int = 24, h: int = 4) -> G.Text:
    """A Markdown text panel."""
    return G.Text(
        title=title, content=markdown, gridPos=G.GridPos(h=h, w=w, x=0, y=0), maxDataPoints=None
    )


def value_map(*items: tuple[str, str, str]) -> G.StatValueMappings:
    """Value mappings from (value, text, colour) triples."""
    return G.StatValueMappings(*(G.StatValueMappingItem(text, value, color)
                                 for value, text, color in items))  # fmt: skip


def datasource_variable(
    name: str = "datasource", plugin: str = "prometheus", label: str = "Data source"
) -> G.Template:
    """A data source picker restricted to one plugin type."""
    return G.Template(
        name=name,
        query=plugin,
        type="datasource",
        label=label,
        refresh=G.REFRESH_ON_DASHBOARD_LOAD,
        regex="",
    )


def label_variable(
    name: str, label: str, metrics: Sequence[str], *, matchers: str = ""
) -> G.Template:
    """A multi-value variable over the values of label ``name`` on ``metrics``, with "All"."""
    names = "|".join(metrics)
    query = f'label_values({{__name__=~"{names}"{"," + matchers if matchers else ""}}}, {name})'
    return G.Template(
        name=name,
        query=query,
        label=label,
        dataSource=PROMETHEUS,
        multi=True,
        includeAll=True,
        allValue=ALL_VALUE,
        regex="",
        refresh=G.REFRESH_ON_TIME_RANGE_CHANGE,
        sort=G.SORT_ALPHA_ASC,
    )


def filter_variables(*, slo: bool = False) -> list[G.Template]:
    """The variables every dashboard has: data source, backend and experiment; ``slo`` adds
    the SLO filter that alerts' dashboard links set (``var-slo``)."""
    variables = [
        datasource_variable(),
        label_variable("backend", "Backend", [C.JOBS_TOTAL.name, C.BACKEND_UP.name]),
        label_variable("experiment", "Experiment", [C.EXPERIMENTS_TOTAL.name,
                                                    C.JOBS_TOTAL.name]),
    ]  # fmt: skip
    if slo:
        variables.insert(1, label_variable("slo", "SLO", [INFO_RECORD]))
    return variables


def layout(sections: Sequence[Section]) -> list[Any]:
    """Place the panels on Grafana's 24-column grid: rows in order, panels flowing left to
    right and wrapping; each titled section starts with an (expanded) row."""
    placed: list[Any] = []
    y = 0
    for title, panels in sections:
        if title is not None:
            placed.append(G.RowPanel(title=title, gridPos=G.GridPos(h=1, w=24, x=0, y=y)))
            y += 1
        x, line_h = 0, 0
        for panel in panels:
            w, h = panel.gridPos.w, panel.gridPos.h
            if x + w > 24:
                x, y, line_h = 0, y + line_h, 0
            placed.append(attr.evolve(panel, gridPos=G.GridPos(h=h, w=w, x=x, y=y)))
            x, line_h = x + w, max(line_h, h)
        y += line_h
    return placed


def dashboard(
    *,
    uid: str,
    title: str,
    description: str,
    tags: Sequence[str],
    time_from: str,
    sections: Sequence[Section],
    variables: Sequence[G.Template],
    links: Sequence[G.DashboardLink] = (),
    refresh: str = "1m",
    annotations: Sequence[PromAnnotation] = (),
) -> G.Dashboard:
    """A dashboard with the shared conventions: UTC, shared crosshair, stable panel ids."""
    return G.Dashboard(
        uid=uid, title=title, description=description, tags=list(tags),
        time=G.Time(time_from, "now"), refresh=refresh, timezone="utc", editable=True,
        graphTooltip=G.GRAPH_TOOLTIP_MODE_SHARED_CROSSHAIR, links=list(links),
        panels=layout(sections), templating=G.Templating(list(variables)),
        annotations=G.Annotations([BUILTIN_ANNOTATION, *annotations]),
    ).auto_panel_ids()  # fmt: skip
