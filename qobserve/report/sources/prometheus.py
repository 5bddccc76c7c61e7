"""The report's figures from a Prometheus server, at the week's end.

Event SLIs: each count over ``[a, b)`` is the SLO's own ``bad`` / ``total`` template (a rate)
rendered with the window's length and evaluated at ``b``, **multiplied by the window's
seconds**. Prometheus defines ``rate(v[d])`` as ``increase(v[d]) / d``, so this is exactly
``increase`` for any template shape (sums of rates, differences of histogram buckets,
recording rules), where rewriting ``rate`` to ``increase`` in the text would not be.

Time-slice SLIs (availability, freshness): ``sum_over_time`` and ``count_over_time`` of the
``(good)[d:slice]`` subquery at ``b`` count good and all slices, so the attainment is
``avg_over_time`` exactly, and counts are real slices. Raw error-ratio SLIs count seconds
instead: ``error_ratio * d`` bad seconds of ``d``.

Breakdowns (per backend, experiment, error type) rewrite the template's outer ``sum`` into
``sum by (label)`` through the PromQL parser; templates of another shape get no breakdown.

Counting semantics differ from the store only at the edges: Prometheus counts a counter's
increase over ``[a, b]`` from the samples it has, so a job finishing exactly at ``a`` and a
series born mid-window (its first increment is its first sample) can count differently.

Example::

    report = report_from_prometheus("http://127.0.0.1:9090", slos, window)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import promql_parser

from qobserve.exceptions import InputError
from qobserve.promapi import PrometheusAPI, PrometheusAuth, PrometheusError
from qobserve.redact import redact
from qobserve.report.model import Breakdown, Counts, Report, SLOResult
from qobserve.report.period import Window
from qobserve.report.sli import base_result
from qobserve.slo.model import SLO, EventSLI, TimeSliceSLI, duration_str


def promql_range(seconds: float) -> str:
    """A PromQL duration for ``seconds`` (whole seconds: windows start on whole minutes)."""
    return duration_str(timedelta(seconds=round(seconds)))


def tidy(x: float) -> float:
    """``x`` rounded to a whole number when float error is all that separates them: a rate
    times the window's seconds gives 183.99999999999997 for 184 jobs."""
    r = round(x) if math.isfinite(x) else x
    return float(r) if abs(x - r) <= 1e-9 * max(1.0, abs(x)) else x


def retention_notes(api: PrometheusAPI, slos: Sequence[SLO]) -> list[str]:
    """Warnings for SLO periods longer than the server keeps data; none when the server
    does not tell (Thanos and Mimir have no flags endpoint)."""
    from qobserve.retention import retention_warnings

    try:
        return retention_warnings(api, slos)
    except PrometheusError:
        return []


def display_url(url: str) -> str:
    """``url`` fit for a report or an error message: no password, no token-looking query."""
    return redact(url)


class Querier:
    """Instant queries at given instants; errors become :class:`InputError` naming the URL
    (unreachable server) or the SLO field (a template Prometheus rejects)."""

    def __init__(self, url: str, auth: PrometheusAuth | None = None) -> None:
        self.api = PrometheusAPI(url, auth=auth)
        self.url = display_url(url)

    def vector(
        self, expr: str, at: datetime, where: tuple[str, str] | None = None
    ) -> list[tuple[dict[str, str], float]]:
        try:
            result = self.api.query(expr, at)
        except PrometheusError as err:
            # promapi puts the URL in its messages: show it without credentials
            text = redact(str(err).replace(self.api.url, self.url))
            if where and ("bad_data" in text or "parse error" in text):
                raise InputError(
                    f"Prometheus rejected {expr!r}: {text}", path=where[0] or None, field=where[1]
                ) from None
            raise InputError(f"query failed: {text}", path=self.url) from None
        return [(s["metric"], tidy(float(s["value"][1]))) for s in result]

    def scalar(self, expr: str, at: datetime, where: tuple[str, str] | None = None) -> float:
        """The single value of ``expr``, 0 when it returns nothing (no traffic)."""
        values = [v for _, v in self.vector(expr, at, where) if v == v]  # drop NaN
        return sum(values)


