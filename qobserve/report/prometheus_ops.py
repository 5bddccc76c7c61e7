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
from qobserve.report.tables import SUCCESS_RATIO_NOTE, UNKNOWN_PROVIDER, make, unavailable

#: seconds without an ``ALERTS`` sample that end a firing episode (Prometheus's lookback)
EPISODE_GAP = 300
#: the jobs a success ratio counts (see :data:`~qobserve.report.tables.SUCCESS_RATIO_NOTE`)
COUNTED = 'outcome!="cancelled"'


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

    def count(self, expr: str, label: str) -> dict[str, float]:
        """:meth:`by` for a number of jobs or checks: ``increase`` extrapolates to the
        window's edges, the events it counts are whole."""
        return {k: float(round(v)) for k, v in self.by(expr, label).items()}


def prometheus_operations(
    q: Querier,
    window: Window,
    previous: Window,
    divergence_threshold: float | None = None,
    now: datetime | None = None,
) -> Operations:
    """Operations tables for ``window`` from Prometheus; calibration ages are taken at the
    window's end or at ``now`` (default: the clock) if that comes first."""
    w, p = _Span(q, window.end, window.seconds), _Span(q, previous.end, previous.seconds)
    ops = Operations()
    ops.tables += [
        _volume(w, p),
        _providers(w),
        _backends(w),
        _error_types(w),
        _cost_types(w),
        _cost(w),
        _divergence(w, divergence_threshold),
        unavailable("calibration_context", "needs job events (their calibration_at field)"),
        _duplicates(w),
        _calibration(q, window, now or datetime.now(UTC)),
        _coverage(w),
        _alerts(q, window),
    ]
    ops.daily = _daily(q, window)
    return ops


def _ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def _volume(w: _Span, p: _Span) -> Table:
    t = "backend_type"
    jobs = w.count(_inc(C.JOBS_TOTAL.name, w.d, t), t)
    ok = w.count(_inc(C.JOBS_TOTAL.name, w.d, t, 'outcome="success"'), t)
    counted = w.count(_inc(C.JOBS_TOTAL.name, w.d, t, COUNTED), t)
    before = p.count(_inc(C.JOBS_TOTAL.name, p.d, t), t)
    rows: list[list[object]] = []
    for k in sorted(set(jobs) | set(before)):
        rows.append(
            [
                k,
                jobs.get(k, 0.0),
                before.get(k, 0.0),
                _ratio(jobs.get(k, 0.0) - before.get(k, 0.0), before.get(k)),
                _ratio(ok.get(k, 0.0), counted.get(k)),
            ]
        )
    a, b = sum(jobs.values()), sum(before.values())
    rows.append(["all", a, b, _ratio(a - b, b), _ratio(sum(ok.values()), sum(counted.values()))])
    return make("volume", rows, note=SUCCESS_RATIO_NOTE)


def _providers(w: _Span) -> Table:
    by = "provider"
    jobs = w.count(_inc(C.JOBS_TOTAL.name, w.d, by), by)
    ok = w.count(_inc(C.JOBS_TOTAL.name, w.d, by, 'outcome="success"'), by)
    counted = w.count(_inc(C.JOBS_TOTAL.name, w.d, by, COUNTED), by)
    dur = {q: w.by(_quantile(q, C.JOB_DURATION.name, w.d, by), by) for q in (0.5, 0.95)}
    queue = w.by(_quantile(0.5, C.JOB_QUEUE.name, w.d, by), by)
    cost = w.by(_inc(C.COST_USD_TOTAL.name, w.d, by), by)
    # the fidelity histogram has no provider label: summed over the provider's backends
    providers = {
        m.get("backend", ""): m.get(by, "")
        for m, _ in w.q.vector(_inc(C.JOBS_TOTAL.name, w.d, f"backend, {by}"), w.at)
    }
    fidelity: dict[str, list[float]] = {}
    sums = w.by(_inc(C.RESULT_FIDELITY.name + "_sum", w.d, "backend"), "backend")
    counts = w.by(_inc(C.RESULT_FIDELITY.name + "_count", w.d, "backend"), "backend")
    for backend, n in counts.items():
        acc = fidelity.setdefault(providers.get(backend, ""), [0.0, 0.0])
        acc[0] += sums.get(backend, 0.0)
        acc[1] += n
    rows: list[list[object]] = [
        [p or UNKNOWN_PROVIDER, n, ok.get(p, 0.0), _ratio(ok.get(p, 0.0), counted.get(p)),
         *(dur[q].get(p) for q in dur), queue.get(p), _ratio(cost.get(p, 0.0), n),
         _ratio(*fidelity.get(p, [0.0, 0.0]))]
        for p, n in sorted(jobs.items(), key=lambda x: (-x[1], x[0]))
    ]  # fmt: skip
    note = f"{SUCCESS_RATIO_NOTE}; percentiles estimated from histogram buckets"
    return make("providers", rows, note=note)


