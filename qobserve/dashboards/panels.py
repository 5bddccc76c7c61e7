"""Panel, variable, link and layout helpers shared by the three dashboards.

Example::

    panel = timeseries("Jobs/s", [q(f"sum(rate({JOBS_TOTAL.name}[$__rate_interval]))")],
                       unit="reqps")
    board = dashboard(uid="x", title="X", description="", tags=[], time_from="now-6h",
                      sections=[("Traffic", [panel])], variables=[datasource_variable()])
"""

from __future__ import annotations

import string
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

import attr
import grafanalib.core as G

from qobserve import contract as C
from qobserve.dashboards import exprs as X
from qobserve.dashboards.queries import (
    EVENTS,
    PROMETHEUS,
    PromAnnotation,
    PromTarget,
    SqlTarget,
    q,
)
from qobserve.slo.model import INFO_RECORD, OBJECTIVE_RECORD, SLO, duration_str

#: Data source plugin the tracing variable offers (exemplars link to its traces).
TRACING_PLUGIN = "tempo"
#: ``allValue`` of multi-value label variables: matches every value, including none.
ALL_VALUE = ".*"

#: uid and title of every dashboard, in navigation order.
DASHBOARDS: dict[str, tuple[str, str]] = {
    "executive": ("qobserve-executive", "Quantum workloads: executive SLO overview"),
    "oncall": ("qobserve-oncall", "Quantum workloads: on-call"),
    "slos": ("qobserve-slos", "Quantum workloads: SLOs"),
    "slo": ("qobserve-slo", "Quantum workloads: SLO detail"),
    "debug": ("qobserve-debug", "Quantum workloads: debug drill-down"),
}  # fmt: skip
#: The tag every generated dashboard carries; the header's dashboard dropdown lists them.
TAG = "qobserve"
#: Panel ids are in 1 .. ID_SPACE: wide enough that two panels rarely hash alike.
ID_SPACE = 1_000_000

#: (title, panels) of one dashboard section; a None title puts the panels above every row.
Section = tuple[str | None, Sequence[Any]]


