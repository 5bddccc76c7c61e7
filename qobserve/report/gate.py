"""Error-budget policy: is enough of an SLO's error budget left to go ahead?

``qobserve gate --slo NAME`` (CI, before a hardware sweep) and
:func:`qobserve.require_error_budget` (in code) ask the same question of the same figures as
the weekly report: the share of the error budget left over the SLO's rolling period ending
now, ``1 - period error ratio / error budget`` (:attr:`SLOResult.budget_remaining`), from the
event store or from Prometheus.

Example::

    status = error_budget_status("job-success-qpu", min_budget=0.1)
    status.ok          # False when 10 % of the budget or less is left
    print("\\n".join(status.lines()))
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from qobserve.exceptions import ErrorBudgetExhausted, InputError
from qobserve.promapi import PrometheusAuth
from qobserve.report.model import SLOResult
from qobserve.report.period import Window
from qobserve.slo.model import SLO

#: the default threshold: go ahead while more than 10 % of the error budget is left
DEFAULT_MIN_BUDGET = 0.1


@dataclass(frozen=True)
class BudgetStatus:
    """An SLO's error budget now, against a threshold."""

    slo: SLO
    result: SLOResult
    threshold: float
    source: str

    @property
    def remaining(self) -> float | None:
        """Share of the period's error budget left (negative: overspent; None: no events)."""
        return self.result.budget_remaining

    @property
    def ok(self) -> bool:
        """True when more than ``threshold`` of the budget is left; a period without events
        has spent nothing, so it passes."""
        remaining = self.remaining
        return remaining is None or remaining > self.threshold

    @property
    def policy(self) -> str:
        """What the team agreed to do when the budget is spent: the SLO's ``policy``, else its
        description."""
        return self.slo.policy or self.slo.description

    def lines(self) -> list[str]:
        """The figures for people, first line the verdict."""
        r, slo = self.result, self.slo
        verdict = "ok" if self.ok else "budget too low"
        left = "no events in the period" if self.remaining is None else f"{self.remaining:.1%}"
        unit = "time slices" if r.time_slices else "events"
        period = r.period_counts
        lines = [
            f"{slo.name}: error budget left {left} (threshold {self.threshold:.1%}): {verdict}",
            f"  objective {slo.objective:.4%} over {slo.period_str}; {period.total:g} {unit} in "
            f"the period, {period.bad:g} bad (error budget {slo.error_budget:.4%})",
            f"  source: {self.source}",
        ]
        if not self.ok and self.policy:
            lines.append(f"  policy: {self.policy}")
        return lines


def error_budget_status(
    slo: str,
    *,
    min_budget: float = DEFAULT_MIN_BUDGET,
    slos: str | os.PathLike[str] | Sequence[SLO] | None = None,
    store: str | os.PathLike[str] | None = None,
    prometheus: str | None = None,
    auth: PrometheusAuth | None = None,
    now: datetime | None = None,
) -> BudgetStatus:
    """The error budget of the SLO named ``slo`` (in the catalog ``slos``: a folder, a file or
    the SLOs; default ``slo/`` or the shipped catalog) at ``now``, from ``prometheus`` (a URL)
    or else the event store ``store`` (default: the store this process writes to, flushed,
    else ``$QOBSERVE_STORE``). Raises :class:`InputError` for an unknown SLO, a threshold out
    of range, an unreachable source, or an SLI the store cannot compute."""
    from qobserve.report import build_report

    if not 0 <= min_budget < 1:
        raise InputError(f"must be at least 0 and below 1, got {min_budget}", field="--min-budget")
    chosen = _find(slo, slos)
    end = (now or datetime.now(UTC)).astimezone(UTC)
    window = Window(end - timedelta(days=1), end, ZoneInfo("UTC"), "gate")
    if prometheus is not None:
        report = build_report([chosen], window, source="prometheus", path=prometheus, auth=auth)
    else:
        path = os.fspath(store) if store is not None else _own_store()
        report = build_report([chosen], window, source="store", path=path, now=end)
    [result] = report.slos
    if not result.available:
        raise InputError(
            f"SLO {slo!r} cannot be computed from {report.source} ({result.note}); "
            "ask Prometheus (--prometheus URL)",
            path=chosen.source,
            field="--slo",
        )
    return BudgetStatus(chosen, result, min_budget, report.source)


def require_error_budget(
    slo: str,
    min_budget: float = DEFAULT_MIN_BUDGET,
    *,
    slos: str | os.PathLike[str] | Sequence[SLO] | None = None,
    store: str | os.PathLike[str] | None = None,
    prometheus: str | None = None,
) -> BudgetStatus:
    """Raise :class:`~qobserve.exceptions.ErrorBudgetExhausted` (with the figures and the
    SLO's policy) unless more than ``min_budget`` of the SLO's error budget is left; returns
    the status otherwise. Sources as in :func:`error_budget_status`.

    Example::

        qobserve.require_error_budget("job-success-qpu")   # before a hardware sweep
    """
    status = error_budget_status(
        slo, min_budget=min_budget, slos=slos, store=store, prometheus=prometheus
    )
    if not status.ok:
        remaining = status.remaining
        assert remaining is not None  # no events passes
        raise ErrorBudgetExhausted(
            slo, remaining=remaining, threshold=min_budget, policy=status.policy
        )
    return status


def _find(name: str, slos: str | os.PathLike[str] | Sequence[SLO] | None) -> SLO:
    if slos is None:
        from qobserve.slo import default_catalog

        slos = default_catalog()
    where = ""
    if isinstance(slos, str | os.PathLike):
        from qobserve.slo import load

        where = os.fspath(slos)
        if not Path(slos).exists():
            raise InputError("no such SLO folder or file", path=where, field="--slo-dir")
        slos = load([slos])
    known = {s.name: s for s in slos}
    if name not in known:
        raise InputError(
            f"unknown SLO {name!r}; known: {', '.join(sorted(known))}",
            path=where or None,
            field="--slo",
        )
    return known[name]


def _own_store() -> str | Path | None:
    """The store this process writes to, flushed (None: the report's default)."""
    from qobserve.telemetry import current_telemetry

    telemetry = current_telemetry()
    store = telemetry.store if telemetry is not None else None
    if store is None:
        return None
    store.flush(30.0)
    return store.path
