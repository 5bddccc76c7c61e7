"""The alerting behaviour the catalog promises, replayed through promtool.

Hand-computed scenarios on the catalog's job-success SLOs (99 % for QPU-class backends and
99.5 % for simulators, 28-day period, so the page factors are 13.44x over 1h/5m and 5.6x over
6h/30m, and the ticket factors 2.8x over 1d/2h and 1x (not 0.93x) over 3d/6h):

- a total outage pages within about ten minutes;
- a 20x burn pages within the hour;
- a 2x burn raises a ticket and never a page, over three days;
- a healthy service, and one whose traffic stops, raise nothing and record no NaN;
- uneven traffic gives the exact period ratio;
- an outage of a handful of jobs stays under the min_events guard.
"""

from __future__ import annotations

from pathlib import Path

from qobserve.rules import groups
from qobserve.rules.render import dump
from qobserve.slo.model import SLO
from tests.rules.promtool import alerts, close_to, ever, run_tests

QPU = {"backend": "ibm_kyiv", "backend_type": "qpu", "experiment": "vqe"}
SIM = {"backend": "aer_simulator", "backend_type": "simulator", "experiment": "vqe"}


def rules(*slos: SLO) -> dict[str, str]:
    return {"slo.rules.yml": dump({"groups": groups(slos, operational=False)})}


def jobs(
    labels: dict[str, str], phases: list[tuple[int, int, int]], step: int = 1
) -> list[dict[str, str]]:
    """quantum_jobs_total series for (successes, failures, samples) phases; ``step`` is the
    sample interval in minutes (the counts are per sample)."""
    out = []
    for outcome, error_type, pick in (("success", "none", 0), ("error", "job_failed", 1)):
        parts, total = [], 0
        for i, phase in enumerate(phases):
            inc, n = phase[pick], phase[2]
            parts.append(f"{total if i == 0 else total + inc}+{inc}x{n if i == 0 else n - 1}")
            total += inc * n
        inner = ",".join(
            f'{k}="{v}"'
            for k, v in sorted({**labels, "outcome": outcome, "error_type": error_type}.items())
        )
        out.append({"series": f"quantum_jobs_total{{{inner}}}", "values": " ".join(parts)})
    return out


def test_total_outage_pages_within_ten_minutes(tmp_path: Path, by_name: dict[str, SLO]) -> None:
    qpu, sim = by_name["job-success-qpu"], by_name["job-success-simulator"]
    # six healthy hours (a full 6h window of history), then every job fails from 6h on
    series = jobs(QPU, [(20, 0, 360), (0, 20, 15)]) + jobs(SIM, [(50, 0, 360), (0, 50, 15)])
    checks = [
        # 99 %: the 1h window crosses 13.44 % failed after 8.1 minutes of outage
        alerts(qpu.name, "page", "368m", False),
        alerts(qpu.name, "page", "370m", True),
        # 99.5 %: 6.72 % after 4.1 minutes
        alerts(sim.name, "page", "363m", False),
        alerts(sim.name, "page", "365m", True),
    ]
    run_tests(
        tmp_path,
        rules(qpu, sim),
        [{"interval": "1m", "input_series": series, "promql_expr_test": checks}],
        name="outage",
    )


def test_twenty_fold_burn_pages_within_the_hour(tmp_path: Path, by_name: dict[str, SLO]) -> None:
    qpu = by_name["job-success-qpu"]
    # 20 % of jobs failing is 20x the 1 % budget: 13.44x over the hour after 40.3 minutes
    series = jobs(QPU, [(100, 0, 360), (80, 20, 60)])
    checks = [
        alerts(qpu.name, "page", "395m", False),
        alerts(qpu.name, "page", "405m", True),
        alerts(qpu.name, "page", "420m", True),
    ]
    run_tests(
        tmp_path,
        rules(qpu),
        [{"interval": "1m", "input_series": series, "promql_expr_test": checks}],
        name="burn20x",
    )


