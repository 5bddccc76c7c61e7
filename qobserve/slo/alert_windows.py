"""Burn-rate window pairs, and Sloth's ``AlertWindows`` files that set them for one period.

A window pair alerts when ``budget_percent`` % of the period's error budget burns within its
long window, confirmed by its short one. Without a file, SLOs use the Google SRE Workbook table
scaled to their period (:mod:`qobserve.rules.windows`); an ``AlertWindows`` file in the catalog
gives the pairs of the SLOs of its ``sloPeriod`` instead, in Sloth's format::

    apiVersion: sloth.slok.dev/v1
    kind: AlertWindows
    spec:
      sloPeriod: 7d
      page:
        quick: {errorBudgetPercent: 8, shortWindow: 5m, longWindow: 1h}
        slow: {errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h}
      ticket:
        quick: {errorBudgetPercent: 20, shortWindow: 2h, longWindow: 1d}
        slow: {errorBudgetPercent: 42, shortWindow: 6h, longWindow: 3d}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from qobserve.slo.model import duration_str
from qobserve.slo.problems import Where, short
from qobserve.slo.promql import parse_duration

API_VERSION = "sloth.slok.dev/v1"
KIND = "AlertWindows"
#: The lowest factor an alert fires at: the sustainable burn rate.
MIN_FACTOR = 1.0
#: severity -> the keys of its window pairs, in Sloth's order
SPEEDS = ("quick", "slow")


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


#: severity ("page", "ticket") -> its window pairs
Severities = Mapping[str, tuple[BurnWindow, ...]]


@dataclass(frozen=True)
class AlertWindows:
    """The window pairs of one ``AlertWindows`` file and the period they are for."""

    period: timedelta
    severities: Severities
    source: str


def is_alert_windows(doc: Mapping[str, Any]) -> bool:
    """Whether ``doc`` is an ``AlertWindows`` document."""
    return doc.get("apiVersion") == API_VERSION and doc.get("kind") == KIND


def parse(doc: Mapping[str, Any], where: Where) -> AlertWindows | None:
    """The windows of one ``AlertWindows`` document, or None after recording every problem."""
    where.check_keys(doc, ("apiVersion", "kind", "metadata", "spec"))
    at = where.at("spec")
    if "spec" not in doc:
        at.error("is required")
        return None
    spec = at.mapping(doc["spec"])
    if spec is None:
        return None
    n_errors = len(where.problems.errors)
    at.check_keys(spec, ("sloPeriod", "page", "ticket"))
    period = _duration(spec.get("sloPeriod"), at.at("sloPeriod"))
    severities: dict[str, tuple[BurnWindow, ...]] = {}
    for severity in ("page", "ticket"):
        here = at.at(severity)
        if severity not in spec:
            here.error("is required")
            continue
        raw = here.mapping(spec[severity])
        if raw is None:
            continue
        here.check_keys(raw, SPEEDS)
        pairs = [_window(raw.get(speed), here.at(speed), period) for speed in SPEEDS]
        severities[severity] = tuple(p for p in pairs if p is not None)
    if len(where.problems.errors) > n_errors or period is None:
        return None
    return AlertWindows(period, severities, where.path)


def _window(raw: Any, where: Where, period: timedelta | None) -> BurnWindow | None:
    if raw is None:
        where.error("is required")
        return None
    item = where.mapping(raw)
    if item is None:
        return None
    where.check_keys(item, ("errorBudgetPercent", "shortWindow", "longWindow"))
    budget = item.get("errorBudgetPercent")
    if isinstance(budget, bool) or not isinstance(budget, int | float) or not math.isfinite(budget):
        where.at("errorBudgetPercent").error(f"must be a percentage such as 2, got {short(budget)}")
        budget = None
    elif not 0 < budget <= 100:
        where.at("errorBudgetPercent").error(f"must be above 0 and at most 100, got {budget}")
        budget = None
    short_window = _duration(item.get("shortWindow"), where.at("shortWindow"))
    long_window = _duration(item.get("longWindow"), where.at("longWindow"))
    if short_window is None or long_window is None or budget is None:
        return None
    if short_window >= long_window:
        where.at("shortWindow").error(
            f"{duration_str(short_window)} must be shorter than longWindow "
            f"({duration_str(long_window)})"
        )
        return None
    if period is not None and long_window > period:
        where.at("longWindow").error(
            f"{duration_str(long_window)} is longer than the sloPeriod ({duration_str(period)})"
        )
        return None
    return BurnWindow(duration_str(short_window), duration_str(long_window), float(budget))


def _duration(value: Any, where: Where) -> timedelta | None:
    if value is None:
        where.error("is required")
        return None
    if not isinstance(value, str):
        where.error(f"must be a duration such as 1h, got {short(value)}")
        return None
    try:
        duration = parse_duration(value)
    except ValueError as err:
        where.error(str(err))
        return None
    if duration.total_seconds() % 1:
        where.error(f"{value!r} is not a whole number of seconds")
        return None
    return duration
