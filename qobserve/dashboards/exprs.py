"""PromQL building blocks for the dashboards: contract-driven selectors and SLO expressions.

Metric names come from :mod:`qobserve.contract` and recording-rule names from
:mod:`qobserve.slo.model`; nothing here spells a metric name. A selector filters by the
``$backend``, ``$provider`` and ``$experiment`` variables exactly when the metric has that
label, so a panel cannot silently ignore a variable or filter on a label its metric lacks.

Example::

    sel(JOBS_TOTAL, 'outcome="success"')
    # 'quantum_jobs_total{backend=~"$backend",provider=~"$provider",experiment=~"$experiment",
    #   outcome="success"}'
    quantile(0.95, JOB_QUEUE, by=("backend",))
    # 'histogram_quantile(0.95, sum by (le, backend) (rate(quantum_job_queue_seconds_bucket{...
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from qobserve.contract import MetricSpec
from qobserve.rules.windows import BurnWindow, severities
from qobserve.slo.model import (
    CURRENT_BURN_RECORD,
    SLO,
    sli_error_record,
)
from qobserve.slo.promql import parse_duration

#: Labels bound to a dashboard variable of the same name.
VARIABLE_LABELS: tuple[str, ...] = ("backend", "provider", "experiment")
_REGEX_SPECIAL = re.compile(r"[\\^$.|?*+()\[\]{}]")
#: Matcher of SLO records and alerts by the ``$slo`` variable (operational alerts, which have
#: no ``slo`` label, match "All").
SLO_VARIABLE = 'slo=~"$slo"'
#: Matchers of SLO records and alerts by ``$slo`` and ``$backend``: a series without a
#: ``backend`` label (an SLO not grouped by backend) is about no single backend and stays.
SLO_FILTER = 'slo=~"$slo",backend=~"$backend|"'
#: Matchers of alerts by state.
FIRING, PENDING = 'alertstate="firing"', 'alertstate="pending"'
#: Range of "over the dashboard's time range" aggregates.
RANGE = "$__range"
#: Range of rates: Grafana makes it at least four scrape intervals.
RATE = "$__rate_interval"
#: Grafana's step: the window of per-step counts, so each event lands in exactly one bar.
STEP = "$__interval"
#: How far back a count looks for a series' previous sample: longer than any scrape gap, so a
#: series seen before is never counted from 0 again.
GAP = "1h"
#: Labels a replica of the same scrape target differs by; never part of a panel's series.
SCRAPE_LABELS: tuple[str, ...] = ("instance", "job")


def sel(metric: MetricSpec, *matchers: str, suffix: str = "") -> str:
    """``metric`` (plus ``suffix``, e.g. ``_bucket``) filtered by the dashboard variables its
    labels bind to, and by extra ``matchers`` such as ``'outcome!="success"'``."""
    bound = [f'{label}=~"${label}"' for label in VARIABLE_LABELS if label in metric.labels]
    selector = ",".join([*bound, *matchers])
    return f"{metric.name}{suffix}{{{selector}}}" if selector else f"{metric.name}{suffix}"


def _by(labels: Sequence[str]) -> str:
    return f"sum by ({', '.join(labels)}) " if labels else "sum "


def rate(
    metric: MetricSpec,
    *matchers: str,
    by: Sequence[str] = (),
    window: str = RATE,
    suffix: str = "",
) -> str:
    """``sum by (by) (rate(selector[window]))``: events per second."""
    return f"{_by(by)}(rate({sel(metric, *matchers, suffix=suffix)}[{window}]))"


def parse_seconds(duration: str) -> float:
    """Seconds in a Prometheus duration such as ``6h``."""
    return parse_duration(duration).total_seconds()


def delta(metric: MetricSpec, *matchers: str, window: str = RANGE) -> str:
    """How much each series of the counter ``metric`` grew over ``window``, in whole events.

    The series' last sample in the window minus its last sample before the window (looking
    back up to :data:`GAP`), where a series that resets or first appears in the window counts
    from 0. Unlike ``increase()`` nothing is extrapolated, so counts are whole numbers and the
    counts of consecutive windows (bars drawn every ``$__interval`` over ``[$__interval]``) add
    up to the counter's increase. Range selectors skip the staleness markers of a failed
    scrape, so a target missing a scrape is not counted again from 0, and a process that
    exited inside the window still counts.
    """
    s = sel(metric, *matchers)
    last = f"last_over_time({s}[{window}])"
    return f"({last} - last_over_time({s}[{GAP}] offset {window})) >= 0 or {last}"


def increase(
    metric: MetricSpec, *matchers: str, by: Sequence[str] = (), window: str = RANGE
) -> str:
    """:func:`delta` summed per ``by``: events over ``window``."""
    return f"{_by(by)}({delta(metric, *matchers, window=window)})"


def replicas(fn: str, metric: MetricSpec, *matchers: str, by: Sequence[str] | None = None) -> str:
    """``fn by (labels) (metric)``: one series per ``by`` (default: the metric's own labels)
    however many exporter replicas report it, so an HA pair changes no number."""
    labels = metric.labels if by is None else by
    return f"{fn} by ({', '.join(labels)}) ({sel(metric, *matchers)})"


def ratio(numerator: str, denominator: str) -> str:
    """``numerator / denominator``, each parenthesised; where the denominator is 0 (no
    events) there is no value rather than NaN."""
    return f"({numerator}) / ({denominator} > 0)"


def quantile(phi: float, metric: MetricSpec, *matchers: str, by: Sequence[str] = ()) -> str:
    """The ``phi`` quantile of a histogram over the rate window, per ``by``; no value (rather
    than NaN) where the window saw no observation. Every histogram of the contract observes
    values >= 0, so ``>= 0`` drops exactly the NaN."""
    return (f"histogram_quantile({phi}, "
            f"{rate(metric, *matchers, by=('le', *by), suffix='_bucket')}) >= 0")  # fmt: skip


def mean(metric: MetricSpec, *matchers: str, by: Sequence[str] = ()) -> str:
    """The mean observation of a histogram over the rate window, per ``by``."""
    return ratio(rate(metric, *matchers, by=by, suffix="_sum"),
                 rate(metric, *matchers, by=by, suffix="_count"))  # fmt: skip


def or_zero(expr: str) -> str:
    """``expr``, or 0 when it has no series: for counts whose absence means none happened."""
    return f"({expr}) or vector(0)"


# --- SLO expressions --------------------------------------------------------------------------


def slo_selector(slo: SLO, *matchers: str) -> str:
    """``{slo="name"}`` (plus ``matchers``): the label every SLO record and alert carries."""
    value = slo.name.replace("\\", "\\\\").replace('"', '\\"')
    return "{" + ",".join([f'slo="{value}"', *matchers]) + "}"


def slo_records(name: str, *matchers: str) -> str:
    """Recording rule ``name`` of every SLO :data:`SLO_FILTER` selects."""
    return f"{name}{{{','.join([SLO_FILTER, *matchers])}}}"


def alerts(*matchers: str) -> str:
    """The ``ALERTS`` series of the selected SLOs and backends (operational alerts included)."""
    return slo_records("ALERTS", *matchers)


def per_series_of(constant: str, like: str) -> str:
    """The per-SLO constant record ``constant`` (objective, budget) on the label sets of the
    record ``like`` (one per group of a grouped SLO), so table rows of both join."""
    return f"(0 * {slo_records(like)}) + on (slo) group_left () {slo_records(constant)}"


def catalog_period_sli(slos: Sequence[SLO], *, error: bool = False) -> str:
    """The SLI (or, with ``error``, the error ratio) over its own period of every SLO of the
    catalog that ``$slo`` selects: each SLO records its period window under its own name."""
    by_period: dict[str, list[str]] = {}
    for s in slos:
        by_period.setdefault(s.period_str, []).append(s.name)
    parts = [slo_records(sli_error_record(p), f'slo=~"{_alternation(names)}"')
             for p, names in sorted(by_period.items())]  # fmt: skip
    ratio = " or ".join(parts) if parts else "vector(0)"
    return ratio if error else f"1 - ({ratio})"


def _alternation(names: Sequence[str]) -> str:
    """``names`` as a regex alternation inside a PromQL string: regex specials escaped, then
    backslashes and quotes escaped for the string."""
    regex = "|".join(_REGEX_SPECIAL.sub(r"\\\g<0>", n) for n in names)
    return regex.replace("\\", "\\\\").replace('"', '\\"')


def record(name: str, slo: SLO) -> str:
    """The series of recording rule ``name`` for ``slo``."""
    return f"{name}{slo_selector(slo)}"


def period_sli(slo: SLO) -> str:
    """The SLI (good ratio) over the SLO's whole period."""
    return f"1 - {record(sli_error_record(slo.period_str), slo)}"


def window_burn(slo: SLO, window: str) -> str:
    """The burn rate over ``window``: the window's error ratio in units of the error budget.

    The budget is a constant of the SLO, so no join with the budget record is needed (a join
    would have to know every label a grouped SLO's records carry).
    """
    return f"{record(sli_error_record(window), slo)} / {slo.error_budget!r}"


def legend(*labels: str) -> str:
    """A legend format naming series by ``labels``: ``{{backend}} {{outcome}}``."""
    return " ".join("{{" + label + "}}" for label in labels)


def group_legend(slo: SLO, prefix: str = "") -> str:
    """A legend naming the labels a grouped SLO is evaluated per (``{{backend}}``), after
    ``prefix``; just ``prefix`` for an ungrouped SLO."""
    return f"{prefix} {legend(*slo.group_by)}".strip()


def catalog_legend(slos: Sequence[SLO]) -> str:
    """A legend telling apart the series of every SLO of a catalog, groups included."""
    return legend("slo", *sorted({label for s in slos for label in s.group_by}))


def current_burn(slo: SLO) -> str:
    """The recorded current burn rate of ``slo``."""
    return record(CURRENT_BURN_RECORD, slo)


def burn_thresholds(slo: SLO) -> list[tuple[str, BurnWindow, float]]:
    """(severity, window pair, burn factor) of the SLO's multiwindow alerts, the factor scaled
    to the SLO's period by :mod:`qobserve.rules.windows` (or from its ``AlertWindows`` file), as
    the alert rules are.

    >>> from datetime import timedelta
    >>> from qobserve.slo.model import EventSLI
    >>> slo = SLO("s", "svc", 0.99, timedelta(days=30), EventSLI("job_success"))
    >>> [round(f, 2) for _, _, f in burn_thresholds(slo)]
    [14.4, 6.0, 3.0, 1.0]
    """
    return [(severity, w, w.factor(slo.period))
            for severity, windows in severities(slo).items() for w in windows]  # fmt: skip
