"""The SLI kinds built into ``qobserve/v1``: from a few parameters to PromQL on the contract's
metrics.

Every metric name comes from :mod:`qobserve.contract`. Event kinds become an
:class:`~qobserve.slo.model.EventSLI` with ``bad`` and ``total`` rate templates, gauge kinds a
:class:`~qobserve.slo.model.TimeSliceSLI`.

Example::

    sli = build_sli("latency", {"threshold": 600, "selectors": {"backend_type": "qpu"}},
                    (), where)
    sli.render("total", "5m")
    # 'sum(rate(quantum_job_duration_seconds_count{backend_type=~"qpu"}[5m]))'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from qobserve import contract
from qobserve.contract import MetricSpec
from qobserve.slo.model import (
    SLI,
    WINDOW,
    EventSLI,
    SLIKind,
    TimeSliceSLI,
    duration_str,
    normalize_window,
)
from qobserve.slo.problems import Where, short
from qobserve.slo.promql import (
    LABEL_NAME,
    check_expr,
    check_regex,
    check_template,
    fmt_number,
    is_plain_selector,
    parse_duration,
)
from qobserve.slo.promql import quote as q


@dataclass(frozen=True)
class Kind:
    """A built-in SLI kind: the metrics it reads and the keys its ``sli:`` mapping takes."""

    metrics: tuple[MetricSpec, ...]
    keys: tuple[str, ...] = ()
    doc: str = ""

    @property
    def labels(self) -> tuple[str, ...]:
        """Contract labels usable in ``selectors`` and ``group_by``: those every metric of the
        kind has (target labels are usable too, see :data:`CONTRACT_LABELS`)."""
        common = [
            label
            for label in self.metrics[0].labels
            if all(label in m.labels for m in self.metrics[1:])
        ]
        return tuple(common)


_SEL = ("selectors",)
KINDS: dict[str, Kind] = {
    "job_success": Kind((contract.JOBS_TOTAL,), _SEL, "jobs whose outcome is success"),
    "latency": Kind((contract.JOB_DURATION,), (*_SEL, "threshold"),
                    "jobs whose submit-to-result time is at most the threshold"),
    "queue_wait": Kind((contract.JOB_QUEUE,), (*_SEL, "threshold"),
                       "jobs that waited in the queue at most the threshold"),
    "duplicates": Kind((contract.JOB_DUPLICATES_TOTAL, contract.JOBS_TOTAL), _SEL,
                       "submissions that are not a duplicate"),
    "divergence": Kind((contract.RESULT_CHECKS_TOTAL,), (*_SEL, "fidelity_threshold"),
                       "result checks that agree with their reference"),
    "coverage": Kind((contract.TELEMETRY_INCOMPLETE_TOTAL, contract.JOBS_TOTAL), (),
                     "jobs whose telemetry is complete"),
    "counter_ratio": Kind((), ("bad", "good", "total"), "ratio of two counters' rates"),
    "raw": Kind((), ("bad", "good", "total", "error_ratio"), "PromQL templates as written"),
    "freshness": Kind((contract.BACKEND_CALIBRATION_TIMESTAMP,), (*_SEL, "max_age", "slice"),
                      "minutes in which the calibration is younger than max_age"),
    "availability": Kind((contract.BACKEND_UP,), (*_SEL, "slice"),
                         "minutes in which the backend is operational"),
}  # fmt: skip

#: Default for ``divergence``'s ``fidelity_threshold`` (Hellinger fidelity).
DEFAULT_FIDELITY_THRESHOLD = 0.9
#: The longest slice a time-slice SLI may use: the 5m window must hold at least one.
MAX_SLICE = timedelta(minutes=5)


def build_sli(
    kind: str, spec: Mapping[str, Any], group_by: tuple[str, ...], where: Where
) -> SLI | None:
    """The SLI of ``kind`` described by ``spec`` (the ``sli:`` mapping without ``kind``), or
    None after recording every problem at ``where``."""
    if kind not in KINDS:
        where.at("kind").error(f"unknown SLI kind {kind!r} (expected one of: {', '.join(KINDS)})")
        return None
    info = KINDS[kind]
    where.check_keys(spec, ("kind", *info.keys))
    n_errors = len(where.problems.errors)
    params: dict[str, Any] = {}
    if "selectors" in info.keys:
        params["selectors"] = _selectors(spec, info, where)
    if info.metrics:
        for label in group_by:
            reason = _not_usable(label, info)
            if reason:
                where.error(f"group_by label {reason}")
    sli = _BUILDERS[kind](spec, params, group_by, where)
    return sli if len(where.problems.errors) == n_errors else None


def _selectors(spec: Mapping[str, Any], info: Kind, where: Where) -> dict[str, str]:
    raw = where.get(spec, "selectors", dict, default={})
    out: dict[str, str] = {}
    for label, regex in sorted(raw.items(), key=lambda kv: str(kv[0])):
        at = where.at("selectors").at(str(label))
        if not isinstance(label, str) or not LABEL_NAME.fullmatch(label):
            at.error("is not a valid Prometheus label name")
            continue
        reason = _not_usable(label, info)
        if reason:
            at.error(reason)
            continue
        if not isinstance(regex, str) or not regex:
            at.error("must be a non-empty regular expression string")
            continue
        reason = check_regex(regex)
        if reason:
            at.error(f"{short(regex)} {reason}")
            continue
        out[label] = regex
    return out


#: Labels of the contract's metrics. Any other label is a target label (``cluster``,
#: ``namespace``, ``team``, ``job``, ``instance``, or whatever a scrape config adds): every
#: series of a target carries it, so every kind may select and group by it.
CONTRACT_LABELS = frozenset(label for m in contract.ALL_METRICS for label in m.labels)


def _not_usable(label: str, info: Kind) -> str | None:
    """Why ``label`` cannot select or group ``info``'s series, or None: a contract label that
    some metric of the kind lacks (a target label is on every series)."""
    if label in info.labels or label not in CONTRACT_LABELS:
        return None
    own = f"labels: {', '.join(info.labels)}; " if info.labels else ""
    return (
        f"{label!r} is not a label of {info.metrics[0].name} "
        f"({own}target labels such as cluster or namespace are allowed)"
    )


def _matchers(params: Mapping[str, Any], *extra: str) -> str:
    sel = cast(dict[str, str], params.get("selectors", {}))
    return ",".join([f"{label}=~{q(regex)}" for label, regex in sel.items()] + list(extra))


def _sum(expr: str, group_by: tuple[str, ...]) -> str:
    return f"sum by ({', '.join(group_by)}) ({expr})" if group_by else f"sum({expr})"


def _series(metric: str, matchers: str) -> str:
    return f"{metric}{{{matchers}}}" if matchers else metric


def _rate(metric: str, matchers: str, group_by: tuple[str, ...]) -> str:
    return _sum(f"rate({_series(metric, matchers)}[{WINDOW}])", group_by)


def bad_from_good(good: str, total: str) -> str:
    """Bad events as ``total - good``; a missing ``good`` series (no success at all) counts as
    zero rather than making the difference vanish."""
    return f"({total})\n-\n(({good}) or (0 * ({total})))"


def _le_matcher(threshold: float) -> str:
    # prometheus_client writes le="600.0", the Go client le="600": accept both spellings.
    text = fmt_number(threshold)
    regex = re.escape(text) + ("(\\.0)?" if "." not in text and "e" not in text else "")
    return f"le=~{q(regex)}"


def _threshold(spec: Mapping[str, Any], metric: MetricSpec, where: Where) -> float | None:
    value = _seconds(spec, "threshold", where, required=True)
    if value is None:
        return None
    buckets = metric.buckets or ()
    if value not in buckets:
        below = [b for b in buckets if b < value][-1:]
        above = [b for b in buckets if b > value][:1]
        near = " or ".join(fmt_number(b) for b in below + above)
        where.at("threshold").error(
            f"{fmt_number(value)} s is not a bucket boundary of {metric.name}, so Prometheus "
            f"cannot count jobs under it; nearest boundaries: {near} s"
        )
        return None
    return value


def _seconds(
    spec: Mapping[str, Any], key: str, where: Where, *, required: bool = False
) -> float | None:
    raw = where.get(spec, key, (int, float, str), required=required)
    if raw is None:
        return None
    if isinstance(raw, str):
        try:
            return parse_duration(raw).total_seconds()
        except ValueError as err:
            where.at(key).error(str(err))
            return None
    if raw <= 0:
        where.at(key).error(f"must be positive, got {raw}")
        return None
    return float(raw)


def _histogram(kind: SLIKind, metric: MetricSpec):  # type: ignore[no-untyped-def]
    def build(
        spec: Mapping[str, Any], params: dict[str, Any], group_by: tuple[str, ...], where: Where
    ) -> SLI | None:
        threshold = _threshold(spec, metric, where)
        if threshold is None:
            return None
        params["threshold_seconds"] = threshold
        m = _matchers(params)
        total = _rate(f"{metric.name}_count", m, group_by)
        good = _rate(
            f"{metric.name}_bucket", ",".join(filter(None, [m, _le_matcher(threshold)])), group_by
        )
        # every bucket of a histogram child is exposed with its _count: no series to fill in
        return EventSLI(kind, bad=f"({total})\n-\n({good})", total=total, params=params)

    return build


def _job_success(
    spec: Mapping[str, Any],  # noqa: ARG001 - the builders' shared signature
    params: dict[str, Any],
    group_by: tuple[str, ...],
    where: Where,  # noqa: ARG001 - every SLI kind builder takes the same arguments
) -> SLI:
    return _split("job_success", contract.JOBS_TOTAL, 'outcome!="success"', params, group_by)


def _duplicates(
    spec: Mapping[str, Any],  # noqa: ARG001 - the builders' shared signature
    params: dict[str, Any],
    group_by: tuple[str, ...],
    where: Where,  # noqa: ARG001 - every SLI kind builder takes the same arguments
) -> SLI:
    m = _matchers(params)
    return EventSLI(
        "duplicates",
        params=params,
        bad=_rate(contract.JOB_DUPLICATES_TOTAL.name, m, group_by),
        total=_rate(contract.JOBS_TOTAL.name, m, group_by),
    )


def _divergence(
    spec: Mapping[str, Any], params: dict[str, Any], group_by: tuple[str, ...], where: Where
) -> SLI | None:
    threshold = where.get(spec, "fidelity_threshold", float, default=DEFAULT_FIDELITY_THRESHOLD)
    if not 0 < threshold <= 1:
        where.at("fidelity_threshold").error(f"must be in (0, 1], got {threshold}")
        return None
    params["fidelity_threshold"] = float(threshold)
    return _split("divergence", contract.RESULT_CHECKS_TOTAL, 'verdict="diverged"', params,
                  group_by)  # fmt: skip


def _split(
    kind: SLIKind,
    metric: MetricSpec,
    bad_matcher: str,
    params: dict[str, Any],
    group_by: tuple[str, ...],
) -> EventSLI:
    """One counter split by a label: total is every series, bad those matching ``bad_matcher``."""
    return EventSLI(kind, params=params, total=_rate(metric.name, _matchers(params), group_by),
                    bad=_rate(metric.name, _matchers(params, bad_matcher), group_by))  # fmt: skip


def _coverage(
    spec: Mapping[str, Any],  # noqa: ARG001 - the builders' shared signature
    params: dict[str, Any],
    group_by: tuple[str, ...],
    where: Where,  # noqa: ARG001 - every SLI kind builder takes the same arguments
) -> SLI:
    bad = _rate(contract.TELEMETRY_INCOMPLETE_TOTAL.name, "", group_by)
    jobs = _rate(contract.JOBS_TOTAL.name, "", group_by)
    # No incomplete series at all is the healthy case: count it as zero, not as "no data".
    return EventSLI(
        "coverage", params=params, bad=bad, total=f"({jobs})\n+\n(({bad}) or (0 * ({jobs})))"
    )


def _counter_ratio(
    spec: Mapping[str, Any], params: dict[str, Any], group_by: tuple[str, ...], where: Where
) -> SLI | None:
    exprs = _numerator_and_total(spec, where)
    if exprs is None:
        return None
    which, numerator, total_sel = exprs
    plain = True
    for key, sel in ((which, numerator), ("total", total_sel)):
        reason = check_expr(sel) if is_plain_selector(sel) else None
        if not is_plain_selector(sel) or reason:
            plain = False
            where.at(key).error(
                f"{short(sel)} {reason}"
                if reason
                else f"{short(sel)} must be a metric selector such as "
                'http_requests_total{code=~"5.."}'
            )
    if not plain:
        return None
    params[which], params["total"] = numerator, total_sel
    total = _sum(f"rate({total_sel}[{WINDOW}])", group_by)
    num = _sum(f"rate({numerator}[{WINDOW}])", group_by)
    bad = num if which == "bad" else bad_from_good(num, total)
    return EventSLI("counter_ratio", bad=bad, total=total, params=params)


def _raw(
    spec: Mapping[str, Any],
    params: dict[str, Any],  # noqa: ARG001 - the builders' shared signature
    group_by: tuple[str, ...],  # noqa: ARG001 - the builders' shared signature
    where: Where,
) -> SLI | None:
    if "error_ratio" in spec:
        if any(k in spec for k in ("bad", "good", "total")):
            where.error("give either error_ratio or bad/good with total, not both")
            return None
        ratio = where.get(spec, "error_ratio", str, required=True)
        return templates_sli("raw", where, error_ratio=(ratio, where.at("error_ratio")))
    exprs = _numerator_and_total(spec, where)
    if exprs is None:
        return None
    which, numerator, total = exprs
    return templates_sli(
        "raw", where, total=(total, where.at("total")), **{which: (numerator, where.at(which))}
    )


def templates_sli(
    kind: SLIKind,
    where: Where,  # noqa: ARG001 - every SLI kind builder takes the same arguments
    *,
    bad: tuple[str, Where] | None = None,
    good: tuple[str, Where] | None = None,
    total: tuple[str, Where] | None = None,
    error_ratio: tuple[str, Where] | None = None,
) -> EventSLI | None:
    """An event SLI from PromQL templates with ``{{.window}}`` (Sloth, OpenSLO, ``raw``), each
    given with the position to blame; None after recording the problems."""
    ok = True
    bad, good, total, error_ratio = (
        (normalize_window(p[0]), p[1]) if p is not None else None
        for p in (bad, good, total, error_ratio)
    )
    for pair in (bad, good, total, error_ratio):
        if pair is not None:
            reason = check_template(pair[0])
            if reason:
                pair[1].error(f"query {reason}")
                ok = False
    if not ok:
        return None
    if error_ratio is not None:
        return EventSLI(kind, error_ratio=error_ratio[0].strip())
    assert total is not None
    t = total[0].strip()
    if good is not None:
        g = good[0].strip()
        return EventSLI(kind, bad=bad_from_good(g, t), total=t, params={"good": g})
    assert bad is not None
    return EventSLI(kind, bad=bad[0].strip(), total=t)


def _numerator_and_total(spec: Mapping[str, Any], where: Where) -> tuple[str, str, str] | None:
    if ("bad" in spec) == ("good" in spec):
        where.error("give exactly one of bad or good, with total")
        return None
    which = "bad" if "bad" in spec else "good"
    numerator = where.get(spec, which, str, required=True)
    total = where.get(spec, "total", str, required=True)
    if numerator is None or total is None:
        return None
    return which, numerator.strip(), total.strip()


def _slice(spec: Mapping[str, Any], where: Where) -> str | None:
    raw = where.get(spec, "slice", str, default="1m")
    try:
        value = parse_duration(raw)
    except ValueError as err:
        where.at("slice").error(str(err))
        return None
    if value > MAX_SLICE or value.total_seconds() < 1:
        where.at("slice").error(f"must be between 1s and {duration_str(MAX_SLICE)}, got {raw}")
        return None
    return duration_str(value)


def _per_backend(params: Mapping[str, Any], metric: str, group_by: tuple[str, ...]) -> str:
    # One value per backend first (several exporters may report the same backend), then the
    # SLO's grouping: no grouping averages over backends, i.e. counts backend-slices.
    inner_by = ", ".join(dict.fromkeys(("backend", *group_by)))
    return f"max by ({inner_by}) ({_series(metric, _matchers(params))})"


def _avg(expr: str, group_by: tuple[str, ...]) -> str:
    return f"avg by ({', '.join(group_by)}) ({expr})" if group_by else f"avg({expr})"


def _availability(
    spec: Mapping[str, Any], params: dict[str, Any], group_by: tuple[str, ...], where: Where
) -> SLI | None:
    slice_ = _slice(spec, where)
    if slice_ is None:
        return None
    good = _avg(_per_backend(params, contract.BACKEND_UP.name, group_by), group_by)
    return TimeSliceSLI("availability", good=good, slice=slice_, params=params)


def _freshness(
    spec: Mapping[str, Any], params: dict[str, Any], group_by: tuple[str, ...], where: Where
) -> SLI | None:
    slice_ = _slice(spec, where)
    max_age = _seconds(spec, "max_age", where, required=True)
    if slice_ is None or max_age is None:
        return None
    params["max_age_seconds"] = max_age
    stamp = _per_backend(params, contract.BACKEND_CALIBRATION_TIMESTAMP.name, group_by)
    good = _avg(f"(time() - {stamp}) < bool {fmt_number(max_age)}", group_by)
    return TimeSliceSLI("freshness", good=good, slice=slice_, params=params)


_BUILDERS = {
    "job_success": _job_success,
    "latency": _histogram("latency", contract.JOB_DURATION),
    "queue_wait": _histogram("queue_wait", contract.JOB_QUEUE),
    "duplicates": _duplicates,
    "divergence": _divergence,
    "coverage": _coverage,
    "counter_ratio": _counter_ratio,
    "raw": _raw,
    "freshness": _freshness,
    "availability": _availability,
}