def test_two_fold_burn_tickets_and_never_pages(tmp_path: Path, by_name: dict[str, SLO]) -> None:
    qpu = by_name["job-success-qpu"]
    # three days at 2 % failed (2x the budget), sampled every 5 minutes: 500 jobs per sample
    series = jobs(QPU, [(490, 10, 864)], step=5)
    checks = [
        ever(qpu.name, "page", "3d", "5m", False),
        ever(qpu.name, "ticket", "3d", "5m", True),
        alerts(qpu.name, "ticket", "6h", True),
        alerts(qpu.name, "ticket", "3d", True),
    ]
    run_tests(
        tmp_path,
        rules(qpu),
        [{"interval": "5m", "input_series": series, "promql_expr_test": checks}],
        interval="5m",
        name="burn2x",
    )


def test_healthy_then_no_traffic_raises_nothing(
    tmp_path: Path, catalog: list[SLO], by_name: dict[str, SLO]
) -> None:
    qpu = by_name["job-success-qpu"]
    # a day at 0.1 % failed (0.1x), then a day with the process up but no job at all
    series = jobs(QPU, [(999, 1, 288), (0, 0, 288)], step=5)
    group = groups([qpu], operational=False)[0]
    records = sorted({r["record"] for r in group["rules"] if "record" in r})
    nan = [
        {
            "expr": f'count({r}{{slo="{qpu.name}"}} != {r}{{slo="{qpu.name}"}})',
            "eval_time": at,
            "exp_samples": [],
        }
        for r in records
        for at in ("1d", "2d")
    ]
    checks = [
        {
            "expr": f'max_over_time((count(ALERTS{{slo="{qpu.name}"}}) or vector(0))[2d:5m])',
            "eval_time": "2d",
            "exp_samples": [{"labels": "{}", "value": 0}],
        },
        # no traffic: no current ratio (not NaN, not 0), the period figure stays
        {
            "expr": f'slo:sli_error:ratio_rate5m{{slo="{qpu.name}"}}',
            "eval_time": "2d",
            "exp_samples": [],
        },
        {
            "expr": close_to(
                f'sum(slo:period_error_budget_remaining:ratio{{slo="{qpu.name}"}})', 0.9
            ),
            "eval_time": "2d",
            "exp_samples": [{"labels": "{}", "value": 1}],
        },
        *nan,
    ]
    run_tests(
        tmp_path,
        rules(qpu),
        [{"interval": "5m", "input_series": series, "promql_expr_test": checks}],
        interval="5m",
        name="healthy",
    )


def test_uneven_traffic_gives_the_exact_period_ratio(
    tmp_path: Path, by_name: dict[str, SLO]
) -> None:
    qpu = by_name["job-success-qpu"]
    # a busy hour (1000 jobs/min, 1 failing) and a quiet one (10 jobs/min, 5 failing)
    exact = (60 * 1 + 60 * 5) / (60 * 1000 + 60 * 10)
    series = jobs(QPU, [(999, 1, 60), (5, 5, 60), (0, 0, 10)])
    sel = f'{{slo="{qpu.name}"}}'
    checks = [
        {
            "expr": close_to(f"sum(slo:sli_error:ratio_rate28d{sel})", exact),
            "eval_time": "130m",
            "exp_samples": [{"labels": "{}", "value": 1}],
        },
        {
            "expr": close_to(f"sum(slo:period_burn_rate:ratio{sel})", exact / 0.01),
            "eval_time": "130m",
            "exp_samples": [{"labels": "{}", "value": 1}],
        },
        {
            "expr": close_to(
                f"sum(slo:period_error_budget_remaining:ratio{sel})", 1 - exact / 0.01
            ),
            "eval_time": "130m",
            "exp_samples": [{"labels": "{}", "value": 1}],
        },
        # the average of the 5m ratios, which Sloth's period SLI is, says 25 %
        {
            "expr": f"avg_over_time(slo:sli_error:ratio_rate5m{sel}[28d]) > bool 0.2",
            "eval_time": "130m",
            "exp_samples": [{"labels": sel, "value": 1}],
        },
    ]
    run_tests(
        tmp_path,
        rules(qpu),
        [{"interval": "1m", "input_series": series, "promql_expr_test": checks}],
        name="uneven",
    )


