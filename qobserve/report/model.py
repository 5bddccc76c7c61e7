"""The weekly report as data: what every renderer (Markdown, HTML, JSON, CSV) prints.

Sources (events or Prometheus) fill in counts; every derived figure (attainment, burn rate,
budget consumed and remaining, status) is computed here, once, the same way for both.

Budget arithmetic is event based, as in the SRE Workbook: the SLO period's budget is
``error_budget * events in the period``. So *consumed this week* is
``bad events this week / (error_budget * events in the period ending at week end)`` and
*remaining* is ``1 - period error ratio / error_budget``. Time-slice SLIs count slices.

Example::

    r = SLOResult(name="qpu-job-success", ..., objective=0.95, week=Counts(good=90, bad=10))
    r.sli_measurement          # 0.9
    r.error_budget_burn_rate   # 2.0: the week burnt budget twice as fast as sustainable
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from qobserve.report.period import Window

#: remaining period budget under which an SLO that still meets its objective is "at risk"
AT_RISK_REMAINING = 0.25

STATUS_MET, STATUS_AT_RISK, STATUS_BREACHED = "met", "at risk", "breached"
STATUS_NO_DATA, STATUS_UNAVAILABLE = "no data", "unavailable"


@dataclass(frozen=True)
class Counts:
    """Good and bad events (or time slices) over one window."""

    good: float = 0.0
    bad: float = 0.0

    @property
    def total(self) -> float:
        return self.good + self.bad

    @property
    def sli(self) -> float | None:
        """Good / total, or None without events (never a made-up 100 %)."""
        return self.good / self.total if self.total > 0 else None

    @property
    def error_ratio(self) -> float | None:
        return self.bad / self.total if self.total > 0 else None


def budget_left(c: Counts, error_budget: float) -> float | None:
    """Share of the error budget left after ``c`` (None without events)."""
    e = c.error_ratio
    return None if e is None else 1.0 - e / error_budget


@dataclass(frozen=True)
class Breakdown:
    """Good/bad counts of one backend, experiment or other group."""

    name: str
    counts: Counts


@dataclass(frozen=True)
class DayPoint:
    """One local calendar day of the week."""

    date: date
    counts: Counts


@dataclass(frozen=True)
class BudgetPoint:
    """Fraction of the SLO period's error budget left at an instant (None: no events)."""

    at: datetime
    remaining: float | None


