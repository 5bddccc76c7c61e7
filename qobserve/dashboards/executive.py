"""The executive dashboard: volume, reliability against every SLO, cost and quota this period.

Example::

    board = build(slos)      # a grafanalib Dashboard, uid "qobserve-executive"
"""

from __future__ import annotations

from collections.abc import Sequence

import grafanalib.core as G

from qobserve import contract as C
from qobserve.dashboards import exprs as X
from qobserve.dashboards.panels import (
    DASHBOARDS,
    Section,
    coverage_stat,
    dashboard,
    filter_variables,
    longest_period,
    organize,
    stat,
    steps,
    table,
    timeseries,
)
from qobserve.dashboards.queries import q
from qobserve.dashboards.slo_list import budget_over_time, slo_table
from qobserve.slo.model import SLO

_FAILED = 'outcome!="success"'


def _totals() -> tuple[str, str, str, str]:
    """Experiments, jobs, successful jobs and cost over the dashboard's time range."""
    succeeded = X.increase(C.JOBS_TOTAL, 'outcome="success"')
    return (X.increase(C.EXPERIMENTS_TOTAL), X.increase(C.JOBS_TOTAL), succeeded,
            X.increase(C.COST_USD_TOTAL))  # fmt: skip


def _overview() -> Section:
    experiments, jobs, succeeded, cost = _totals()
    return None, [
        stat("Experiment runs", [q(X.or_zero(experiments), instant=True)], unit="short",
             decimals=0, description="How many decorated experiment runs finished in the time "
                                     "range?"),
        stat("Jobs finished", [q(X.or_zero(jobs), instant=True)], unit="short", decimals=0,
             description="How many quantum jobs finished in the time range, whatever their "
                         "outcome?"),
        stat("Jobs that succeeded", [q(X.ratio(succeeded, jobs), instant=True)],
             unit="percentunit", decimals=2,
             description="What share of all finished jobs succeeded (simulators and QPUs, "
                         "cancelled jobs included)? Not an SLI: the SLO table below has "
                         "those."),
        stat("Cost", [q(X.or_zero(cost), instant=True)], unit="currencyUSD",
             description="What did the time range cost, from the configured price model?"),
        stat("Cost per experiment run", [q(X.ratio(cost, experiments), instant=True)],
             unit="currencyUSD",
             description="What does one experiment run cost on average?"),
        coverage_stat(),
        stat("Cost per successful job", [q(X.ratio(cost, succeeded), instant=True)],
             unit="currencyUSD", w=24, h=3,
             description="What does a useful job cost? Total cost, failed jobs included, "
                         "over the jobs that succeeded."),
    ]  # fmt: skip


def _slos(slos: Sequence[SLO]) -> Section:
    return "Reliability", [slo_table(slos, w=14), budget_over_time(slos, w=10)]


def _cost() -> Section:
    per_day = f"{X.rate(C.COST_USD_TOTAL, by=('backend',))} * 86400"
    by_experiment = X.increase(C.COST_USD_TOTAL, by=("experiment",))
    qpu = X.increase(C.QPU_SECONDS_TOTAL, by=("backend",))
    consumed = f"sum({X.replicas('max', C.USAGE_CONSUMED)})"
    limit = f"sum({X.replicas('max', C.USAGE_LIMIT)})"
    budgets = " or ".join(
        X.ratio(X.replicas("max", spent, by=("budget",)), X.replicas("max", cap, by=("budget",)))
        for spent, cap in ((C.BUDGET_SPENT_USD, C.BUDGET_LIMIT_USD),
                           (C.BUDGET_SPENT_QPU, C.BUDGET_LIMIT_QPU))
    )  # fmt: skip
    return "Cost and quota", [
        timeseries("Cost burn (USD per day)", [q(per_day, "{{backend}}")], unit="currencyUSD",
                   w=8, stacked=True,
                   description="Where does the money go? The spend rate, extrapolated to a "
                               "day, by backend."),
        table("Cost by experiment", [q(f"sort_desc({by_experiment})", table=True)],
              unit="currencyUSD", w=8, sort_by="Cost",
              transformations=[organize({"Value": "Cost", "experiment": "Experiment"})],
              description="Which experiments cost the most in the time range?"),
        table("QPU time by backend",
              [q(f"sort_desc({qpu})", table=True, expect_data=False,
                 empty_reason="only jobs on real QPUs report billed time (job.metrics() "
                              "usage); emulators and simulators bill none")],
              unit="s", w=8,
              sort_by="QPU time",
              transformations=[organize({"Value": "QPU time", "backend": "Backend"})],
              description="Which backends used the billed QPU seconds of the time range?"),
        stat("Quota used", [q(X.ratio(consumed, limit), instant=True)], unit="percentunit",
             decimals=1, w=4, h=6, thresholds=steps("green", (0.8, "orange"), (0.95, "red")),
             color_mode="background",
             description="How much of the provider's usage limit for the period is consumed, "
                         "over all accounts?"),
        timeseries("QPU time used against quota",
                   [q(consumed, "consumed"), q(limit, "limit")], unit="s", w=20, h=6,
                   description="When will the quota run out? Usage consumed in the provider's "
                               "period against its limit."),
        table("Budgets used this period",
              [q(f"sort_desc({budgets})", table=True, expect_data=False,
                 empty_reason="budgets are served by `qobserve exporter --events STORE "
                              "--budgets slo` (docs/budgets.md)")],
              unit="percentunit", decimals=1, w=24, h=6, sort_by="Used",
              transformations=[organize({"Value": "Used", "budget": "Budget"})],
              description="How much of each budget of budgets.yaml (US dollars or QPU "
                          "seconds) has its current period used? At 100 % a deny budget "
                          "refuses its jobs."),
    ]  # fmt: skip


def _failures() -> Section:
    def top(label: str) -> str:
        return f"topk(10, {X.increase(C.JOBS_TOTAL, _FAILED, by=(label,))} > 0)"

    return "Top failures", [
        table(f"Top failing {name}s", [q(top(label), table=True)], unit="short", w=12,
              sort_by="Failed jobs",
              transformations=[organize({"Value": "Failed jobs", label: name.capitalize()})],
              description=f"Which {name}s had the most failed jobs in the time range?")
        for label, name in (("experiment", "experiment"), ("backend", "backend"))
    ]  # fmt: skip


def build(slos: Sequence[SLO]) -> G.Dashboard:
    """The executive dashboard for the SLO catalog ``slos``."""
    uid, title = DASHBOARDS["executive"]
    return dashboard(
        uid=uid, title=title, tags=["quantum", "slo"], time_from=longest_period(slos),
        refresh="5m", sections=[_overview(), _slos(slos), _cost(), _failures()],
        description="Experiments and jobs, reliability against every SLO, cost and quota.",
        variables=filter_variables(slo=True),
    )  # fmt: skip