def explicit(labels: dict[str, str], ok: list[int], failed: list[int]) -> list[dict[str, str]]:
    """quantum_jobs_total series from per-sample job counts."""
    out = []
    for outcome, error_type, counts in (("success", "none", ok), ("error", "job_failed", failed)):
        values, total = [], 0
        for n in counts:
            total += n
            values.append(str(total))
        inner = ",".join(
            f'{k}="{v}"'
            for k, v in sorted({**labels, "outcome": outcome, "error_type": error_type}.items())
        )
        out.append({"series": f"quantum_jobs_total{{{inner}}}", "values": " ".join(values)})
    return out


def test_min_events_guard(tmp_path: Path, by_name: dict[str, SLO]) -> None:
    qpu = by_name["job-success-qpu"]
    assert qpu.min_events == 10
    # every 5 minutes for 8 hours: one job an hour for five hours, then three failing jobs
    # 5 minutes apart; every window sees at most 8 jobs, under the guard of 10
    ok = [1 if i in (12, 24, 36, 48, 60) else 0 for i in range(97)]
    failed = [1 if i in (80, 81, 82) else 0 for i in range(97)]
    run_tests(
        tmp_path / "quiet",
        rules(qpu),
        [
            {
                "interval": "5m",
                "input_series": explicit(QPU, ok, failed),
                "promql_expr_test": [
                    ever(qpu.name, "page", "8h", "5m", False),
                    ever(qpu.name, "ticket", "8h", "5m", False),
                    # not for want of a bad ratio: all of the last jobs failed
                    {
                        "expr": f'slo:sli_error:ratio_rate30m{{slo="{qpu.name}"}}',
                        "eval_time": "410m",
                        "exp_samples": [
                            {
                                "labels": f'slo:sli_error:ratio_rate30m{{slo="{qpu.name}"}}',
                                "value": 1,
                            }
                        ],
                    },
                ],
            }
        ],
        interval="5m",
        name="quiet",
    )
    # twice the jobs: 16 in the 6h window, and the 30m/6h page pair fires
    run_tests(
        tmp_path / "busy",
        rules(qpu),
        [
            {
                "interval": "5m",
                "input_series": explicit(QPU, [2 * n for n in ok], [2 * n for n in failed]),
                "promql_expr_test": [ever(qpu.name, "page", "8h", "5m", True)],
            }
        ],
        interval="5m",
        name="busy",
    )


def test_backend_availability_alerts_per_backend(tmp_path: Path, by_name: dict[str, SLO]) -> None:
    slo = by_name["backend-availability"]
    series = [
        {
            "series": 'quantum_backend_up{backend="ibm_kyiv",job="qobserve-exporter"}',
            "values": "1x60 0x180",
        },
        {
            "series": 'quantum_backend_up{backend="ibm_brisbane",job="qobserve-exporter"}',
            "values": "1x240",
        },
    ]
    ticket = 'ALERTS{{slo="{0}",severity="ticket",alertstate="firing",backend="{1}"}}'
    checks = [
        {
            "expr": "count(" + ticket.format(slo.name, "ibm_kyiv") + ")",
            "eval_time": "4h",
            "exp_samples": [{"labels": "{}", "value": 1}],
        },
        {
            "expr": "count(" + ticket.format(slo.name, "ibm_brisbane") + ")",
            "eval_time": "4h",
            "exp_samples": [],
        },
        {
            "expr": close_to(
                f'sum(slo:sli_error:ratio_rate1h{{slo="{slo.name}",backend="ibm_kyiv"}})', 1.0, 0.02
            ),
            "eval_time": "4h",
            "exp_samples": [{"labels": "{}", "value": 1}],
        },
    ]
    run_tests(
        tmp_path,
        rules(slo),
        [{"interval": "1m", "input_series": series, "promql_expr_test": checks}],
        name="availability",
    )
