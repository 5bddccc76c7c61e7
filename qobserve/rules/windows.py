"""Multiwindow multi-burn-rate alert windows (Google SRE Workbook, chapter 5).

Each window pair fires when both its long and its short window burn the error budget faster than
a factor. Factors are derived from the share of the budget a burn may consume over the long
window, so a 28-day or 7-day SLO keeps the same budget shares as the 30-day reference (the way
Sloth scales them)::

    factor = max(1, budget_percent / 100 * period_hours / long_window_hours)

(the floor of 1 is where qobserve differs from Sloth: below 1x the budget lasts the period).
An ``AlertWindows`` file replaces the table for the SLOs of its period (:func:`severities`).

Example::

    [w.factor(timedelta(days=30)) for w in PAGE]     # [14.4, 6.0]
    [w.factor(timedelta(days=28)) for w in PAGE]     # [13.44, 5.6000000000000005]
    [w.factor(timedelta(days=7)) for w in TICKET]    # [1.0, 1.0]
"""

from __future__ import annotations

import math
from datetime import timedelta

from qobserve.slo.alert_windows import MIN_FACTOR, BurnWindow, Severities
from qobserve.slo.model import SLO

__all__ = ["MIN_FACTOR", "PAGE", "SEVERITIES", "TICKET", "BurnWindow", "max_burn", "reachable",
           "severities"]  # fmt: skip

#: Page: 2 % of the budget in 1 h (14.4x on 30 d) or 5 % in 6 h (6x).
PAGE: tuple[BurnWindow, ...] = (BurnWindow("5m", "1h", 2), BurnWindow("30m", "6h", 5))
#: Ticket: 10 % of the budget in 1 d (3x on 30 d) or in 3 d (1x).
TICKET: tuple[BurnWindow, ...] = (BurnWindow("2h", "1d", 10), BurnWindow("6h", "3d", 10))
SEVERITIES: dict[str, tuple[BurnWindow, ...]] = {"page": PAGE, "ticket": TICKET}


def severities(slo: SLO) -> Severities:
    """The SLO's window pairs per severity: those of the ``AlertWindows`` file of its period
    (see :mod:`qobserve.slo.alert_windows`), else the table above scaled to its period."""
    return slo.alert_windows or SEVERITIES


def max_burn(error_budget: float) -> float:
    """The highest burn rate possible: every event bad (infinite for a 100 % objective)."""
    return 1.0 / error_budget if error_budget > 0 else math.inf


def reachable(windows: tuple[BurnWindow, ...], period: timedelta, error_budget: float) -> bool:
    """Whether a total outage can trigger at least one of ``windows`` (a 90 % objective can
    burn at most 10x, less than the 14.4x of the fast page)."""
    return any(w.factor(period) < max_burn(error_budget) for w in windows)