@dataclass
class SLOResult:
    """One SLO over the report's week, with its comparisons and breakdowns."""

    name: str
    service: str
    kind: str
    objective: float
    period: timedelta
    description: str = ""
    #: False when this source cannot compute the SLI (``note`` says why)
    available: bool = True
    note: str = ""
    #: True when counts are time slices (availability, freshness), not events
    time_slices: bool = False
    week: Counts = field(default_factory=Counts)
    previous: Counts = field(default_factory=Counts)
    #: the rolling SLO period ending at the week's end
    period_counts: Counts = field(default_factory=Counts)
    #: when the SLO's data starts inside that period (first event or sample); None: no data
    period_data_from: datetime | None = None
    daily: list[DayPoint] = field(default_factory=list)
    burn_down: list[BudgetPoint] = field(default_factory=list)
    #: bad events of the week by error type, largest first
    error_types: list[tuple[str, float]] = field(default_factory=list)
    backends: list[Breakdown] = field(default_factory=list)
    experiments: list[Breakdown] = field(default_factory=list)

    @property
    def error_budget_target(self) -> float:
        return 1.0 - self.objective

    @property
    def sli_measurement(self) -> float | None:
        """Attainment over the week."""
        return self.week.sli

    @property
    def gap(self) -> float | None:
        """Attainment minus objective (negative: the week missed the objective)."""
        s = self.week.sli
        return None if s is None else s - self.objective

    @property
    def error_budget_burn_rate(self) -> float | None:
        """How fast the week used budget: 1.0 uses exactly the whole budget over a period."""
        e = self.week.error_ratio
        return None if e is None else e / self.error_budget_target

    @property
    def previous_burn_rate(self) -> float | None:
        e = self.previous.error_ratio
        return None if e is None else e / self.error_budget_target

    @property
    def budget_consumed(self) -> float | None:
        """Share of the period's budget consumed by this week's bad events."""
        allowed = self.error_budget_target * self.period_counts.total
        return None if allowed <= 0 else self.week.bad / allowed

    @property
    def budget_remaining(self) -> float | None:
        """Share of the period's budget left at week end (negative: overspent)."""
        return budget_left(self.period_counts, self.error_budget_target)

    def fill(
        self, counts: Callable[[datetime, datetime], Counts], window: Window, previous: Window
    ) -> None:
        """Set every windowed figure from ``counts(start, end)``, whatever the source."""
        self.week = counts(window.start, window.end)
        self.previous = counts(previous.start, previous.end)
        self.period_counts = counts(window.end - self.period, window.end)
        days = window.days()
        self.daily = [DayPoint(d.date, counts(d.start, d.end)) for d in days]
        self.burn_down = [
            BudgetPoint(t, budget_left(counts(t - self.period, t), self.error_budget_target))
            for t in [window.start, *(d.end for d in days)]
        ]

    def period_coverage(self, period_end: datetime) -> float | None:
        """Share of the SLO period ending at ``period_end`` that has data (None: no data)."""
        if self.period_data_from is None:
            return None
        covered = (period_end - max(self.period_data_from, period_end - self.period)) / self.period
        return min(max(covered, 0.0), 1.0)

    @property
    def trend(self) -> float | None:
        """Week attainment minus previous week's, in ratio points (positive is better)."""
        a, b = self.week.sli, self.previous.sli
        return None if a is None or b is None else a - b

    @property
    def status(self) -> str:
        """``met``, ``at risk`` (burning faster than sustainable or < 25 % budget left),
        ``breached`` (the period is below objective), ``no data`` or ``unavailable``."""
        if not self.available:
            return STATUS_UNAVAILABLE
        remaining, burn = self.budget_remaining, self.error_budget_burn_rate
        if remaining is None:
            return STATUS_NO_DATA
        if remaining < 0:
            return STATUS_BREACHED
        if remaining < AT_RISK_REMAINING or (burn is not None and burn > 1):
            return STATUS_AT_RISK
        return STATUS_MET

    def _repr_html_(self) -> str:
        from qobserve.notebook.display import slo_html

        return slo_html(self)

    def _repr_markdown_(self) -> str:
        from qobserve.notebook.display import slo_markdown

        return slo_markdown(self)

    def worst_days(self, n: int = 3) -> list[DayPoint]:
        """Days with bad events, worst error ratio first (ties: more bad events first)."""
        days = [d for d in self.daily if d.counts.bad > 0]
        return sorted(days, key=lambda d: (-(d.counts.error_ratio or 0), -d.counts.bad))[:n]


@dataclass
class Table:
    """A titled table for the operations section; renderers print any of them alike."""

    key: str
    title: str
    columns: list[str]
    rows: list[list[object]] = field(default_factory=list)
    #: why it is empty or what to know, e.g. "needs Prometheus"
    note: str = ""
    #: how to print each column: text, num, pct, s (seconds), usd, time (see fmt.format_cell)
    formats: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DailyOps:
    """Job volume, success and latency of one day (charts)."""

    date: date
    jobs: float
    success_ratio: float | None
    duration_p50: float | None
    duration_p95: float | None
    cost_usd: float
    #: backend type -> (p50, p95) of the day's durations: simulators and QPUs apart
    latency_by_type: dict[str, tuple[float | None, float | None]] = field(default_factory=dict)


@dataclass
class Operations:
    tables: list[Table] = field(default_factory=list)
    daily: list[DailyOps] = field(default_factory=list)

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


@dataclass
class Report:
    """The weekly SLO report."""

    window: Window
    previous: Window
    generated_at: datetime
    source: str
    slos: list[SLOResult]
    operations: Operations
    #: data-quality remarks (events skipped, SLIs not computable from this source)
    notes: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        end, now = self.window.end, self.generated_at
        if end > now:
            # whichever the source, a window that has not ended yet lacks its last part
            left = Window(now, end, self.window.tz, "").length
            kind = "week" if self.window.kind == "week" else "range"
            local = self.window.local
            self.notes.append(
                f"The {kind} ends at {local(end):%Y-%m-%d %H:%M}, after this report was "
                f"generated ({local(now):%Y-%m-%d %H:%M}): its last {_spoken(left)} has no "
                "data yet."
            )

    @property
    def file_stem(self) -> str:
        """``slo-report-2026-W47`` (ranges: ``slo-report-2026-11-01..2026-11-08``)."""
        return "slo-report-" + self.window.label.replace(":", "").replace("/", "-")

    def _repr_html_(self) -> str:
        from qobserve.notebook.display import report_html

        return report_html(self)

    def _repr_markdown_(self) -> str:
        from qobserve.notebook.display import report_markdown

        return report_markdown(self)


def _spoken(length: str) -> str:
    """``1 min`` as ``minute``, ``1 h`` as ``hour``; others as they are."""
    return {"1 min": "minute", "1 h": "hour"}.get(length, length)
