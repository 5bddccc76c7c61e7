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

from qobserve.contract import MetricSpec
from qobserve.rules.windows import SEVERITIES, BurnWindow
from qobserve.slo.model import (
    CURRENT_BURN_RECORD,
    SLO,
    sli_error_record,
)

#: Labels bound to a dashboard variable of the same name.
VARIABLE_LABELS: tuple[str, ...] = ("backend", "experiment")
#: Matcher of SLO records and alerts by the ``$slo`` variable (operational alerts, which have
#: no ``slo`` label, match "All").
SLO_VARIABLE = 'slo=~"$slo"'
#: Range of "over the dashboard's time range" aggregates.
RANGE = "$__range"
#: Range of rates: Grafana makes it at least four scrape intervals.
RATE = "$__rate_interval"


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


def slo_selector(slo: SLO, *matchers: str) -> str:
    """``{slo="name"}`` (plus ``matchers``): the label every SLO record and alert carries."""
    value = slo.name.replace("\\", "\\\\").replace('"', '\\"')
    return "{" + ",".join([f'slo="{value}"', *matchers]) + "}"


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
    to the SLO's period by :mod:`qobserve.rules.windows`, as the alert rules are.

    >>> from datetime import timedelta
    >>> from qobserve.slo.model import EventSLI
    >>> slo = SLO("s", "svc", 0.99, timedelta(days=30), EventSLI("job_success"))
    >>> [round(f, 2) for _, _, f in burn_thresholds(slo)]
    [14.4, 6.0, 3.0, 1.0]
    """
    return [(severity, w, w.factor(slo.period))
            for severity, windows in SEVERITIES.items() for w in windows]  # fmt: skip
