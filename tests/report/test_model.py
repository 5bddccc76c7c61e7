"""Derived figures and status rules of one SLO, on counts chosen by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from qobserve.report.model import Counts, SLOResult


def result(week_bad: float, period_bad: float) -> SLOResult:
    """A 99 % SLO; the week has 100 events, its 28-day period 1000."""
    return SLOResult("s", "svc", "job_success", 0.99, timedelta(days=28),
                     week=Counts(100 - week_bad, week_bad),
                     period_counts=Counts(1000 - period_bad, period_bad))  # fmt: skip


@pytest.mark.parametrize(("week_bad", "period_bad", "status", "remaining", "burn"), [
    # 0 bad this week; 5 of 1000 in the period: 1 - 0.005 / 0.01 = 0.5 left
    (0, 5, "met", 0.5, 0.0),
    # 2 bad of 100 is an error ratio of 0.02: twice the budget rate, though 50 % is left
    (2, 5, "at risk", 0.5, 2.0),
    # 8 of 1000: 0.2 left, under the 25 % line
    (0, 8, "at risk", 0.2, 0.0),
    # 11 of 1000: 10 % overspent
    (1, 11, "breached", -0.1, 1.0),
])  # fmt: skip
def test_status_rules(week_bad: float, period_bad: float, status: str, remaining: float,
                      burn: float) -> None:  # fmt: skip
    r = result(week_bad, period_bad)
    assert r.status == status
    assert r.budget_remaining == pytest.approx(remaining)
    assert r.error_budget_burn_rate == pytest.approx(burn)


def test_budget_consumed_this_week() -> None:
    # 2 bad events of an allowed 0.01 * 1000 = 10 for the period
    assert result(2, 5).budget_consumed == pytest.approx(0.2)
    assert result(2, 5).gap == pytest.approx(0.98 - 0.99)


def test_worst_days_order() -> None:
    from datetime import date

    from qobserve.report.model import DayPoint

    r = result(0, 0)
    days = [(9, 9, 1), (10, 0, 0), (11, 1, 1), (12, 18, 2), (13, 3, 1)]
    r.daily = [DayPoint(date(2026, 11, d), Counts(g, b)) for d, g, b in days]
    # ratios: 9th 0.1, 11th 0.5, 12th 0.1 (but 2 bad), 13th 0.25; the 10th had none
    assert [d.date.day for d in r.worst_days(4)] == [11, 13, 12, 9]
