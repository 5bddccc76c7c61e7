"""Parser of Pyrra's ``ServiceLevelObjective`` CRD (``pyrra.dev/v1alpha1``).

Indicators: ``ratio`` (errors and total counters), ``latency`` (a histogram bucket ``le`` and its
count), ``latencyNative`` (a native histogram and a latency), ``bool_gauge`` (a 0/1 gauge, one
time slice per minute). ``grouping`` labels become the SLO's ``group_by``. The SLO is named by
``metadata.name``; ``spec.target`` is a percentage (Pyrra writes it as a string), ``spec.window``
the period.

Example::

    apiVersion: pyrra.dev/v1alpha1
    kind: ServiceLevelObjective
    metadata: {name: api-errors, namespace: monitoring}
    spec:
      target: "99.5"
      window: 4w
      indicator:
        ratio:
          errors: {metric: 'http_requests_total{job="api",code=~"5.."}'}
          total: {metric: 'http_requests_total{job="api"}'}
          grouping: [route]
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from qobserve.slo.kinds import bad_from_good
from qobserve.slo.model import SLI, SLO, WINDOW, AlertSpec, EventSLI, TimeSliceSLI
from qobserve.slo.problems import Where, short
from qobserve.slo.promql import check_expr, fmt_number, is_plain_selector
from qobserve.slo.qobserve_v1 import DEFAULT_ALERT_NAME, objective_ratio, period

FORMAT = "pyrra/v1alpha1"
API_VERSION = "pyrra.dev/v1alpha1"
KIND = "ServiceLevelObjective"
INDICATORS = ("ratio", "latency", "latencyNative", "bool_gauge")
#: Pyrra's own alert name.
PYRRA_ALERT_NAME = "ErrorBudgetBurn"


def parse(doc: Mapping[str, Any], where: Where) -> list[SLO]:
    """The SLO of one Pyrra ``ServiceLevelObjective``."""
    where.check_keys(doc, ("apiVersion", "kind", "metadata", "spec", "status"))
    meta = where.at("metadata").mapping(doc.get("metadata"))
    spec = where.at("spec").mapping(doc.get("spec"))
    if meta is None or spec is None:
        return []
    name = where.at("metadata").get(meta, "name", str, required=True)
    if name is None:
        return []
    where = where.named(name)
    sp = where.at("spec")
    n_errors = len(where.problems.errors)
    sp.check_keys(spec, ("target", "window", "description", "indicator", "alerting",
                         "serviceLevelObjectiveLabels"))  # fmt: skip
    target = spec.get("target")
    if isinstance(target, str):  # Pyrra writes the percentage as a string
        with contextlib.suppress(ValueError):
            target = float(target)
    objective = objective_ratio(target, sp.at("target"))
    slo_period = period(spec.get("window", "28d"), sp.at("window"))
    sli, group_by = _indicator(spec, sp)
    page, ticket = _alerting(spec, sp)
    if len(where.problems.errors) > n_errors or None in (objective, slo_period, sli):
        return []
    assert objective is not None and slo_period is not None and sli is not None
    namespace = meta.get("namespace")
    return [
        SLO(
            name=name,
            service=namespace if isinstance(namespace, str) and namespace else name,
            objective=objective,
            period=slo_period,
            sli=sli,
            description=sp.get(spec, "description", str, default=""),
            page_alert=page,
            ticket_alert=ticket,
            group_by=group_by,
            source=where.path,
            location=where.field,
            format=FORMAT,
        )
    ]


def _alerting(spec: Mapping[str, Any], where: Where) -> tuple[AlertSpec, AlertSpec]:
    raw = where.get(spec, "alerting", dict, default={})
    at = where.at("alerting")
    at.check_keys(raw, ("disabled", "name", "burnrates", "absent"))
    name = at.get(raw, "name", str, default=PYRRA_ALERT_NAME) or DEFAULT_ALERT_NAME
    off = bool(at.get(raw, "disabled", bool, default=False)) or not at.get(
        raw, "burnrates", bool, default=True
    )
    return AlertSpec(name=name, disabled=off), AlertSpec(name=name, disabled=off)


def _indicator(spec: Mapping[str, Any], where: Where) -> tuple[SLI | None, tuple[str, ...]]:  # noqa: C901 - one branch per Pyrra indicator type
    ind = where.get(spec, "indicator", dict, required=True)
    if ind is None:
        return None, ()
    at = where.at("indicator")
    for key in ind:
        if key not in INDICATORS:
            at.at(str(key)).error(
                f"unsupported Pyrra indicator (supported: {', '.join(INDICATORS)})"
            )
    kinds = [k for k in INDICATORS if k in ind]
    if len(kinds) != 1:
        if not any(k not in INDICATORS for k in ind):
            at.error(f"needs exactly one of {', '.join(INDICATORS)}")
        return None, ()
    kind = kinds[0]
    body = at.get(ind, kind, dict, required=True)
    if body is None:
        return None, ()
    here = at.at(kind)
    keys = {"ratio": ("errors", "total", "grouping"), "latency": ("success", "total", "grouping"),
            "latencyNative": ("latency", "total", "grouping"),
            "bool_gauge": ("metric", "grouping")}[kind]  # fmt: skip
    here.check_keys(body, keys)
    group_by = _grouping(body, here)
    by = f" by ({', '.join(group_by)})" if group_by else ""
    if kind == "bool_gauge":
        metric = _selector(body, "metric", here)
        if metric is None:
            return None, group_by
        return TimeSliceSLI("raw", good=f"avg{by} ({metric})", slice="1m"), group_by
    total = _metric(body, "total", here)
    if kind == "latencyNative":
        latency = here.get(body, "latency", str, required=True)
        seconds = _seconds(latency, here.at("latency")) if latency is not None else None
        if total is None or seconds is None:
            return None, group_by
        rate = f"rate({total}[{WINDOW}])"
        count = f"sum{by} (histogram_count({rate}))"
        fraction = f"histogram_fraction(0, {fmt_number(seconds)}, {rate})"
        good = f"sum{by} ({fraction} * histogram_count({rate}))"
        return EventSLI("raw", bad=bad_from_good(good, count), total=count,
                        params={"good": good}), group_by  # fmt: skip
    numerator = _metric(body, "errors" if kind == "ratio" else "success", here)
    if total is None or numerator is None:
        return None, group_by
    total_q = f"sum{by} (rate({total}[{WINDOW}]))"
    num_q = f"sum{by} (rate({numerator}[{WINDOW}]))"
    if kind == "ratio":
        return EventSLI("raw", bad=num_q, total=total_q), group_by
    return EventSLI("raw", bad=bad_from_good(num_q, total_q), total=total_q,
                    params={"good": num_q}), group_by  # fmt: skip


def _grouping(body: Mapping[str, Any], where: Where) -> tuple[str, ...]:
    raw = where.get(body, "grouping", list, default=[])
    out = []
    for i, label in enumerate(raw):
        if not isinstance(label, str):
            where.at("grouping").at(i).error("must be a label name")
        else:
            out.append(label)
    return tuple(out)


def _metric(body: Mapping[str, Any], key: str, where: Where) -> str | None:
    part = where.get(body, key, dict, required=True)
    if part is None:
        return None
    where.at(key).check_keys(part, ("metric",))
    return _selector(part, "metric", where.at(key))


def _selector(part: Mapping[str, Any], key: str, where: Where) -> str | None:
    metric = where.get(part, key, str, required=True)
    if metric is None:
        return None
    text = str(metric).strip()
    reason = check_expr(text) if is_plain_selector(text) else "must be a metric selector"
    if reason:
        where.at(key).error(f"{short(text)} {reason}")
        return None
    return text


def _seconds(text: str, where: Where) -> float | None:
    from qobserve.slo.promql import parse_duration

    try:
        return parse_duration(text).total_seconds()
    except ValueError as err:
        where.error(str(err))
        return None