def _backends(w: _Span) -> Table:
    jobs = w.count(_inc(C.JOBS_TOTAL.name, w.d, "backend"), "backend")
    ok = w.count(_inc(C.JOBS_TOTAL.name, w.d, "backend", 'outcome="success"'), "backend")
    counted = w.count(_inc(C.JOBS_TOTAL.name, w.d, "backend", COUNTED), "backend")
    cost = w.by(_inc(C.COST_USD_TOTAL.name, w.d, "backend"), "backend")
    fid_sum = w.by(_inc(C.RESULT_FIDELITY.name + "_sum", w.d, "backend"), "backend")
    fid_count = w.by(_inc(C.RESULT_FIDELITY.name + "_count", w.d, "backend"), "backend")
    types = _types(w)
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
            _ratio(ok.get(b, 0.0), counted.get(b)),
            *(dur[q].get(b) for q in dur),
            *(queue[q].get(b) for q in queue),
            _ratio(cost.get(b), n),
            _ratio(fid_sum.get(b), fid_count.get(b)),
        ]
        for b, n in sorted(jobs.items(), key=lambda x: (-x[1], x[0]))
    ]
    note = f"{SUCCESS_RATIO_NOTE}; percentiles estimated from histogram buckets"
    return make("backends", rows, note=note)


def _error_types(w: _Span) -> Table:
    failed = w.count(_inc(C.JOBS_TOTAL.name, w.d, "error_type", 'outcome!="success"'), "error_type")
    total = sum(failed.values())
    rows: list[list[object]] = [
        [k, v, _ratio(v, total)]
        for k, v in sorted(failed.items(), key=lambda x: (-x[1], x[0]))
        if v > 0
    ]
    return make("error_types", rows)


def _types(w: _Span) -> dict[str, str]:
    """backend -> backend type, from the job counter (the cost counters have no type)."""
    by = "backend, backend_type"
    return {
        m.get("backend", ""): m.get("backend_type", "")
        for m, _ in w.q.vector(_inc(C.JOBS_TOTAL.name, w.d, by), w.at)
    }


def _cost_types(w: _Span) -> Table:
    t = "backend_type"
    jobs = w.count(_inc(C.JOBS_TOTAL.name, w.d, t), t)
    types = _types(w)
    qpu: dict[str, float] = {}
    cost: dict[str, float] = {}
    for spec, out in ((C.QPU_SECONDS_TOTAL, qpu), (C.COST_USD_TOTAL, cost)):
        for backend, v in w.by(_inc(spec.name, w.d, "backend"), "backend").items():
            kind = types.get(backend, "")
            out[kind] = out.get(kind, 0.0) + v
    rows: list[list[object]] = [
        [k, n, qpu.get(k, 0.0), cost.get(k, 0.0), _ratio(cost.get(k, 0.0), n)]
        for k, n in sorted(jobs.items())
    ]
    return make("cost_types", rows)


def _cost(w: _Span) -> Table:
    e = "experiment"
    jobs = w.count(_inc(C.JOBS_TOTAL.name, w.d, e), e)
    ok = w.count(_inc(C.JOBS_TOTAL.name, w.d, e, 'outcome="success"'), e)
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
    checks = w.count(_inc(C.RESULT_CHECKS_TOTAL.name, w.d, "backend"), "backend")
    diverged = w.count(
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
    jobs = w.count(_inc(C.JOBS_TOTAL.name, w.d, e), e)
    dups = w.count(_inc(C.JOB_DUPLICATES_TOTAL.name, w.d, e), e)
    rows: list[list[object]] = [
        [n, jobs.get(n, 0.0), dups.get(n, 0.0), _ratio(dups.get(n, 0.0), jobs.get(n))]
        for n in sorted(set(jobs) | set(dups))
    ]
    a, b = sum(jobs.values()), sum(dups.values())
    rows.append(["all", a, b, _ratio(b, a)])
    return make("duplicates", rows)


def _calibration(q: Querier, window: Window, now: datetime) -> Table:
    # a window that ends in the future has no samples at its end: ages are taken now
    at = min(window.end, now)
    if at <= window.start:
        return make("calibration", [], note="the window has not started yet")
    w = _Span(q, at, (at - window.start).total_seconds())
    m = C.BACKEND_CALIBRATION_TIMESTAMP.name
    age = w.by(f"time() - max by (backend) ({m})", "backend")
    worst = w.by(f"max by (backend) (max_over_time((time() - {m})[{w.d}:5m]))", "backend")
    rows: list[list[object]] = [[b, a, worst.get(b)] for b, a in sorted(age.items())]
    if not rows:
        note = "no calibration metrics (is the exporter scraped?)"
    elif at < window.end:
        note = f"ages at {window.local(at):%Y-%m-%d %H:%M}, when the report was made"
    else:
        note = ""
    return make("calibration", rows, note=note)


def _coverage(w: _Span) -> Table:
    incomplete = w.count(_inc(C.TELEMETRY_INCOMPLETE_TOTAL.name, w.d, "reason"), "reason")
    jobs = sum(w.count(_inc(C.JOBS_TOTAL.name, w.d, ""), "").values())
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
        jobs = sum(one.count(_inc(C.JOBS_TOTAL.name, d, ""), "").values())
        ok = sum(one.count(_inc(C.JOBS_TOTAL.name, d, "", 'outcome="success"'), "").values())
        counted = sum(one.count(_inc(C.JOBS_TOTAL.name, d, "", COUNTED), "").values())
        p50 = one.by(_quantile(0.5, C.JOB_DURATION.name, d, ""), "").get("")
        p95 = one.by(_quantile(0.95, C.JOB_DURATION.name, d, ""), "").get("")
        cost = sum(one.by(_inc(C.COST_USD_TOTAL.name, d, ""), "").values())
        t = "backend_type"
        typed = [one.by(_quantile(q, C.JOB_DURATION.name, d, t), t) for q in (0.5, 0.95)]
        by_type = {k: (typed[0].get(k), typed[1].get(k)) for k in sorted({*typed[0], *typed[1]})}
        out.append(DailyOps(day.date, jobs, _ratio(ok, counted), p50, p95, cost, by_type))
    return out
