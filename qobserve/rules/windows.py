"""Multiwindow multi-burn-rate alert windows (Google SRE Workbook, chapter 5).

Each window pair fires when both its long and its short window burn the error budget faster than
a factor. Factors are derived from the share of the budget a burn may consume over the long
window, so a 28-day or 7-day SLO keeps the same budget shares as the 30-day reference (the way
Sloth scales them)::

    factor = max(1, budget_percent / 100 * period_hours / long_window_hours)

(the floor of 1 is where qobserve differs from Sloth: below 1x the budget lasts the period).

Example::

    [w.factor(timedelta(days=30)) for w in PAGE]     # [14.4, 6.0]
    [w.factor(timedelta(days=28)) for w in PAGE]     # [13.44, 5.6000000000000005]
    [w.factor(timedelta(days=7)) for w in TICKET]    # [1.0, 1.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta

from qobserve.slo.promql import parse_duration

#: The lowest factor an alert fires at: the sustainable burn rate.
MIN_FACTOR = 1.0


@dataclass(frozen=True)
class BurnWindow:
    """Alert when ``budget_percent`` % of the period's budget burns within ``long``, confirmed
    by the ``short`` window (which also makes the alert stop soon after the burn stops)."""

    short: str
    long: str
    budget_percent: float

    def factor(self, period: timedelta) -> float:
        """The burn rate (multiple of the sustainable rate) that consumes the budget share,
        never below 1: a burn under 1x leaves budget at the end of the period, so alerting on
        it (Sloth's 0.93x over 3d on 28 days, 0.23x on 7 days) would be a false alarm."""
        period_hours = period.total_seconds() / 3600
        long_hours = parse_duration(self.long).total_seconds() / 3600
        return max(MIN_FACTOR, self.budget_percent / 100 * period_hours / long_hours)

    @property
    def long_seconds(self) -> int:
        """The long window in seconds."""
        return int(parse_duration(self.long).total_seconds())


#: Page: 2 % of the budget in 1 h (14.4x on 30 d) or 5 % in 6 h (6x).
PAGE: tuple[BurnWindow, ...] = (BurnWindow("5m", "1h", 2), BurnWindow("30m", "6h", 5))
#: Ticket: 10 % of the budget in 1 d (3x on 30 d) or in 3 d (1x).
TICKET: tuple[BurnWindow, ...] = (BurnWindow("2h", "1d", 10), BurnWindow("6h", "3d", 10))
SEVERITIES: dict[str, tuple[BurnWindow, ...]] = {"page": PAGE, "ticket": TICKET}


def max_burn(error_budget: float) -> float:
    """The highest burn rate possible: every event bad (infinite for a 100 % objective)."""
    return 1.0 / error_budget if error_budget > 0 else math.inf


def reachable(windows: tuple[BurnWindow, ...], period: timedelta, error_budget: float) -> bool:
    """Whether a total outage can trigger at least one of ``windows`` (a 90 % objective can
    burn at most 10x, less than the 14.4x of the fast page)."""
    return any(w.factor(period) < max_burn(error_budget) for w in windows)
