"""Operational alerts from the exporter's and the library's own metrics, and their promtool tests.

They complement the SLOs with causes: a backend is down, its calibration is stale, its queue is
long, the quota will run out, money burns faster than budgeted, a budget of ``budgets.yaml``
runs out, the exporter or a collector is down, telemetry is incomplete, qobserve itself drops
data. All are ``severity: ticket`` (the user-facing impact pages through the SLOs) but a used
up ``deny`` budget, which refuses the jobs it caps.

Example::

    group = operational_group(OperationalOptions(queue_depth_high=200))
    [r["alert"] for r in group["rules"]][:2]   # ['QuantumBackendDown', ...]
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qobserve import contract
from qobserve.rules.options import OperationalOptions, RuleOptions
from qobserve.rules.testgen import Scenario, expand
from qobserve.slo.promql import fmt_number, parse_duration, quote

GROUP = "qobserve-operational"
Rule = dict[str, Any]


def _rule(
    options: RuleOptions,
    name: str,
    expr: str,
    for_: str,
    summary: str,
    description: str,
    *,
    backend: bool = False,
    severity: str = "ticket",
) -> Rule:
    url = f"{options.grafana_url.rstrip('/')}/d/{options.oncall_dashboard}"
    if backend:
        url += "?var-backend={{ $labels.backend }}"
    return {
        "alert": name,
        "expr": expr,
        "for": for_,
        "labels": {"severity": severity},
        "annotations": {
            "summary": summary,
            "description": description,
            "runbook_url": f"{options.runbook_url}#{name.lower()}",
            "dashboard_url": url,
        },
    }


def operational_group(options: RuleOptions) -> dict[str, Any]:
    """The rule group of every operational alert."""
    ops = options.operational
    c = contract
    one = '{{ printf "%.1f" $value }}'
    whole = '{{ printf "%.0f" $value }}'
    horizon = int(parse_duration(ops.quota_forecast_horizon).total_seconds())
    budget = fmt_number(ops.monthly_cost_budget_usd)
    up = f"up{{job={quote(ops.exporter_job)}}}"
    month = 30 * 86400
    jobs_30m = f"sum(rate({c.JOBS_TOTAL.name}[30m]))"
    incomplete_30m = f"rate({c.TELEMETRY_INCOMPLETE_TOTAL.name}[30m])"
    rules = [
        _rule(
            options,
            "QuantumBackendDown",
            f"max by (backend) ({c.BACKEND_UP.name}) == 0",
            "5m",
            "Backend {{ $labels.backend }} is not operational",
            "The provider has reported {{ $labels.backend }} as not operational for 5 minutes:"
            " jobs sent to it fail or wait. Its SLO and calibration alerts are silenced while "
            "this fires.",
            backend=True,
        ),
        _rule(
            options,
            "QuantumBackendCalibrationStale",
            f"(time() - max by (backend) ({c.BACKEND_CALIBRATION_TIMESTAMP.name})) / 3600\n"
            f"> {fmt_number(ops.calibration_max_age_hours)}",
            "15m",
            "Calibration of {{ $labels.backend }} is stale",
            f"{{{{ $labels.backend }}}} was last calibrated {one} hours ago (more than "
            f"{fmt_number(ops.calibration_max_age_hours)} h): transpiler layouts and error "
            "estimates are based on old device properties.",
            backend=True,
        ),
        _rule(
            options,
            "QuantumBackendQueueDepthHigh",
            f"max by (backend) ({c.BACKEND_PENDING_JOBS.name}) > {ops.queue_depth_high}",
            "30m",
            "Long queue on {{ $labels.backend }}",
            f"{whole} jobs are waiting on {{{{ $labels.backend }}}} (more than "
            f"{ops.queue_depth_high} for 30 minutes): expect long queue waits; consider "
            "another backend.",
            backend=True,
        ),
        _rule(
            options,
            "QuantumQuotaForecastExhausted",
            f"100 * predict_linear({c.USAGE_CONSUMED.name}[6h], {horizon})\n"
            f"/ ({c.USAGE_LIMIT.name} > 0)\n>= 100",
            "30m",
            "Provider quota runs out within " + ops.quota_forecast_horizon,
            f"At the pace of the last 6 hours, usage reaches {whole} % of the quota within "
            f"{ops.quota_forecast_horizon}: jobs will fail with quota_exceeded.",
        ),
        _rule(
            options,
            "QuantumQuotaNearlyExhausted",
            f"100 * {c.USAGE_CONSUMED.name}\n/ ({c.USAGE_LIMIT.name} > 0)\n"
            f">= {fmt_number(ops.quota_used_percent)}",
            "5m",
            "Provider quota nearly used up",
            f"{whole} % of the provider quota is used.",
        ),
        _rule(
            options,
            "QuantumCostBudgetBurn",
            f"sum(rate({c.COST_USD_TOTAL.name}[6h])) * {month} > 2 * {budget}",
            "30m",
            "Spending twice the cost budget's pace",
            f"At the pace of the last 6 hours, quantum jobs cost ${whole} per 30 days, more "
            f"than twice the budget of ${budget}.",
        ),
        _rule(
            options,
            "QuantumCostBudgetExceeded",
            f"sum(increase({c.COST_USD_TOTAL.name}[30d])) > {budget}",
            "5m",
            "Cost budget exceeded",
            f"${whole} spent on quantum jobs over the last 30 days, over the budget of ${budget}.",
        ),
        *_budget_rules(options),
        _rule(
            options,
            "QObserveExporterDown",
            f"{up} == 0\nor\nabsent({up})",
            "5m",
            "The qobserve exporter is down",
            "Prometheus cannot scrape the qobserve exporter (job "
            f"{ops.exporter_job}): backend availability, calibration and queue data are "
            "missing, and their SLOs cannot be evaluated.",
        ),
        _rule(
            options,
            "QObserveCollectorDown",
            f"{c.COLLECTOR_UP.name} == 0",
            "15m",
            "Collector {{ $labels.collector }} failing for {{ $labels.backend }}",
            "The {{ $labels.collector }} collector has failed to poll {{ $labels.backend }} "
            "for 15 minutes; its metrics are stale.",
            backend=True,
        ),
        _rule(
            options,
            "QuantumTelemetryIncomplete",
            f"100 * sum by (reason) ({incomplete_30m})\n/ on () group_left ()\n"
            f"(({jobs_30m} or vector(0)) + sum({incomplete_30m}))\n"
            f"> {fmt_number(ops.telemetry_incomplete_percent)}",
            "15m",
            "Telemetry incomplete ({{ $labels.reason }})",
            f"{one} % of the jobs of the last 30 minutes have incomplete telemetry (reason "
            "{{ $labels.reason }}): SLOs are computed on partial data.",
        ),
        _rule(
            options,
            "QObserveInternalErrors",
            f"sum by (component) (increase({c.INTERNAL_ERRORS_TOTAL.name}[1h])) > 0",
            "15m",
            "qobserve errors in {{ $labels.component }}",
            f"qobserve swallowed {whole} errors in {{{{ $labels.component }}}} over the last "
            "hour (user code was not affected, but telemetry may be missing).",
        ),
        _rule(
            options,
            "QObserveEventsDropped",
            f"sum(increase({c.EVENTS_DROPPED_TOTAL.name}[1h])) > 0",
            "0s",
            "qobserve dropped job events",
            f"{whole} job events were dropped in the last hour because the event store queue "
            "was full: the weekly report will miss them.",
        ),
    ]
    return {"name": GROUP, "rules": rules}


def _budget_rules(options: RuleOptions) -> list[Rule]:
    """The budgets of ``budgets.yaml`` (served by ``exporter --events --budgets``): one runs
    out before its period ends at the last 6 h's and the last day's pace (ticket), is used up
    (page for a ``deny`` budget, whose jobs are now refused; ticket for ``warn``)."""
    c = contract
    units = ((c.BUDGET_SPENT_USD.name, c.BUDGET_LIMIT_USD.name),
             (c.BUDGET_SPENT_QPU.name, c.BUDGET_LIMIT_QPU.name))  # fmt: skip
    end = f"({c.BUDGET_PERIOD_END.name} - time())"

    def projected(spent: str, limit: str, window: str) -> str:
        return (
            f"({spent} + deriv({spent}[{window}]) * ignoring (action) {end})\n"
            f"> ignoring (action) {limit}"
        )

    forecast = "\nor\n".join(
        f"{projected(spent, limit, '6h')}\nand ignoring (action)\n"
        f"{projected(spent, limit, '1d')}\nand ignoring (action)\n"
        f"{spent} < ignoring (action) {limit}"
        for spent, limit in units
    )

    def used_up(action: str) -> str:
        return "\nor\n".join(
            f'{limit}{{action="{action}"}} <= ignoring (action) {spent}' for spent, limit in units
        )

    value = '{{ printf "%.1f" $value }}'
    return [
        _rule(
            options,
            "QuantumBudgetForecastExhausted",
            forecast,
            "30m",
            "Budget {{ $labels.budget }} runs out before its period ends",
            f"At the pace of the last 6 hours and of the last day, budget "
            f"{{{{ $labels.budget }}}} reaches {value} by the end of its period, over its "
            "limit.",
        ),
        _rule(
            options,
            "QuantumBudgetExhausted",
            used_up("deny"),
            "0s",
            "Budget {{ $labels.budget }} is used up: its jobs are refused",
            f"Budget {{{{ $labels.budget }}}} has reached its limit of {value} for this period; "
            "qobserve.BudgetExceeded refuses its jobs before submission until the period ends.",
            severity="page",
        ),
        _rule(
            options,
            "QuantumBudgetOverspent",
            used_up("warn"),
            "0s",
            "Budget {{ $labels.budget }} is used up",
            f"Budget {{{{ $labels.budget }}}} has reached its limit of {value} for this "
            "period (action warn: its jobs still run).",
        ),
    ]


# --- promtool tests -------------------------------------------------------------------------

_EXPORTER = {"instance": "127.0.0.1:9464", "job": "qobserve-exporter"}


def _series(name: str, labels: Mapping[str, str], values: str) -> dict[str, str]:
    inner = ",".join(f"{k}={quote(v)}" for k, v in sorted(labels.items()))
    return {"series": f"{name}{{{inner}}}", "values": values}


def operational_tests(
    group: dict[str, Any], rules_file: str, ops: OperationalOptions
) -> dict[str, Any]:
    """A promtool test file: each alert fires on a broken input and stays quiet on a healthy
    one; descriptions carry the expected values."""
    rules = {r["alert"]: r for r in group["rules"]}
    c = contract
    a, b = {**_EXPORTER, "backend": "backend_a"}, {**_EXPORTER, "backend": "backend_b"}
    quota = {**_EXPORTER, "account_instance": "ibm-q/open/main"}
    nearly = {**_EXPORTER, "account_instance": "ibm-q/open/other"}
    calibrated_ago = -(ops.calibration_max_age_hours * 3600 + 3600)  # one hour past the limit
    scenarios = [
        _scenario(
            rules,
            "backends",
            [
                _series(c.BACKEND_UP.name, a, "1x10 0x20"),
                _series(c.BACKEND_UP.name, b, "1x30"),
                _series(
                    c.BACKEND_CALIBRATION_TIMESTAMP.name, a, f"{fmt_number(calibrated_ago)}+0x30"
                ),
                _series(c.BACKEND_CALIBRATION_TIMESTAMP.name, b, "0+60x30"),
                _series(c.BACKEND_PENDING_JOBS.name, a, f"{ops.queue_depth_high + 100}x40"),
                _series(c.BACKEND_PENDING_JOBS.name, b, "3x40"),
            ],
            [
                ("14m", {}),
                (
                    "20m",
                    {
                        "QuantumBackendDown": [({"backend": "backend_a"}, 0.0)],
                        "QuantumBackendCalibrationStale": [
                            ({"backend": "backend_a"}, (20 * 60 - calibrated_ago) / 3600)
                        ],
                    },
                ),
                (
                    "40m",
                    {
                        "QuantumBackendQueueDepthHigh": [
                            ({"backend": "backend_a"}, ops.queue_depth_high + 100.0)
                        ]
                    },
                ),
            ],
        ),
        _scenario(
            rules,
            "quota",
            [
                _series(c.USAGE_CONSUMED.name, quota, "0+60x40"),
                _series(c.USAGE_LIMIT.name, quota, "100000x40"),
                _series(c.USAGE_CONSUMED.name, nearly, "95000x40"),
                _series(c.USAGE_LIMIT.name, nearly, "100000x40"),
            ],
            [
                (
                    "40m",
                    {
                        "QuantumQuotaForecastExhausted": [
                            (
                                quota,
                                100
                                * (
                                    2400
                                    + parse_duration(ops.quota_forecast_horizon).total_seconds()
                                )
                                / 100000,
                            )
                        ],
                        "QuantumQuotaNearlyExhausted": [(nearly, 95.0)],
                    },
                )
            ],
        ),
        _scenario(
            rules,
            "cost",
            [
                _series(
                    c.COST_USD_TOTAL.name,
                    {**_EXPORTER, "backend": "backend_a", "experiment": "vqe"},
                    "0+30x40",
                )
            ],
            [
                (
                    "40m",
                    {
                        "QuantumCostBudgetBurn": [({}, 30 * 40 / 21600 * 30 * 86400)],
                        "QuantumCostBudgetExceeded": [({}, 1200.0)],
                    },
                )
            ],
        ),
        _budget_scenario(rules),
        _scenario(
            rules,
            "exporter and telemetry",
            exporter_up=False,
            series=[
                _series("up", _EXPORTER, "1x10 0x30"),
                _series(
                    c.COLLECTOR_UP.name,
                    {**_EXPORTER, "collector": "calibration", "backend": "backend_a"},
                    "1x5 0x30",
                ),
                _series(
                    c.JOBS_TOTAL.name, {"backend": "backend_a", "outcome": "success"}, "0+10x40"
                ),
                _series(c.TELEMETRY_INCOMPLETE_TOTAL.name, {"reason": "timeout"}, "0+1x40"),
                _series(c.INTERNAL_ERRORS_TOTAL.name, {"component": "store"}, "0+1x40"),
                _series(c.EVENTS_DROPPED_TOTAL.name, {}, "0+5x40"),
            ],
            checks=[
                (
                    "30m",
                    {
                        "QObserveExporterDown": [(_EXPORTER, 0.0)],
                        "QObserveCollectorDown": [
                            ({**_EXPORTER, "collector": "calibration", "backend": "backend_a"}, 0.0)
                        ],
                        "QuantumTelemetryIncomplete": [({"reason": "timeout"}, 100 / 11)],
                        "QObserveInternalErrors": [({"component": "store"}, 30.0)],
                        "QObserveEventsDropped": [({}, 150.0)],
                    },
                )
            ],
        ),
        _scenario(
            rules,
            "exporter never scraped",
            [],
            exporter_up=False,
            checks=[("10m", {"QObserveExporterDown": [({"job": ops.exporter_job}, 1.0)]})],
        ),
    ]
    return {
        "rule_files": [rules_file],
        "evaluation_interval": "1m",
        "tests": [s.as_test() for s in scenarios],
    }


def _scenario(
    rules: Mapping[str, Rule],
    name: str,
    series: list[dict[str, str]],
    checks: list[tuple[str, dict[str, list[tuple[Mapping[str, str], float]]]]],
    *,
    exporter_up: bool = True,
) -> Scenario:
    """A test group where, at each time, exactly the listed alerts fire (with those labels and
    values); every other operational alert is checked to be quiet. ``exporter_up`` adds a
    healthy exporter's ``up`` series."""
    if exporter_up:
        series = [_series("up", _EXPORTER, "1x60"), *series]
    s = Scenario(f"operational: {name}", series)
    for at, firing in checks:
        for alert, rule in rules.items():
            expected = []
            for labels, value in firing.get(alert, []):
                annotations = {k: expand(v, labels, value) for k, v in rule["annotations"].items()}
                expected.append(
                    {
                        "exp_labels": dict(sorted({**labels, **rule["labels"]}.items())),
                        "exp_annotations": annotations,
                    }
                )
            s.alerts.append({"eval_time": at, "alertname": alert, "exp_alerts": expected})
    return s