def group_by(template: str, label: str) -> str | None:
    """``template`` with its outer ``sum(...)`` aggregations grouped by ``label``, or None
    when its shape is not a sum (or arithmetic between sums) that can be grouped safely."""
    try:
        expr = promql_parser.parse(template)
    except (ValueError, RuntimeError):
        return None
    return _group(expr, label)


def _group(e: Any, label: str) -> str | None:
    if isinstance(e, promql_parser.ParenExpr):
        inner = _group(e.expr, label)
        return None if inner is None else f"({inner})"
    if isinstance(e, promql_parser.AggregateExpr):
        if str(e.op) != "sum" or e.modifier is not None or e.param is not None:
            return None
        return f"sum by ({label}) ({e.expr.prettify()})"
    if isinstance(e, promql_parser.BinaryExpr):
        m = e.modifier  # set operators carry one with no matching: that is fine
        if (m is not None and (m.matching is not None or m.return_bool)) or str(e.op) not in (
            "+",
            "-",
            "*",
            "/",
            "or",
        ):
            return None
        lhs, rhs = _group(e.lhs, label), _group(e.rhs, label)
        if lhs is None or rhs is None:
            return None
        return f"({lhs}) {e.op} ({rhs})"
    if isinstance(e, promql_parser.NumberLiteral):
        return e.prettify()
    return None


def slo_from_prometheus(q: Querier, slo: SLO, window: Window, previous: Window) -> SLOResult:
    """One SLO's figures for ``window`` from Prometheus."""
    result = base_result(slo)
    where = slo.source, f"{slo.location or slo.name}.sli"
    sli = slo.sli
    counts: Callable[[datetime, datetime], Counts]
    data: Callable[[str], str]  # the expression that has a value while the SLI has data
    if isinstance(sli, TimeSliceSLI):
        result.time_slices = True
        counts, data = _slices(q, sli, where), lambda _: sli.good
    elif sli.bad and sli.total:
        counts, data = _events(q, sli, where), lambda d: sli.render("total", d)
    elif sli.error_ratio:
        result.time_slices = True
        counts, data = _error_ratio(q, sli, where), lambda d: sli.render("error_ratio", d)
    else:
        result.available, result.note = False, "the SLI has neither bad/total nor error_ratio"
        return result
    result.fill(counts, window, previous)
    result.period_data_from = _data_from(q, data, slo.period, window.end, where)
    if isinstance(sli, EventSLI) and sli.bad and sli.total:
        _breakdowns(q, sli, result, window, where)
    return result