#: Grafana's own "Annotations & Alerts" entry that every new dashboard has.
BUILTIN_ANNOTATION = {
    "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True,
    "hide": True, "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts",
    "type": "dashboard",
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


def nav_links() -> list[G.DashboardLink]:
    """A dropdown of every dashboard tagged :data:`TAG`, keeping time range and variables."""
    return [G.DashboardLink(title="qobserve dashboards", type="dashboards", tags=[TAG],
                            asDropdown=True, keepTime=True, includeVars=True,
                            tooltip="Same time range and filters")]  # fmt: skip


def organize(rename: dict[str, str], hide: Sequence[str] = ("Time",)) -> dict[str, Any]:
    """A table transformation that hides columns and renames others."""
    return {
        "id": "organize",
        "options": {"excludeByName": {c: True for c in hide}, "renameByName": dict(rename)},
    }


def _common(
    title: str,
    targets: Sequence[PromTarget | SqlTarget],
    description: str,
    w: int,
    h: int,
    links: Iterable[G.DashboardLink],
) -> dict[str, Any]:
    refs = string.ascii_uppercase
    if len(targets) > len(refs):
        raise ValueError(f"panel {title!r} has more than {len(refs)} queries")
    if not description:
        raise ValueError(f"panel {title!r} needs a description: the question it answers")
    sql = {isinstance(t, SqlTarget) for t in targets}
    if len(sql) > 1:
        raise ValueError(f"panel {title!r} mixes PromQL and SQL queries")
    return {
        "title": title,
        "description": description,
        "dataSource": EVENTS if sql == {True} else PROMETHEUS,
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
    description: str,
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
    """A time series panel; ``threshold_style`` "line" draws the thresholds on the graph.
    ``bars`` are for per-step counts (:func:`~qobserve.dashboards.exprs.increase` over
    ``$__interval``), which add up to the counter's increase."""
    return G.TimeSeries(
        **_common(title, targets, description, w, h, links),
        unit=unit, thresholds=list(thresholds), thresholdsStyleMode=threshold_style,
        valueMin=min_value, valueMax=max_value,
        stacking={"mode": "normal", "group": "A"} if stacked else {"mode": "none"},
        drawStyle="bars" if bars else "line", fillOpacity=60 if bars or stacked else 10,
        lineWidth=1, showPoints="never", spanNulls=True, tooltipMode="multi",
        tooltipSort="desc", legendDisplayMode="table" if legend_table else "list",
        legendCalcs=["lastNotNull", "max"] if legend_table else [],
        # options grafanalib leaves out that Grafana's time series type requires
        extraJson={"options": {"legend": {"showLegend": True}}},
    )  # fmt: skip


def stat(
    title: str,
    targets: Sequence[PromTarget],
    *,
    unit: str,
    description: str,
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
        # options grafanalib leaves out that Grafana's stat type requires
        extraJson={"options": {"percentChangeColorMode": "standard", "showPercentChange": False,
                               "wideLayout": True}},
    )  # fmt: skip


def table(
    title: str,
    targets: Sequence[PromTarget | SqlTarget],
    *,
    unit: str = "none",
    description: str,
    w: int = 12,
    h: int = 8,
    decimals: int | None = None,
    thresholds: Sequence[G.Threshold] = (),
    mappings: Sequence[Any] = (),
    cell_type: str = "auto",
    data_links: Sequence[G.DashboardLink] = (),
    transformations: Sequence[dict[str, Any]] = (),
    sort_by: str = "",
    sort_desc: bool = True,
) -> G.Table:
    """A table of instant queries (one row per series; ``merge`` joins several queries).
    ``mappings``, ``cell_type`` (e.g. ``color-text``) and ``data_links`` apply to every
    column: per-column overrides are what the strict schema cannot express."""
    defaults: dict[str, Any] = {"custom": {"cellOptions": {"type": cell_type}, "inspect": False}}
    if decimals is not None:
        defaults["decimals"] = decimals
    if data_links:
        # a data link on every cell; the strict schema knows links in the dashboard-link shape
        defaults["links"] = [link.to_json_data() for link in data_links]
    return G.Table(
        **_common(title, targets, description, w, h, ()),
        unit=unit, thresholds=list(thresholds) or steps("text"), mappings=list(mappings),
        transformations=list(transformations),
        sortBy=[G.TableSortByField(displayName=sort_by, desc=sort_desc)] if sort_by else [],
        filterable=True, colorMode="thresholds",
        # options grafanalib leaves out that Grafana's table type requires
        extraJson={"fieldConfig": {"defaults": defaults}, "options": {"frameIndex": 0}},
    )  # fmt: skip


def state_timeline(
    title: str,
    targets: Sequence[PromTarget],
    *,
    description: str,
    mappings: Sequence[Any],
    w: int = 24,
    h: int = 8,
) -> G.StateTimeline:
    """A state timeline: one lane per series, coloured by the value mappings."""
    return G.StateTimeline(
        **_common(title, targets, description, w, h, ()), mappings=list(mappings),
        showValue="never", mergeValues=True, rowHeight=0.8, fillOpacity=80, lineWidth=0,
        extraJson={"options": {"legend": {"showLegend": True, "calcs": []},
                               "tooltip": {"sort": "none"}}},
    )  # fmt: skip


def text(title: str, markdown: str, *, description: str, w: int = 24, h: int = 4) -> G.Text:
    """A Markdown text panel."""
    return G.Text(
        title=title, content=markdown, description=description,
        gridPos=G.GridPos(h=h, w=w, x=0, y=0), maxDataPoints=None,
    )  # fmt: skip


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
    name: str,
    label: str,
    metrics: Sequence[str],
    *,
    matchers: str = "",
    multi: bool = True,
    default: str | None = None,
) -> G.Template:
    """A variable over the values of label ``name`` on ``metrics``: multi-value with "All",
    or (``multi=False``) exactly one value, ``default`` until the user picks another."""
    names = "|".join(metrics)
    query = f'label_values({{__name__=~"{names}"{"," + matchers if matchers else ""}}}, {name})'
    return G.Template(
        name=name,
        query=query,
        label=label,
        dataSource=PROMETHEUS,
        multi=multi,
        includeAll=multi,
        allValue=ALL_VALUE if multi else None,
        default=default,
        regex="",
        refresh=G.REFRESH_ON_TIME_RANGE_CHANGE,
        sort=G.SORT_ALPHA_ASC,
    )


def backend_variable() -> G.Template:
    """``$backend``: the backends of the workload's jobs and of the exporter."""
    return label_variable("backend", "Backend", [C.JOBS_TOTAL.name, C.BACKEND_UP.name])


def provider_variable() -> G.Template:
    """``$provider``: who runs the backends of the workload's jobs (``ibm``, ``aws``, ...)."""
    return label_variable("provider", "Provider", [C.JOBS_TOTAL.name])


def filter_variables(*, slo: bool = False) -> list[G.Template]:
    """The variables every dashboard has: data source, backend, provider and experiment;
    ``slo`` adds the SLO filter that alerts' dashboard links set (``var-slo``)."""
    variables = [
        datasource_variable(),
        backend_variable(),
        provider_variable(),
        label_variable("experiment", "Experiment", [C.EXPERIMENTS_TOTAL.name,
                                                    C.JOBS_TOTAL.name]),
    ]  # fmt: skip
    if slo:
        variables.insert(1, label_variable("slo", "SLO", [INFO_RECORD]))
    return variables


def panel_id(section: str | None, title: str, taken: set[int]) -> int:
    """A panel's id from its identity (section and title), not its position: removing an SLO
    or a panel leaves every other id, and so ``viewPanel`` links and bookmarks, unchanged. A
    hash collision moves to the next free id."""
    pid = zlib.crc32(f"{section or ''}\x00{title}".encode()) % ID_SPACE + 1
    while pid in taken:
        pid = pid % ID_SPACE + 1
    taken.add(pid)
    return pid


def longest_period(slos: Sequence[SLO]) -> str:
    """The default time range of period views: the catalog's longest SLO period, so "this
    period" totals cover what the SLOs are judged over."""
    longest = max((s.period for s in slos), default=timedelta(days=30))
    return f"now-{duration_str(longest)}"


def coverage_stat(*, w: int = 4, h: int = 4) -> G.Stat:
    """How much of the time range Prometheus holds data for: the SLO records' oldest sample
    (a young install, or retention shorter than the period, shows less than 100 %)."""
    # the SLO rules write a sample every evaluation from the first one on: their oldest
    # sample is when Prometheus started to hold the SLIs
    oldest = (f"min(min_over_time(timestamp({OBJECTIVE_RECORD}{{{X.SLO_VARIABLE}}})"
              f"[$__range:$__interval]))")  # fmt: skip
    expr = f"clamp_max((time() - {oldest}) / $__range_s, 1)"
    return stat(
        "Period with data", [q(expr, instant=True)], unit="percentunit", decimals=1, w=w, h=h,
        thresholds=steps("orange", (0.999, "green")), color_mode="background",
        description="Does Prometheus hold the whole time range? Below 100 % (a young "
                    "install, or a retention shorter than the SLO period) every \"over the "
                    "period\" number covers only this share of it.",
    )  # fmt: skip


def layout(sections: Sequence[Section]) -> list[Any]:
    """Place the panels on Grafana's 24-column grid: rows in order, panels flowing left to
    right and wrapping; each titled section starts with an (expanded) row. Ids come from
    :func:`panel_id`; a title twice in one section is an error."""
    placed: list[Any] = []
    taken: set[int] = set()
    seen: set[tuple[str | None, str]] = set()
    y = 0
    for title, panels in sections:
        if title is not None:
            placed.append(G.RowPanel(title=title, gridPos=G.GridPos(h=1, w=24, x=0, y=y),
                                     id=panel_id(None, f"row {title}", taken)))  # fmt: skip
            y += 1
        x, line_h = 0, 0
        for panel in panels:
            if (title, panel.title) in seen:
                raise ValueError(f"two panels {panel.title!r} in section {title!r}")
            seen.add((title, panel.title))
            w, h = panel.gridPos.w, panel.gridPos.h
            if x + w > 24:
                x, y, line_h = 0, y + line_h, 0
            placed.append(attr.evolve(panel, gridPos=G.GridPos(h=h, w=w, x=x, y=y),
                                      id=panel_id(title, panel.title, taken)))  # fmt: skip
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
    """A dashboard with the shared conventions: UTC, shared crosshair, stable panel ids, the
    :data:`TAG` and its dropdown of the others, read-only (it is regenerated from the
    catalog: an edit in Grafana would be lost)."""
    return G.Dashboard(
        uid=uid, title=title, description=description, tags=[TAG, *tags],
        time=G.Time(time_from, "now"), refresh=refresh, timezone="utc", editable=False,
        graphTooltip=G.GRAPH_TOOLTIP_MODE_SHARED_CROSSHAIR, links=[*nav_links(), *links],
        panels=layout(sections), templating=G.Templating(list(variables)),
        annotations=G.Annotations([BUILTIN_ANNOTATION, *annotations]),
    )  # fmt: skip