def _budget_scenario(rules: Mapping[str, Rule]) -> Scenario:
    """A budget spending 1 USD a minute towards 100 in a period ending 10000 s in: the
    forecast fires after its 30 minutes; a deny budget at its limit pages, a warn budget at its
    QPU-seconds limit tickets; a budget spending slowly stays quiet."""
    c = contract

    def budget(name: str, action: str) -> tuple[dict[str, str], dict[str, str]]:
        return {**_EXPORTER, "budget": name}, {**_EXPORTER, "budget": name, "action": action}

    fast, fast_a = budget("fast", "deny")
    spent, spent_a = budget("spent", "deny")
    qpu, qpu_a = budget("qpu", "warn")
    slow, slow_a = budget("slow", "deny")
    series = [
        _series(c.BUDGET_SPENT_USD.name, fast, "0+1x60"),
        _series(c.BUDGET_LIMIT_USD.name, fast_a, "100x60"),
        _series(c.BUDGET_SPENT_USD.name, spent, "50x10 120x50"),
        _series(c.BUDGET_LIMIT_USD.name, spent_a, "100x60"),
        _series(c.BUDGET_SPENT_QPU.name, qpu, "700x60"),
        _series(c.BUDGET_LIMIT_QPU.name, qpu_a, "600x60"),
        _series(c.BUDGET_SPENT_USD.name, slow, "0+0.001x60"),
        _series(c.BUDGET_LIMIT_USD.name, slow_a, "100x60"),
        *(
            _series(c.BUDGET_PERIOD_END.name, labels, "10000x60")
            for labels in (fast_a, spent_a, qpu_a, slow_a)
        ),
    ]
    # at 40 min: 40 spent + 1/60 USD per second over the 7600 s left = 166.67
    return _scenario(
        rules,
        "budgets",
        series,
        [
            ("5m", {"QuantumBudgetOverspent": [(qpu, 600.0)]}),
            (
                "40m",
                {
                    "QuantumBudgetForecastExhausted": [(fast, 40 + 7600 / 60)],
                    "QuantumBudgetExhausted": [(spent, 100.0)],
                    "QuantumBudgetOverspent": [(qpu, 600.0)],
                },
            ),
        ],
    )
