"""PromQL building blocks for the dashboards: contract-driven selectors and SLO expressions.

Metric names come from :mod:`qobserve.contract` and recording-rule names from
:mod:`qobserve.slo.model`; nothing here spells a metric name. A selector filters by the
``$backend`` and ``$experiment`` variables exactly when the metric has that label, so a
panel cannot silently ignore a variable or filter on a label its metric lacks.

Example::

    sel(JOBS_TOTAL, 'outcome="success"')
    # 'quantum_jobs_total{backend=~"$backend",experiment=~"$experiment",outcome="success"}'
    quantile(0.95, JOB_QUEUE, by=("backend",))
    # 'histogram_quantile(0.95, sum by (le, backend) (rate(quantum_job_queue_seconds_bucket{...
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from qobserve.contract import MetricSpec
from qobserve.slo.model import (
    CURRENT_BURN_RECORD,
    ERROR_BUDGET_RECORD,
    SLO,
    sli_error_record,
)

#: Labels bound to a dashboard variable of the same name.
VARIABLE_LABELS: tuple[str, ...] = ("backend", "experiment")
#: Range of "over the dashboard's time range" aggregates.
RANGE = "$__range"
#: Range of rates: Grafana makes it at least four scrape intervals.
RATE = "$__rate_interval"

# The SRE Workbook's multiwindow alerts for a 30-day SLO, as the fraction of the period's error
# budget that may burn in the long window: page at 2% in 1h (14.4x) or 5% in 6h (6x), ticket at
# 10% in 1d (3x) or 10% in 3d (1x). Keeping the fractions, not the factors, is what scales them
# to other periods the way the rules do. (Duplicates qobserve.rules until it exposes them.)
BURN_WINDOWS: tuple[tuple[str, str, timedelta, float], ...] = (
    ("page", "1h", timedelta(hours=1), 0.02),
    ("page", "6h", timedelta(hours=6), 0.05),
    ("ticket", "1d", timedelta(days=1), 0.10),
    ("ticket", "3d", timedelta(days=3), 0.10),
)


def sel(metric: MetricSpec, *matchers: str, suffix: str = "") -> str:
    """``metric`` (plus ``suffix``, e.g. ``_bucket``) filtered by the dashboard variables its
    labels bind to, and by extra ``matchers`` such as ``'outcome!="success"'``."""
    bound = [f'{label}=~"${label}"' for label in VARIABLE_LABELS if label in metric.labels]
    return f"{metric.name}{suffix}{{{','.join([*bound, *matchers])}}}"


def _by(labels: Sequence[str]) -> str:
    return f"sum by ({', '.join(labels)}) " if labels else "sum "


def rate(
    metric: MetricSpec,
    *matchers: str,
    by: Sequence[str] = (),
    window: str = RATE,
    fn: str = "rate",
    suffix: str = "",
) -> str:
    """``sum by (by) (fn(selector[window]))``; ``fn="increase"`` with ``window=RANGE`` totals
    a counter over the dashboard's time range."""
    return f"{_by(by)}({fn}({sel(metric, *matchers, suffix=suffix)}[{window}]))"


def ratio(numerator: str, denominator: str) -> str:
    """``numerator / denominator``, each parenthesised."""
    return f"({numerator}) / ({denominator})"


def quantile(phi: float, metric: MetricSpec, *matchers: str, by: Sequence[str] = ()) -> str:
    """The ``phi`` quantile of a histogram over the rate window, per ``by``."""
    return (f"histogram_quantile({phi}, "
            f"{rate(metric, *matchers, by=('le', *by), suffix='_bucket')})")  # fmt: skip


def mean(metric: MetricSpec, *matchers: str, by: Sequence[str] = ()) -> str:
    """The mean observation of a histogram over the rate window, per ``by``."""
    return ratio(rate(metric, *matchers, by=by, suffix="_sum"),
                 rate(metric, *matchers, by=by, suffix="_count"))  # fmt: skip


def or_zero(expr: str) -> str:
    """``expr``, or 0 when it has no series: for counts whose absence means none happened."""
    return f"({expr}) or vector(0)"


# --- SLO expressions --------------------------------------------------------------------------


def slo_selector(slo: SLO) -> str:
    """``{slo="name"}``, the matcher every SLO recording rule and alert carries."""
    value = slo.name.replace("\\", "\\\\").replace('"', '\\"')
    return f'{{slo="{value}"}}'


def record(name: str, slo: SLO) -> str:
    """The series of recording rule ``name`` for ``slo``."""
    return f"{name}{slo_selector(slo)}"


def period_sli(slo: SLO) -> str:
    """The SLI (good ratio) over the SLO's whole period."""
    return f"1 - {record(sli_error_record(slo.period_str), slo)}"


def window_burn(slo: SLO, window: str) -> str:
    """The burn rate over ``window``: the window's error ratio in units of the error budget."""
    return (f"{record(sli_error_record(window), slo)} "
            f"/ on (slo) {record(ERROR_BUDGET_RECORD, slo)}")  # fmt: skip


def current_burn(slo: SLO) -> str:
    """The recorded current burn rate of ``slo``."""
    return record(CURRENT_BURN_RECORD, slo)


def burn_thresholds(slo: SLO) -> list[tuple[str, str, float]]:
    """(severity, long window, burn factor) of the SLO's alerts, scaled to its period.

    >>> from qobserve.slo.model import EventSLI
    >>> slo = SLO("s", "svc", 0.99, timedelta(days=30), EventSLI("job_success"))
    >>> [round(f, 2) for _, _, f in burn_thresholds(slo)]
    [14.4, 6.0, 3.0, 1.0]
    """
    return [(severity, name, fraction * (slo.period / window))
            for severity, name, window, fraction in BURN_WINDOWS]  # fmt: skip
