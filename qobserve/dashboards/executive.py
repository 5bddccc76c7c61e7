"""The executive dashboard: volume, reliability against each SLO, cost and quota this period.

Example::

    board = build(slos)      # a grafanalib Dashboard, uid "qobserve-executive"
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import grafanalib.core as G

from qobserve import contract as C
from qobserve.dashboards import exprs as X
from qobserve.dashboards.panels import (
    DASHBOARDS,
    Section,
    dashboard,
    filter_variables,
    nav_links,
    organize,
    stat,
    steps,
    table,
    timeseries,
)
from qobserve.dashboards.queries import q
from qobserve.dashboards.slo_rows import BURN_UNIT, budget_steps, executive_row
from qobserve.slo.model import BUDGET_REMAINING_RECORD, PERIOD_BURN_RECORD, SLO, duration_str

_FAILED = 'outcome!="success"'


def _totals() -> tuple[str, str, str, str]:
    """Experiments, jobs, successful jobs and cost over the dashboard's time range."""

    def total(metric: C.MetricSpec, *matchers: str) -> str:
        return X.rate(metric, *matchers, fn="increase", window=X.RANGE)

    return (total(C.EXPERIMENTS_TOTAL), total(C.JOBS_TOTAL),
            total(C.JOBS_TOTAL, 'outcome="success"'), total(C.COST_USD_TOTAL))  # fmt: skip


def _overview(slos: Sequence[SLO]) -> Section:
    experiments, jobs, succeeded, cost = _totals()
    job_objectives = [s.objective for s in slos if s.sli.kind == "job_success"]
    success_steps = steps("red", (min(job_objectives), "green")) if job_objectives else ()
    every_slo = "Every SLO of the catalog; each has its own row below."
    by_slo = f"{{{X.SLO_VARIABLE}}}"
    budget, burn = BUDGET_REMAINING_RECORD + by_slo, PERIOD_BURN_RECORD + by_slo
    legend = X.catalog_legend(slos)
    return None, [
        stat("Experiment runs", [q(X.or_zero(experiments), instant=True)], unit="short",
             description="Decorated experiment runs in the time range."),
        stat("Jobs finished", [q(X.or_zero(jobs), instant=True)], unit="short"),
        stat("Job success rate", [q(X.ratio(succeeded, jobs), instant=True)],
             unit="percentunit", decimals=2, thresholds=success_steps,
             description="Successful jobs over all finished jobs in the time range; red below "
                         "the loosest job-success objective of the catalog."),
        stat("Cost", [q(X.or_zero(cost), instant=True)], unit="currencyUSD", decimals=2,
             description="From the configured price model."),
        stat("Cost per experiment run", [q(X.ratio(cost, experiments), instant=True)],
             unit="currencyUSD", decimals=2),
        stat("Cost per successful job", [q(X.ratio(cost, succeeded), instant=True)],
             unit="currencyUSD", decimals=2,
             description="Total cost, failed jobs included, over the jobs that succeeded."),
        stat("Error budget remaining", [q(budget, legend, instant=True)],
             unit="percentunit", decimals=1, w=12, h=5, thresholds=budget_steps(),
             color_mode="background", description=every_slo),
        stat("Burn rate over the SLO period", [q(burn, legend, instant=True)],
             unit=BURN_UNIT, decimals=2, w=12, h=5, thresholds=steps("green", (1, "red")),
             color_mode="background",
             description=f"{every_slo} Above 1x the budget runs out before the period ends."),
    ]  # fmt: skip


def _cost() -> Section:
    per_day = f"{X.rate(C.COST_USD_TOTAL, by=('backend',))} * 86400"
    by_experiment = X.rate(C.COST_USD_TOTAL, by=("experiment",), fn="increase", window=X.RANGE)
    qpu = X.rate(C.QPU_SECONDS_TOTAL, by=("backend",), fn="increase", window=X.RANGE)
    consumed, limit = f"sum({C.USAGE_CONSUMED.name})", f"sum({C.USAGE_LIMIT.name})"
    return "Cost and quota", [
        timeseries("Cost burn (USD per day)", [q(per_day, "{{backend}}")], unit="currencyUSD",
                   w=8, stacked=True,
                   description="Spend rate extrapolated to a day, by backend."),
        table("Cost by experiment", [q(f"sort_desc({by_experiment})", table=True)],
              unit="currencyUSD", w=8, sort_by="Cost",
              transformations=[organize({"Value": "Cost", "experiment": "Experiment"})]),
        table("QPU time by backend",
              [q(f"sort_desc({qpu})", table=True, expect_data=False,
                 empty_reason="only jobs on real QPUs report billed time (job.metrics() "
                              "usage); emulators and simulators bill none")],
              unit="s", w=8,
              sort_by="QPU time",
              transformations=[organize({"Value": "QPU time", "backend": "Backend"})]),
        stat("Quota used", [q(X.ratio(consumed, limit), instant=True)], unit="percentunit",
             decimals=1, w=4, h=6, thresholds=steps("green", (0.8, "orange"), (0.95, "red")),
             color_mode="background",
             description="Provider usage consumed over the period's limit, all instances."),
        timeseries("QPU time used against quota",
                   [q(consumed, "consumed"), q(limit, "limit")], unit="s", w=20, h=6),
    ]  # fmt: skip


def _failures() -> Section:
    def top(label: str) -> str:
        failed = X.rate(C.JOBS_TOTAL, _FAILED, by=(label,), fn="increase", window=X.RANGE)
        return f"topk(10, {failed} > 0)"

    return "Top failures", [
        table(f"Top failing {name}s", [q(top(label), table=True)], unit="short", w=12,
              sort_by="Failed jobs",
              transformations=[organize({"Value": "Failed jobs", label: name.capitalize()})])
        for label, name in (("experiment", "experiment"), ("backend", "backend"))
    ]  # fmt: skip


def _period(slos: Sequence[SLO]) -> str:
    """The default time range: the catalog's longest SLO period, so "this period" totals
    cover what the SLOs are judged over."""
    longest = max((s.period for s in slos), default=timedelta(days=30))
    return f"now-{duration_str(longest)}"


def build(slos: Sequence[SLO]) -> G.Dashboard:
    """The executive dashboard for the SLO catalog ``slos``."""
    uid, title, _ = DASHBOARDS["executive"]
    sections = [_overview(slos), _cost(), _failures(), *(executive_row(s) for s in slos)]
    return dashboard(
        uid=uid, title=title, tags=["qobserve", "quantum", "slo"], time_from=_period(slos),
        refresh="5m", sections=sections, links=nav_links("executive"),
        description="Experiments and jobs, reliability against every SLO, cost and quota.",
        variables=filter_variables(slo=True),
    )  # fmt: skip
