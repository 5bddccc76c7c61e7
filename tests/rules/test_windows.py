"""Burn-rate windows and factors, checked against Sloth v0.16.0's rendered rules."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import yaml

from qobserve.rules.windows import PAGE, SEVERITIES, TICKET, max_burn, reachable
from tests.rules.conftest import SLOTH, sloth_golden


def sloth_alerts(path: str) -> dict[str, list[tuple[str, str, float]]]:
    """severity -> [(short, long, factor)] read from a Sloth golden's alert expressions."""
    doc = yaml.safe_load(sloth_golden(SLOTH / path))
    out: dict[str, list[tuple[str, str, float]]] = {}
    for group in doc["groups"]:
        for rule in group["rules"]:
            if "alert" not in rule:
                continue
            found = re.findall(r"ratio_rate(\w+)\{[^}]*\} > \(([\d.e-]+) \*", rule["expr"])
            pairs = [
                (found[i][0], found[i + 1][0], float(found[i][1])) for i in range(0, len(found), 2)
            ]
            out[rule["labels"]["sloth_severity"]] = pairs
    return out


@pytest.mark.parametrize(
    ("golden", "days"),
    [("01-base-30d/out-base.yaml.tpl", 30), ("02-base-28d/out-base-28d.yaml.tpl", 28)],
)
@pytest.mark.shared
def test_windows_and_factors_match_sloth(golden: str, days: int) -> None:
    sloth = sloth_alerts(golden)
    ours = {
        sev: [(w.short, w.long, w.factor(timedelta(days=days))) for w in windows]
        for sev, windows in SEVERITIES.items()
    }
    assert ours.keys() == sloth.keys()
    for severity, pairs in sloth.items():
        assert [(s, lg) for s, lg, _ in ours[severity]] == [(s, lg) for s, lg, _ in pairs]
        # Sloth computes the same float: budget% / 100 * period hours / long window hours,
        # except that qobserve never alerts below 1x (28 days: 0.93x over 3d)
        assert [f for _, _, f in ours[severity]] == [max(1.0, f) for _, _, f in pairs]


@pytest.mark.shared
@pytest.mark.parametrize("name", ["google-30d.yaml", "google-28d.yaml"])
def test_budget_shares_are_sloths_default_windows(name: str) -> None:
    spec = yaml.safe_load((SLOTH / "windows" / name).read_text())["spec"]
    for severity, windows in (("page", PAGE), ("ticket", TICKET)):
        theirs = [spec[severity][speed] for speed in ("quick", "slow")]
        assert [(w.short, w.long, w.budget_percent) for w in windows] == [
            (
                t["shortWindow"],
                t["longWindow"].replace("24h", "1d").replace("72h", "3d"),
                t["errorBudgetPercent"],
            )
            for t in theirs
        ]


@pytest.mark.parametrize("days", [4, 7, 14, 28, 30, 90])
def test_every_alert_needs_a_burn_of_at_least_one(days: int) -> None:
    # Scaling the 30-day shares to a week would ticket at 0.23x over 3 days: a burn that leaves
    # three quarters of the budget at the end of the period. The floor is 1x.
    period = timedelta(days=days)
    for windows in (PAGE, TICKET):
        for w in windows:
            assert w.factor(period) >= 1
            raw = w.budget_percent / 100 * period.total_seconds() / w.long_seconds
            assert w.factor(period) == pytest.approx(max(1.0, raw))
    week = timedelta(days=7)
    assert [round(w.factor(week), 4) for w in PAGE] == [3.36, 1.4]
    assert [round(w.factor(week), 4) for w in TICKET] == [1, 1]


def test_reachability() -> None:
    month = timedelta(days=30)
    assert max_burn(0.1) == 10
    assert not reachable(PAGE[:1], month, 0.1)  # 14.4x needs more than every event failing
    assert reachable(PAGE, month, 0.1)  # but 6x over 6h does not
    assert not reachable(PAGE, month, 0.2)
