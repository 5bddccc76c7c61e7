"""Behaviour next to Sloth v0.16.0: the same spec, Sloth's golden rules and ours, replayed
together through promtool on the same traffic.

Where the two agree by design (window SLIs on steady traffic, page and ticket firing times),
every minute of the scenario is compared. Where qobserve differs on purpose, the difference is
shown: no NaN at zero traffic, a period SLI exact on uneven traffic, and a period SLI that
survives a quiet spell (Sloth's averaging turns NaN for the whole period once one 5m window
had no traffic).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qobserve.rules import rules_text
from qobserve.slo import load
from qobserve.slo.model import SLI_WINDOWS
from tests.rules.conftest import SLOTH, sloth_golden
from tests.rules.promtool import close_to, run_tests, series

pytestmark = pytest.mark.shared

BASE = SLOTH / "01-base-30d" / "in-base.yaml"
JOB = {"job": "myservice"}
METRIC = "http_request_duration_seconds_count"
SLOTH_SLO = 'sloth_id="svc01-slo1"'
OURS = 'slo="svc01-slo1"'


def files() -> dict[str, str]:
    return {
        "sloth.rules.yml": sloth_golden(SLOTH / "01-base-30d" / "out-base.yaml.tpl"),
        "qobserve.rules.yml": rules_text(load([BASE]), operational=False),
    }


def traffic(phases: list[tuple[int, int, int]]) -> list[dict[str, str]]:
    """Input series for (ok per minute, 5xx per minute, minutes) phases."""

    def values(pick: int) -> str:
        parts, total = [], 0
        for i, phase in enumerate(phases):
            step, minutes = phase[pick], phase[2]
            start = total if i == 0 else total + step
            parts.append(f"{start}+{step}x{minutes if i == 0 else minutes - 1}")
            total += step * minutes
        return " ".join(parts)

    return [
        series(METRIC, {**JOB, "code": "200"}, values(0)),
        series(METRIC, {**JOB, "code": "503"}, values(1)),
    ]


def firing(severity: str, sloth: bool, offset: str = "") -> str:
    at = f" offset {offset}" if offset else ""
    if sloth:
        return (
            f'count(ALERTS{{alertname="myServiceAlert",sloth_severity="{severity}",'
            f'alertstate="firing"}}{at}) or vector(0)'
        )
    return (
        f'count(ALERTS{{alertname="myServiceAlert",severity="{severity}",{OURS},'
        f'alertstate="firing"}}{at}) or vector(0)'
    )


def same(severity: str, at: str) -> dict[str, Any]:
    """A check that Sloth's alert is in the state of ours at ``at``, or of ours a minute
    earlier: Sloth evaluates its alerts in a group of their own, which may read the records of
    the previous evaluation; qobserve evaluates an SLO's records and alerts in one group."""
    sloth, now, before = (
        firing(severity, True),
        firing(severity, False),
        firing(severity, False, "1m"),
    )
    return {
        "expr": f"(({sloth}) - on () ({now})) * on () (({sloth}) - on () ({before}))",
        "eval_time": at,
        "exp_samples": [{"labels": "{}", "value": 0}],
    }


def test_alerts_fire_and_clear_at_the_same_minutes(tmp_path: Path) -> None:
    # an hour healthy, an hour at a 23x burn (2.3 % errors), two hours healthy again; odd
    # numbers keep every window's ratio off a threshold at whole minutes, where Sloth's budget,
    # (100 - 99.9) / 100 = 0.0009999999999999432, would tip a tie its way
    phases = [(1000, 0, 60), (977, 23, 60), (1000, 0, 120)]
    checks = [same(sev, f"{m}m") for m in range(0, 241) for sev in ("page", "ticket")]
    # not vacuous: both severities do fire during the burn
    checks += [
        {
            "expr": firing(sev, False),
            "eval_time": "110m",
            "exp_samples": [{"labels": "{}", "value": 1}],
        }
        for sev in ("page", "ticket")
    ]
    run_tests(
        tmp_path,
        files(),
        [{"interval": "1m", "input_series": traffic(phases), "promql_expr_test": checks}],
        name="sloth-alerts",
    )


def test_window_slis_are_equal_on_steady_traffic(tmp_path: Path) -> None:
    checks = []
    for window in SLI_WINDOWS:
        for slo_sloth, slo_ours in (
            (SLOTH_SLO, OURS),
            ('sloth_id="svc01-slo02"', 'slo="svc01-slo02"'),
        ):
            checks.append(
                {
                    "expr": close_to(
                        f"slo:sli_error:ratio_rate{window}{{{slo_ours}}} - on () "
                        f"slo:sli_error:ratio_rate{window}{{{slo_sloth}}}",
                        0,
                        1e-12,
                    ),
                    "eval_time": "90m",
                    "exp_samples": [{"labels": "{}", "value": 1}],
                }
            )
    run_tests(
        tmp_path,
        files(),
        [{"interval": "1m", "input_series": traffic([(990, 10, 90)]), "promql_expr_test": checks}],
        name="sloth-windows",
    )


def test_zero_traffic_is_no_data_not_nan(tmp_path: Path) -> None:
    nan = "slo:sli_error:ratio_rate5m{{{0}}} != slo:sli_error:ratio_rate5m{{{0}}}"
    run_tests(
        tmp_path,
        files(),
        [
            {
                "interval": "1m",
                "input_series": traffic([(100, 1, 30), (0, 0, 30)]),
                "promql_expr_test": [
                    # Sloth: 0/0 = NaN, which no comparison matches and dashboards draw as gaps/NaN
                    {
                        "expr": f"count({nan.format(SLOTH_SLO)})",
                        "eval_time": "60m",
                        "exp_samples": [{"labels": "{}", "value": 1}],
                    },
                    # qobserve: no series at all while there is no traffic
                    {
                        "expr": f"slo:sli_error:ratio_rate5m{{{OURS}}}",
                        "eval_time": "60m",
                        "exp_samples": [],
                    },
                    {
                        "expr": f"sum(slo:sli_total:rate5m{{{OURS}}})",
                        "eval_time": "60m",
                        "exp_samples": [{"labels": "{}", "value": 0}],
                    },
                ],
            }
        ],
        name="sloth-zero",
    )


def test_period_sli_exact_on_uneven_traffic(tmp_path: Path) -> None:
    # busy hour: 60 000 requests, 0.1 % errors; quiet hour: 600 requests, 50 % errors
    exact = (60 + 300) / (60_000 + 600)
    period = "slo:sli_error:ratio_rate30d"
    run_tests(
        tmp_path,
        files(),
        [
            {
                "interval": "1m",
                "input_series": traffic([(999, 1, 60), (5, 5, 60), (0, 0, 10)]),
                "promql_expr_test": [
                    {
                        "expr": close_to(f"sum({period}{{{OURS}}})", exact),
                        "eval_time": "130m",
                        "exp_samples": [{"labels": "{}", "value": 1}],
                    },
                    # Sloth averages the 5m ratios: the quiet hour weighs as much as the busy one
                    {
                        "expr": f"sum({period}{{{SLOTH_SLO}}}) > bool 0.2",
                        "eval_time": "120m",
                        "exp_samples": [{"labels": "{}", "value": 1}],
                    },
                    # ...and after ten idle minutes its period SLI is NaN for the next 30 days
                    {
                        "expr": f"count({period}{{{SLOTH_SLO}}} != {period}{{{SLOTH_SLO}}})",
                        "eval_time": "130m",
                        "exp_samples": [{"labels": "{}", "value": 1}],
                    },
                ],
            }
        ],
        name="sloth-period",
    )