def _data_from(
    q: Querier, data: Callable[[str], str], period: timedelta, end: datetime, where: Any
) -> datetime | None:
    """The first instant of the period ending at ``end`` at which ``data`` has a value, to
    the subquery's step (about 1/672 of the period: an hour of a 28-day period)."""
    step = promql_range(max(300, int(period.total_seconds() / 672) // 60 * 60))
    span = promql_range(period.total_seconds())
    expr = f"min(min_over_time(timestamp(({data(step)}))[{span}:{step}]))"
    values = [v for _, v in q.vector(expr, end, where) if math.isfinite(v)]
    return datetime.fromtimestamp(min(values), UTC) if values else None


def _events(
    q: Querier, sli: EventSLI, where: tuple[str, str]
) -> Callable[[datetime, datetime], Counts]:
    def counts(a: datetime, b: datetime) -> Counts:
        secs = (b - a).total_seconds()
        d = promql_range(secs)
        bad = q.scalar(f"({sli.render('bad', d)}) * {secs:g}", b, (where[0], where[1] + ".bad"))
        total = q.scalar(
            f"({sli.render('total', d)}) * {secs:g}", b, (where[0], where[1] + ".total")
        )
        # increase() extrapolates to the window's edges; the events it counts are whole
        bad, total = float(round(bad)), float(round(total))
        return Counts(max(total - bad, 0.0), bad)

    return counts


def _slices(
    q: Querier, sli: TimeSliceSLI, where: tuple[str, str]
) -> Callable[[datetime, datetime], Counts]:
    def counts(a: datetime, b: datetime) -> Counts:
        sub = f"(({sli.good}))[{promql_range((b - a).total_seconds())}:{sli.slice}]"
        w = (where[0], where[1] + ".good")
        # slices Prometheus evaluated (2.x ranges include both ends: 169 h of 5 min is 2029)
        total = q.scalar(f"sum(count_over_time({sub}))", b, w)
        good = q.scalar(f"sum(sum_over_time({sub}))", b, w)
        return Counts(good, max(total - good, 0.0))

    return counts


def _error_ratio(
    q: Querier, sli: EventSLI, where: tuple[str, str]
) -> Callable[[datetime, datetime], Counts]:
    def counts(a: datetime, b: datetime) -> Counts:
        secs = (b - a).total_seconds()
        values = q.vector(
            sli.render("error_ratio", promql_range(secs)), b, (where[0], where[1] + ".error_ratio")
        )
        if not values:
            return Counts()
        e = values[0][1]
        return Counts((1 - e) * secs, e * secs)

    return counts


def _breakdowns(
    q: Querier, sli: EventSLI, result: SLOResult, window: Window, where: tuple[str, str]
) -> None:
    secs = window.seconds
    d = promql_range(secs)

    def grouped(which: str, label: str) -> dict[str, float] | None:
        expr = group_by(sli.render(which, d), label)  # type: ignore[arg-type]
        if expr is None:
            return None
        out: dict[str, float] = {}
        for metric, v in q.vector(f"({expr}) * {secs:g}", window.end, where):
            if v == v:
                out[metric.get(label, "")] = out.get(metric.get(label, ""), 0.0) + v
        return {k: float(round(v)) for k, v in out.items()}  # whole events, as in _events

    for label, attr in (("backend", "backends"), ("experiment", "experiments")):
        bad, total = grouped("bad", label), grouped("total", label)
        if bad is None or total is None or set(total) == {""}:
            continue
        rows = [
            Breakdown(
                name or "(unknown)", Counts(max(t - bad.get(name, 0.0), 0.0), bad.get(name, 0.0))
            )
            for name, t in total.items()
            if t > 0
        ]
        setattr(result, attr, sorted(rows, key=lambda b: (-b.counts.total, b.name)))
    errors = grouped("bad", "error_type")
    if errors and set(errors) != {""}:
        result.error_types = sorted(
            ((k or "(unknown)", v) for k, v in errors.items() if v > 0), key=lambda x: -x[1]
        )


def report_from_prometheus(
    url: str,
    slos: Sequence[SLO],
    window: Window,
    *,
    now: datetime | None = None,
    auth: PrometheusAuth | None = None,
) -> Report:
    """The report for ``window`` from the Prometheus server at ``url`` (reached with
    ``auth``: basic auth, bearer token, headers, TLS)."""
    from qobserve.report.build import coverage_notes, divergence_threshold
    from qobserve.report.prometheus_ops import prometheus_operations

    q = Querier(url, auth)
    q.vector("vector(1)", window.end)  # fail early and clearly when unreachable
    previous = window.previous()
    results = [slo_from_prometheus(q, s, window, previous) for s in slos]
    notes = [
        f"{r.name}: no events in its period; nothing to measure."
        for r in results
        if r.available and r.period_counts.total == 0
    ]
    notes += coverage_notes(results, window)
    notes += retention_notes(q.api, slos)
    now = now or datetime.now(UTC)
    ops = prometheus_operations(q, window, previous, divergence_threshold(slos), now)
    return Report(window, previous, now, f"Prometheus {q.url}", results, ops, notes)
