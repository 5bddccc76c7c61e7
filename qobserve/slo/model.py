"""The one internal SLO model that qobserve/v1, OpenSLO v1 and Sloth specs are parsed into.

Rule, dashboard and report generators read only this model, never the input formats.

Example::

    slo = SLO(name="qpu-job-success", service="quantum-jobs", objective=0.95,
              period=timedelta(days=28),
              sli=EventSLI(kind="job_success",
                           total='sum(rate(quantum_jobs_total{backend_type="qpu"}[{{.window}}]))',
                           bad='sum(rate(quantum_jobs_total{backend_type="qpu",'
                               'outcome!="success"}[{{.window}}]))'))
    slo.error_budget          # 0.05
    slo.sli.render("bad", "5m")
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from qobserve.slo.alert_windows import Severities

#: Placeholder for the range of a PromQL range selector, as in Sloth.
WINDOW = "{{.window}}"

#: Windows every SLI is recorded over; the SLO period is added per SLO.
SLI_WINDOWS: tuple[str, ...] = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")

# Names of the recording rules, shared by rules, dashboards and the report. Every series
# carries the label ``slo``.
SLI_ERROR_RECORD = "slo:sli_error:ratio_rate{window}"  # e.g. slo:sli_error:ratio_rate5m
SLI_TOTAL_RECORD = "slo:sli_total:rate{window}"  # events/s over the window (event SLIs)
#: bad events/s over the window; with SLI_TOTAL_RECORD it makes the period SLI exact on uneven
#: traffic and lets a grouped SLO be re-aggregated: sum(bad) / sum(total)
SLI_BAD_RECORD = "slo:sli_bad:rate{window}"
OBJECTIVE_RECORD = "slo:objective:ratio"
ERROR_BUDGET_RECORD = "slo:error_budget:ratio"
PERIOD_RECORD = "slo:time_period:days"
CURRENT_BURN_RECORD = "slo:current_burn_rate:ratio"
PERIOD_BURN_RECORD = "slo:period_burn_rate:ratio"
BUDGET_REMAINING_RECORD = "slo:period_error_budget_remaining:ratio"
INFO_RECORD = "slo:info"

#: SLI kinds of qobserve/v1 whose good/bad events can be computed from job events (the report
#: uses these; the others need Prometheus).
EVENT_KINDS: tuple[str, ...] = ("job_success", "latency", "queue_wait", "duplicates",
                                "divergence")  # fmt: skip

SLIKind = Literal[
    "job_success", "latency", "queue_wait", "duplicates", "divergence", "coverage",
    "counter_ratio", "raw", "freshness", "availability",
]  # fmt: skip


_ANY_WINDOW = re.compile(r"\{\{ *\.window *\}\}")


def normalize_window(template: str) -> str:
    """``template`` with Sloth's placeholder spelt canonically (Sloth accepts ``{{ .window }}``
    with spaces, as Go templates do)."""
    return _ANY_WINDOW.sub(WINDOW, template)


def render(template: str, window: str) -> str:
    """Replace the ``{{.window}}`` placeholder (Sloth's syntax) with a PromQL duration."""
    return template.replace(WINDOW, window)


def sli_error_record(window: str) -> str:
    """Name of the recorded error ratio over ``window``, e.g. ``slo:sli_error:ratio_rate5m``."""
    return SLI_ERROR_RECORD.format(window=window)


def sli_total_record(window: str) -> str:
    """Name of the recorded event (or time-slice) rate over ``window``."""
    return SLI_TOTAL_RECORD.format(window=window)


def sli_bad_record(window: str) -> str:
    """Name of the recorded bad event (or bad time-slice) rate over ``window``."""
    return SLI_BAD_RECORD.format(window=window)


@dataclass(frozen=True)
class EventSLI:
    """An SLI that counts good and bad events (requests, jobs, checks).

    ``bad`` and ``total`` are PromQL templates with ``{{.window}}`` that evaluate to event
    rates; the error ratio is ``bad / total``. Keeping both (not just the ratio) is what lets
    the period SLI be exact on uneven traffic and a minimum-events guard be applied.
    ``raw`` SLIs (Sloth's ``errorRatio``) set ``error_ratio`` instead and leave bad/total empty.

    ``params`` of the catalog kinds (the report recomputes the kinds in :data:`EVENT_KINDS` from
    job events with them):

    - ``"selectors"``: ``{label: regex}`` for every kind; a full-match regex with the meaning of
      PromQL ``=~``, applied to the metric label and to the job event column of the same name,
      e.g. ``{"backend_type": "qpu|emulator", "outcome": "success|error|invalid"}``.
    - ``job_success``: total = jobs matching the selectors, bad = those whose ``outcome`` is
      not ``success``.
    - ``latency`` / ``queue_wait``: ``"threshold_seconds": float`` (a bucket boundary of
      ``contract.DURATION_BUCKETS``); total = every finished job matching the selectors, whatever
      its outcome; good = ``duration_seconds`` (``queue_seconds``) ``<= threshold_seconds``.
    - ``duplicates``: bad = duplicate submissions (``duplicate`` is true), total = jobs.
    - ``divergence``: ``"fidelity_threshold": float``; total = result checks (jobs with a
      ``fidelity``), bad = checks whose fidelity is below the threshold (Prometheus counts the
      ``verdict="diverged"`` label that instrumentation sets with its own threshold).
    - ``coverage``: bad = jobs whose telemetry is incomplete, total = jobs + those.
    - ``counter_ratio``: ``"total"`` and ``"bad"`` or ``"good"``: the counters' selectors.
    - SLIs read from OpenSLO ``good``/``total`` keep the ``"good"`` template here.
    """

    kind: SLIKind
    bad: str = ""
    total: str = ""
    error_ratio: str = ""
    #: parameters of the catalog kind (selectors, ``threshold_seconds``), used by the report to
    #: compute the same SLI from job events
    params: dict[str, object] = field(default_factory=dict)

    def render(self, which: Literal["bad", "total", "error_ratio"], window: str) -> str:
        """The PromQL of ``which`` over ``window``."""
        return render(getattr(self, which), window)


@dataclass(frozen=True)
class TimeSliceSLI:
    """An SLI over time slices: each slice is good when ``good`` (a 0/1 PromQL expression) is 1.

    Used for gauges (backend availability, calibration freshness): the error ratio over a window
    is the fraction of bad slices, ``1 - avg_over_time((good)[window:slice])``. ``params`` holds
    ``"selectors"`` (on the gauge's ``backend`` label) and, for ``freshness``,
    ``"max_age_seconds"``.
    """

    kind: SLIKind
    good: str
    slice: str = "1m"
    params: dict[str, object] = field(default_factory=dict)


SLI = EventSLI | TimeSliceSLI


@dataclass(frozen=True)
class AlertSpec:
    """How one alert severity of an SLO is named, labelled and annotated."""

    name: str
    disabled: bool = False
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SLO:
    """One service level objective, whatever format it was written in."""

    name: str
    service: str
    objective: float  # a ratio in (0, 1), e.g. 0.99
    period: timedelta
    sli: SLI
    description: str = ""
    labels: dict[str, str] = field(default_factory=dict)
    page_alert: AlertSpec | None = None
    ticket_alert: AlertSpec | None = None
    #: windows with fewer events than this never alert (low-traffic guard); 0 disables it
    min_events: int = 0
    runbook_url: str = ""
    #: where it came from, for error messages: "slo/jobs.yaml" and "slos[2]"
    source: str = ""
    location: str = ""
    #: the input format: "qobserve/v1", "openslo/v1" or "prometheus/v1" (Sloth)
    format: str = "qobserve/v1"
    #: the error-budget policy: what the team does when the budget is spent (``qobserve gate``)
    policy: str = ""
    #: labels the SLI is evaluated per (e.g. ``("backend",)``): every record and alert of the
    #: SLO carries them; empty means one series per SLO
    group_by: tuple[str, ...] = ()
    #: the burn-rate window pairs per severity of the ``AlertWindows`` file of its period;
    #: None: the default table scaled to the period (:func:`qobserve.rules.windows.severities`)
    alert_windows: Severities | None = None

    @property
    def error_budget(self) -> float:
        """The fraction of events (or time slices) allowed to be bad, ``1 - objective``.

        Computed in decimal so that 99.9 % gives exactly ``0.001``, not ``0.0010000000000000009``.
        """
        return float(Decimal(1) - Decimal(repr(self.objective)))

    @property
    def sli_windows(self) -> tuple[str, ...]:
        """The alert windows the SLI is recorded over: :data:`SLI_WINDOWS`, then those of its
        ``AlertWindows`` file that are not among them, shortest first."""
        from qobserve.slo.promql import parse_duration  # here: promql imports this module

        custom = {w for pairs in (self.alert_windows or {}).values()
                  for pair in pairs for w in (pair.short, pair.long)}  # fmt: skip
        extra = sorted(custom - set(SLI_WINDOWS), key=parse_duration)
        return (*SLI_WINDOWS, *(w for w in extra if w != self.period_str))

    @property
    def windows(self) -> tuple[str, ...]:
        """Every window the SLI is recorded over: :attr:`sli_windows` and the period."""
        return (*self.sli_windows, self.period_str)

    @property
    def period_str(self) -> str:
        """The period as a PromQL duration (``28d``, ``30d``, ``7d``, or hours when uneven)."""
        return duration_str(self.period)


def duration_str(d: timedelta) -> str:
    """Format a timedelta as the largest whole PromQL unit: ``28d``, ``6h``, ``30m``, ``45s``."""
    secs = int(d.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs % size == 0:
            return f"{secs // size}{unit}"
    return f"{secs}s"
