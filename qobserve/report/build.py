"""Assemble a :class:`~qobserve.report.model.Report` from job events or from Prometheus.

Example::

    window = Window.iso_week("2026-W47", "Europe/Zurich")
    events = read_store(".qobserve/events.db", window=events_range(window, slos))
    report = report_from_events(events, slos, window)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from qobserve.report.events import EventData
from qobserve.report.model import Report, SLOResult
from qobserve.report.operations import event_operations
from qobserve.report.period import Window
from qobserve.report.sli import EventIndex, boundaries, compute_event_slo
from qobserve.slo.model import SLO, EventSLI, duration_str


def events_range(window: Window, slos: Sequence[SLO]) -> tuple[datetime, datetime]:
    """The span of events the report needs: the previous week and each SLO's period."""
    edges = boundaries(window, window.previous(), [s.period for s in slos])
    return edges[0], edges[-1]


def divergence_threshold(slos: Sequence[SLO]) -> float | None:
    """The fidelity threshold of the first divergence SLO, for the operations table."""
    for s in slos:
        if isinstance(s.sli, EventSLI) and s.sli.kind == "divergence":
            value = s.sli.params.get("fidelity_threshold")
            if isinstance(value, int | float):
                return float(value)
    return None


def coverage_notes(results: Sequence[SLOResult], window: Window) -> list[str]:
    """A note for the SLOs whose period has data for only part of it (a new deployment, a
    Prometheus that keeps less than the period): their figures cover that part only. SLOs
    covered alike (the same period and days) share one note."""
    groups: dict[tuple[timedelta, str], list[SLOResult]] = {}
    for r in results:
        share = r.period_coverage(window.end) if r.available else None
        if share is not None and share < 0.99 and r.period_data_from is not None:
            days = f"{share * r.period / timedelta(days=1):.1f}"
            groups.setdefault((r.period, days), []).append(r)
    notes = []
    for (period, days), group in groups.items():
        since = min(r.period_data_from for r in group if r.period_data_from is not None)
        their = "its" if len(group) == 1 else "their"
        notes.append(
            f"{', '.join(r.name for r in group)}: data covers {days} of {their} "
            f"{duration_str(period)} period (since {window.local(since):%Y-%m-%d %H:%M}); the "
            "period's figures are over that part only."
        )
    return notes


def report_from_events(
    events: EventData,
    slos: Sequence[SLO],
    window: Window,
    *,
    source: str = "",
    now: datetime | None = None,
) -> Report:
    """Compute every SLO and the operations section for ``window`` from ``events``."""
    previous = window.previous()
    index = EventIndex(events.frame, boundaries(window, previous, [s.period for s in slos]))
    results = [compute_event_slo(s, index, window, previous) for s in slos]
    notes = []
    if events.missing_time:
        notes.append(f"{events.missing_time} events have no finished_at and were left out.")
    if events.repeated_ids:
        notes.append(
            f"{events.repeated_ids} events were in more than one source and are counted once "
            "(by job id)."
        )
    unavailable = [r.name for r in results if not r.available]
    if unavailable:
        notes.append(
            f"Not computable from job events (needs Prometheus): {', '.join(unavailable)}."
        )
    for r in results:
        if r.available and r.period_counts.total == 0:
            notes.append(f"{r.name}: no events in its period; nothing to measure.")
    notes += coverage_notes(results, window)
    ops = event_operations(index, window, previous, divergence_threshold(slos))
    return Report(
        window, previous, now or datetime.now(UTC), source or events.source, results, ops, notes
    )
