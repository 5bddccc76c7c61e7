"""The operations section from Prometheus: the same tables as from events, plus calibration
freshness, observability coverage and the alerts that fired (``ALERTS``).

Counts are ``increase`` over the week evaluated at its end; percentiles are
``histogram_quantile`` estimates from the contract's buckets (events give exact ones).

Example::

    ops = prometheus_operations(Querier(url), window, previous, divergence_threshold=0.9)
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from qobserve import contract as C
from qobserve.promapi import PrometheusError
from qobserve.report.model import DailyOps, Operations, Table
from qobserve.report.period import Window
from qobserve.report.sources.prometheus import Querier, promql_range
from qobserve.report.tables import UNKNOWN_PROVIDER, make

#: seconds without an ``ALERTS`` sample that end a firing episode (Prometheus's lookback)
EPISODE_GAP = 300


def _inc(metric: str, d: str, by: str, matchers: str = "") -> str:
    sel = f"{metric}{{{matchers}}}" if matchers else metric
    return f"sum by ({by}) (increase({sel}[{d}]))" if by else f"sum(increase({sel}[{d}]))"


def _quantile(q: float, metric: str, d: str, by: str) -> str:
    group = f"{by}, le" if by else "le"
    return f"histogram_quantile({q}, sum by ({group}) (rate({metric}_bucket[{d}])))"


class _Span:
    """Queries over ``seconds`` before ``at``, as ``{label value: number}``."""

    def __init__(self, q: Querier, at: datetime, seconds: float) -> None:
        self.q, self.at, self.d = q, at, promql_range(seconds)

    def by(self, expr: str, label: str) -> dict[str, float]:
        out: dict[str, float] = {}
        for metric, v in self.q.vector(expr, self.at):
            if not math.isnan(v):
                out[metric.get(label, "")] = v
        return out


def prometheus_operations(
    q: Querier, window: Window, previous: Window, divergence_threshold: float | None = None
) -> Operations:
    """Operations tables for ``window`` from Prometheus."""
    w, p = _Span(q, window.end, window.seconds), _Span(q, previous.end, previous.seconds)
    ops = Operations()
    ops.tables += [
        _volume(w, p),
        _providers(w),
        _backends(w),
        _error_types(w),
        _cost(w),
        _divergence(w, divergence_threshold),
        _duplicates(w),
        _calibration(w),
        _coverage(w),
        _alerts(q, window),
    ]
    ops.daily = _daily(q, window)
    return ops


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _volume(w: _Span, p: _Span) -> Table:
    jobs = w.by(_inc(C.JOBS_TOTAL.name, w.d, "backend_type"), "backend_type")
    ok = w.by(_inc(C.JOBS_TOTAL.name, w.d, "backend_type", 'outcome="success"'), "backend_type")
    before = p.by(_inc(C.JOBS_TOTAL.name, p.d, "backend_type"), "backend_type")
    rows: list[list[object]] = []
    for t in sorted(set(jobs) | set(before)):
        rows.append(
            [
                t,
                jobs.get(t, 0.0),
                before.get(t, 0.0),
                _ratio(jobs.get(t, 0.0) - before.get(t, 0.0), before.get(t)),
                _ratio(ok.get(t, 0.0), jobs.get(t)),
            ]
        )
    a, b = sum(jobs.values()), sum(before.values())
    rows.append(["all", a, b, _ratio(a - b, b), _ratio(sum(ok.values()), a)])
    return make("volume", rows)


def _providers(w: _Span) -> Table:
    jobs = w.by(_inc(C.JOBS_TOTAL.name, w.d, "provider"), "provider")
    ok = w.by(_inc(C.JOBS_TOTAL.name, w.d, "provider", 'outcome="success"'), "provider")
    dur = {
        q: w.by(_quantile(q, C.JOB_DURATION.name, w.d, "provider"), "provider") for q in (0.5, 0.95)
    }
    rows: list[list[object]] = [
        [p or UNKNOWN_PROVIDER, n, ok.get(p, 0.0), _ratio(ok.get(p, 0.0), n),
         *(dur[q].get(p) for q in dur)]
        for p, n in sorted(jobs.items(), key=lambda x: (-x[1], x[0]))
    ]  # fmt: skip
    return make("providers", rows, note="percentiles estimated from histogram buckets")


def _backends(w: _Span) -> Table:
    jobs = w.by(_inc(C.JOBS_TOTAL.name, w.d, "backend"), "backend")
    ok = w.by(_inc(C.JOBS_TOTAL.name, w.d, "backend", 'outcome="success"'), "backend")
    types = {
        m.get("backend", ""): m.get("backend_type", "")
        for m, _ in w.q.vector(_inc(C.JOBS_TOTAL.name, w.d, "backend, backend_type"), w.at)
    }
    dur = {
        q: w.by(_quantile(q, C.JOB_DURATION.name, w.d, "backend"), "backend")
        for q in (0.5, 0.95, 0.99)
    }
    queue = {
        q: w.by(_quantile(q, C.JOB_QUEUE.name, w.d, "backend"), "backend") for q in (0.5, 0.95)
    }
    rows: list[list[object]] = [
        [
            b,
            types.get(b),
            n,
            ok.get(b, 0.0),
            _ratio(ok.get(b, 0.0), n),
            *(dur[q].get(b) for q in dur),
            *(queue[q].get(b) for q in queue),
        ]
        for b, n in sorted(jobs.items(), key=lambda x: (-x[1], x[0]))
    ]
    return make("backends", rows, note="percentiles estimated from histogram buckets")


def _error_types(w: _Span) -> Table:
    failed = w.by(_inc(C.JOBS_TOTAL.name, w.d, "error_type", 'outcome!="success"'), "error_type")
    total = sum(failed.values())
    rows: list[list[object]] = [
        [k, v, _ratio(v, total)]
        for k, v in sorted(failed.items(), key=lambda x: (-x[1], x[0]))
        if v > 0
    ]
    return make("error_types", rows)


def _cost(w: _Span) -> Table:
    e = "experiment"
    jobs = w.by(_inc(C.JOBS_TOTAL.name, w.d, e), e)
    ok = w.by(_inc(C.JOBS_TOTAL.name, w.d, e, 'outcome="success"'), e)
    qpu = w.by(_inc(C.QPU_SECONDS_TOTAL.name, w.d, e), e)
    cost = w.by(_inc(C.COST_USD_TOTAL.name, w.d, e), e)
    names = sorted(set(jobs) | set(cost))
    rows: list[list[object]] = []
    for n in [*names, "all"]:
        j, s, c, t = (
            sum(x.values()) if n == "all" else x.get(n, 0.0) for x in (jobs, ok, cost, qpu)
        )
        rows.append([n, j, s, t, c, _ratio(c, j), _ratio(c, s)])
    return make("cost", rows)


def _divergence(w: _Span, threshold: float | None) -> Table:
    checks = w.by(_inc(C.RESULT_CHECKS_TOTAL.name, w.d, "backend"), "backend")
    diverged = w.by(
        _inc(C.RESULT_CHECKS_TOTAL.name, w.d, "backend", 'verdict="diverged"'), "backend"
    )
    total = w.by(_inc(C.RESULT_FIDELITY.name + "_sum", w.d, "backend"), "backend")
    count = w.by(_inc(C.RESULT_FIDELITY.name + "_count", w.d, "backend"), "backend")
    rows: list[list[object]] = [
        [b, n, diverged.get(b, 0.0), _ratio(total.get(b), count.get(b)), None]
        for b, n in sorted(checks.items())
        if n > 0
    ]
    note = "diverged: verdict of the instrumentation's check; min fidelity needs job events"
    if threshold is not None:
        note += f" (the divergence SLO's threshold is {threshold:g})"
    return make("divergence", rows, note=note if rows else "no result checks in the window")


def _duplicates(w: _Span) -> Table:
    e = "experiment"
    jobs = w.by(_inc(C.JOBS_TOTAL.name, w.d, e), e)
    dups = w.by(_inc(C.JOB_DUPLICATES_TOTAL.name, w.d, e), e)
    rows: list[list[object]] = [
        [n, jobs.get(n, 0.0), dups.get(n, 0.0), _ratio(dups.get(n, 0.0), jobs.get(n))]
        for n in sorted(set(jobs) | set(dups))
    ]
    a, b = sum(jobs.values()), sum(dups.values())
    rows.append(["all", a, b, _ratio(b, a)])
    return make("duplicates", rows)


def _calibration(w: _Span) -> Table:
    m = C.BACKEND_CALIBRATION_TIMESTAMP.name
    age = w.by(f"time() - max by (backend) ({m})", "backend")
    worst = w.by(f"max by (backend) (max_over_time((time() - {m})[{w.d}:5m]))", "backend")
    rows: list[list[object]] = [[b, a, worst.get(b)] for b, a in sorted(age.items())]
    return make(
        "calibration",
        rows,
        note="" if rows else "no calibration metrics (is the exporter scraped?)",
    )


def _coverage(w: _Span) -> Table:
    incomplete = w.by(_inc(C.TELEMETRY_INCOMPLETE_TOTAL.name, w.d, "reason"), "reason")
    jobs = sum(w.by(_inc(C.JOBS_TOTAL.name, w.d, ""), "").values())
    rows: list[list[object]] = [[r, n, _ratio(n, jobs)] for r, n in sorted(incomplete.items())]
    missing = sum(incomplete.values())
    rows.append(["all", missing, _ratio(missing, jobs)])
    return make("coverage", rows)


def _alerts(q: Querier, window: Window) -> Table:
    """Firing episodes of every alert during the window, from the raw ``ALERTS`` samples.

    Raw samples (a range-vector query) rather than a range query, so neither the lookback
    delta nor the query step stretches an episode; a gap longer than :data:`EPISODE_GAP`
    between samples ends one.
    """
    expr = f'ALERTS{{alertstate="firing"}}[{promql_range(window.seconds)}]'
    try:
        series = q.api.query(expr, window.end)
    except PrometheusError as err:  # the report goes on without this table
        return make("alerts", [], note=f"ALERTS not available: {err}")
    rows: list[list[object]] = []
    for s in series:
        labels = s["metric"]
        times = [float(t) for t, _ in s.get("values", [])]
        if not times:
            continue
        start = prev = times[0]
        for t in [*times[1:], math.inf]:
            if t - prev > EPISODE_GAP:
                rows.append(
                    [
                        labels.get("alertname", ""),
                        labels.get("slo", ""),
                        labels.get("severity", ""),
                        labels.get("backend", ""),
                        window.local(datetime.fromtimestamp(start, UTC)),
                        window.local(datetime.fromtimestamp(prev, UTC)),
                        prev - start,
                    ]
                )
                start = t
            prev = t
    rows.sort(key=lambda r: (str(r[4]), str(r[0])))
    return make("alerts", rows, note="" if rows else "no alert fired in the window")


def _daily(q: Querier, window: Window) -> list[DailyOps]:
    out = []
    for day in window.days():
        secs = (day.end - day.start).total_seconds()
        d = promql_range(secs)
        one = _Span(q, day.end, secs)
        jobs = sum(one.by(_inc(C.JOBS_TOTAL.name, d, ""), "").values())
        ok = sum(one.by(_inc(C.JOBS_TOTAL.name, d, "", 'outcome="success"'), "").values())
        p50 = one.by(_quantile(0.5, C.JOB_DURATION.name, d, ""), "").get("")
        p95 = one.by(_quantile(0.95, C.JOB_DURATION.name, d, ""), "").get("")
        cost = sum(one.by(_inc(C.COST_USD_TOTAL.name, d, ""), "").values())
        out.append(DailyOps(day.date, jobs, _ratio(ok, jobs), p50, p95, cost))
    return out
