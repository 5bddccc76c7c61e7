"""Parser of OpenSLO ``kind: SLO`` documents (``openslo/v1``, and ``openslo/v1alpha`` as Sloth
reads it) whose indicator is a ratio of Prometheus queries.

Queries may carry Sloth's ``{{.window}}`` placeholder; a query that is a plain metric selector
of a counter is turned into ``sum(rate(<selector>[{{.window}}]))``. Budgeting methods:
``Occurrences`` gives an event SLI; ``Timeslices`` a time-slice SLI whose slice is good when
``good / total >= timeSliceTarget``; ``RatioTimeslices`` a time-slice SLI averaging the slices'
ratios. One SLO document with several objectives gives one SLO per objective, named
``<name>-<index>``.

Example::

    apiVersion: openslo/v1
    kind: SLO
    metadata: {name: api-availability}
    spec:
      service: api
      budgetingMethod: Occurrences
      timeWindow: [{duration: 28d, isRolling: true}]
      indicator:
        metadata: {name: api-ok}
        spec:
          ratioMetric:
            counter: true
            good:
              metricSource:
                type: Prometheus
                spec: {query: 'http_requests_total{code!~"5.."}'}
            total: {metricSource: {type: Prometheus, spec: {query: http_requests_total}}}
      objectives: [{displayName: ok, target: 0.999}]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from qobserve.slo.kinds import MAX_SLICE, templates_sli
from qobserve.slo.model import SLI, SLO, WINDOW, TimeSliceSLI, duration_str, render
from qobserve.slo.problems import Where
from qobserve.slo.promql import check_template, fmt_number, is_plain_selector, parse_duration
from qobserve.slo.qobserve_v1 import check_period

FORMAT = "openslo/v1"
API_VERSIONS = ("openslo/v1", "openslo/v1alpha")
_BUDGETING = ("Occurrences", "Timeslices", "RatioTimeslices")
_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}


@dataclass
class Refs:
    """OpenSLO documents an SLO may refer to by name: ``kind: SLI`` and ``kind: DataSource``."""

    slis: dict[str, tuple[Mapping[str, Any], Where]] = field(default_factory=dict)
    datasources: dict[str, tuple[Mapping[str, Any], Where]] = field(default_factory=dict)

    def add(self, doc: Mapping[str, Any], where: Where) -> None:
        """Remember ``doc`` when it is an SLI or DataSource with a name."""
        meta = doc.get("metadata")
        name = meta.get("name") if isinstance(meta, dict) else None
        table = {"SLI": self.slis, "DataSource": self.datasources}.get(str(doc.get("kind")))
        if table is not None and isinstance(name, str):
            table[name] = (doc, where)


def parse(doc: Mapping[str, Any], where: Where, refs: Refs) -> list[SLO]:
    """The SLOs of one OpenSLO ``kind: SLO`` document."""
    meta = where.at("metadata").mapping(doc.get("metadata"))
    spec = where.at("spec").mapping(doc.get("spec"))
    if meta is None or spec is None:
        return []
    name = where.at("metadata").get(meta, "name", str, required=True)
    if name is None:
        return []
    where = where.named(name)
    sp = where.at("spec")
    alpha = doc.get("apiVersion") == "openslo/v1alpha"
    n_errors = len(where.problems.errors)
    slo_period = _period_alpha(spec, sp) if alpha else _period(spec, sp)
    method = sp.get(spec, "budgetingMethod", str, default="Occurrences")
    if method not in _BUDGETING:
        sp.at("budgetingMethod").error(f"must be one of {', '.join(_BUDGETING)}, got {method!r}")
    objectives = sp.get(spec, "objectives", list, required=True, default=[])
    if "objectives" in spec and not objectives:
        sp.at("objectives").error("has no objective")
    ratio = None if alpha else _indicator(spec, sp, refs)
    out = []
    for i, raw in enumerate(objectives):
        at = sp.at("objectives").at(i)
        obj = at.mapping(raw)
        if obj is None:
            continue
        if alpha:
            ratio = _ratio_alpha(obj, at)
        target = _target(obj, at)
        sli = _sli(method, ratio, obj, at) if ratio is not None else None
        if len(where.problems.errors) > n_errors or target is None or sli is None:
            continue
        assert slo_period is not None
        slo_name = name if len(objectives) == 1 else f"{name}-{i}"
        out.append(
            SLO(
                name=slo_name,
                service=sp.get(spec, "service", str, default=name),
                objective=target,
                period=slo_period,
                sli=sli,
                description=sp.get(spec, "description", str, default=""),
                source=where.path,
                location=at.field,
                format=FORMAT,
            )
        )
    return out


def _period(spec: Mapping[str, Any], where: Where) -> timedelta | None:
    windows = where.get(spec, "timeWindow", list, required=True, default=[])
    if len(windows) != 1:
        if "timeWindow" in spec:
            where.at("timeWindow").error("must hold exactly one time window")
        return None
    at = where.at("timeWindow").at(0)
    window = at.mapping(windows[0])
    if window is None:
        return None
    duration = at.get(window, "duration", str, required=True)
    if window.get("isRolling") is False or "calendar" in window:
        at.warn(
            "calendar-aligned window: Prometheus rules use it as a rolling window of the "
            "same length (the weekly report follows calendar weeks)"
        )
    if duration is None:
        return None
    try:
        return check_period(parse_duration(duration), at.at("duration"))
    except ValueError as err:
        at.at("duration").error(str(err))
        return None


def _period_alpha(spec: Mapping[str, Any], where: Where) -> timedelta | None:
    windows = where.get(spec, "timeWindows", list, required=True, default=[])
    if len(windows) != 1 or not isinstance(windows[0], dict):
        where.at("timeWindows").error("must hold exactly one time window")
        return None
    at = where.at("timeWindows").at(0)
    count = at.get(windows[0], "count", int, required=True)
    unit = at.get(windows[0], "unit", str, required=True)
    if count is None or unit is None:
        return None
    seconds = _UNITS.get(unit.lower())
    if seconds is None or count <= 0:
        at.error(
            f"{count} {unit} is not a fixed positive duration "
            f"(units: {', '.join(u.title() for u in _UNITS)})"
        )
        return None
    return check_period(timedelta(seconds=count * seconds), at)


def _target(obj: Mapping[str, Any], where: Where) -> float | None:
    if "target" in obj:
        value = where.get(obj, "target", float)
        scale = 1.0
    elif "targetPercent" in obj:
        value = where.get(obj, "targetPercent", float)
        scale = 100.0
    else:
        where.at("target").error("is required (or targetPercent)")
        return None
    if value is None:
        return None
    if not 0 < value / scale < 1:
        key = "target" if scale == 1 else "targetPercent"
        where.at(key).error(f"must be strictly between 0 and {scale:g}, got {value}")
        return None
    return float(value) / scale


def _indicator(spec: Mapping[str, Any], where: Where, refs: Refs) -> tuple[str, str, str] | None:
    if "indicator" in spec:
        ind = where.at("indicator").mapping(spec["indicator"])
        at = where.at("indicator")
    elif "indicatorRef" in spec:
        ref = where.get(spec, "indicatorRef", str)
        found = refs.slis.get(ref) if ref is not None else None
        if found is None:
            where.at("indicatorRef").error(f"no OpenSLO SLI named {ref!r} in the given files")
            return None
        ind, at = dict(found[0]), found[1]
    else:
        where.at("indicator").error("is required (or indicatorRef)")
        return None
    if ind is None:
        return None
    ind_spec = at.at("spec").mapping(ind.get("spec"))
    if ind_spec is None:
        return None
    at = at.at("spec")
    if "thresholdMetric" in ind_spec:
        at.at("thresholdMetric").error(
            "thresholdMetric is not supported: Prometheus counts "
            "events, use a ratioMetric of good (or bad) and total"
        )
        return None
    ratio = at.get(ind_spec, "ratioMetric", dict, required=True)
    if ratio is None:
        return None
    return _ratio(ratio, at.at("ratioMetric"), refs)


def _ratio(ratio: Mapping[str, Any], where: Where, refs: Refs) -> tuple[str, str, str] | None:
    if "raw" in ratio or "rawType" in ratio:
        where.at("raw").error("raw ratio metrics are not supported: give good (or bad) and total")
        return None
    counter = where.get(ratio, "counter", bool, default=True)
    if ("good" in ratio) == ("bad" in ratio):
        where.error("needs exactly one of good or bad, with total")
        return None
    which = "good" if "good" in ratio else "bad"
    queries = []
    for key in (which, "total"):
        if key not in ratio:
            where.at(key).error("is required")
            continue
        part = where.at(key).mapping(ratio[key])
        if part is not None:
            queries.append(_metric_source(part, where.at(key), refs, counter=counter))
    if len(queries) != 2 or queries[0] is None or queries[1] is None:
        return None
    return which, queries[0], queries[1]


def _metric_source(
    part: Mapping[str, Any], where: Where, refs: Refs, *, counter: bool
) -> str | None:
    source = where.get(part, "metricSource", dict, required=True)
    if source is None:
        return None
    at = where.at("metricSource")
    kind = source.get("type")
    ref = source.get("metricSourceRef")
    if ref is not None and ref in refs.datasources:
        ds = refs.datasources[ref][0].get("spec")
        kind = kind or (ds.get("type") if isinstance(ds, dict) else None)
    if str(kind).lower() != "prometheus":
        at.at("type").error(f"{kind!r} is not supported: qobserve reads Prometheus queries")
        return None
    spec = at.get(source, "spec", dict, required=True)
    if spec is None:
        return None
    key = "query" if "query" in spec else "promql"
    query = at.at("spec").get(spec, key, str, required=True)
    return _query(query, at.at("spec").at(key), counter=counter) if query else None


def _ratio_alpha(obj: Mapping[str, Any], where: Where) -> tuple[str, str, str] | None:
    ratio = where.get(obj, "ratioMetrics", dict, required=True)
    if ratio is None:
        return None
    at = where.at("ratioMetrics")
    which = "good" if "good" in ratio else "bad"
    queries = []
    for key in (which, "total"):
        part = at.get(ratio, key, dict, required=True)
        if part is None:
            return None
        if str(part.get("source", "prometheus")).lower() != "prometheus":
            at.at(key).at("source").error(
                f"{part.get('source')!r} is not supported: qobserve reads Prometheus queries"
            )
            return None
        query = at.at(key).get(part, "query", str, required=True)
        if query is None:
            return None
        q = _query(query, at.at(key).at("query"), counter=True)
        if q is None:
            return None
        queries.append(q)
    return which, queries[0], queries[1]


def _query(query: str, where: Where, *, counter: bool) -> str | None:
    query = query.strip()
    if WINDOW in query:
        return query
    if counter and is_plain_selector(query):
        return f"sum(rate({query}[{WINDOW}]))"
    if counter:
        where.error(
            f"must use the {WINDOW} placeholder (e.g. sum(rate(x[{WINDOW}]))) or be a "
            "plain selector of a counter"
        )
    else:
        where.error(f"a gauge (counter: false) query must use the {WINDOW} placeholder")
    return None


def _sli(  # noqa: C901 - one branch per OpenSLO metric form
    method: str, ratio: tuple[str, str, str], obj: Mapping[str, Any], where: Where
) -> SLI | None:
    which, numerator, total = ratio
    if "indicator" in obj or "indicatorRef" in obj:
        where.error("per-objective indicators (composite SLOs) are not supported")
        return None
    if "op" in obj or "value" in obj:
        where.warn("op/value apply to thresholdMetric only; ignored for a ratioMetric")
    if method == "Occurrences":
        pair = (numerator, where)
        if which == "good":
            return templates_sli("raw", where, good=pair, total=(total, where))
        return templates_sli("raw", where, bad=pair, total=(total, where))
    raw_slice = where.get(obj, "timeSliceWindow", (str, int), required=True)
    if raw_slice is None:
        return None
    try:
        slice_ = (
            parse_duration(raw_slice)
            if isinstance(raw_slice, str)
            else timedelta(seconds=raw_slice)
        )
    except ValueError as err:
        where.at("timeSliceWindow").error(str(err))
        return None
    if not timedelta(seconds=1) <= slice_ <= MAX_SLICE:
        where.at("timeSliceWindow").error(
            f"must be between 1s and {duration_str(MAX_SLICE)}, got {raw_slice}"
        )
        return None
    step = duration_str(slice_)
    for text in (numerator, total):
        reason = check_template(text)
        if reason:
            where.error(f"query {reason}")
            return None
    num, tot = render(numerator, step), render(total, step)
    # Slices without traffic have no ratio (not a bad one): the division filters them out.
    ratio_expr = f"(({num}) or (0 * ({tot})))\n/\n(({tot}) > 0)"
    if which == "bad":
        ratio_expr = f"1 - ({ratio_expr})"
    if method == "Timeslices":
        target = where.get(obj, "timeSliceTarget", float, required=True)
        if target is None:
            return None
        if not 0 < target <= 1:
            where.at("timeSliceTarget").error(f"must be in (0, 1], got {target}")
            return None
        ratio_expr = f"({ratio_expr}) >= bool {fmt_number(target)}"
    return TimeSliceSLI("raw", good=ratio_expr, slice=step)
