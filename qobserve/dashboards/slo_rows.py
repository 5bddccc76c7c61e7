"""The per-SLO rows of the executive and on-call dashboards, one row per SLO of the catalog.

Thresholds come from each SLO: its objective colours the SLI, its alerts' burn factors (scaled
to its period) are drawn on the burn-rate graph, its runbook is a panel link.

Example::

    sections = [executive_row(slo) for slo in slos]
"""

from __future__ import annotations

from typing import Any

from qobserve.dashboards import exprs as X
from qobserve.dashboards.panels import (
    Section,
    dashboard_url,
    link,
    stat,
    steps,
    timeseries,
)
from qobserve.dashboards.queries import PromTarget, q
from qobserve.rules.alerts import runbook_url
from qobserve.rules.windows import max_burn
from qobserve.slo.model import (
    BUDGET_REMAINING_RECORD,
    OBJECTIVE_RECORD,
    PERIOD_BURN_RECORD,
    SLI_WINDOWS,
    SLO,
    TimeSliceSLI,
)
from qobserve.slo.promql import parse_duration

#: Grafana's unit for "times the sustainable burn rate".
BURN_UNIT = "suffix:x"
FIRING = 'alertstate="firing"'
#: Burn-rate colours by severity of the alert whose factor is crossed.
_BURN_COLORS = {"page": ("red", "dark-red"), "ticket": ("yellow", "orange")}


def budget_steps() -> list[Any]:
    """Threshold steps of error budget remaining: exhausted below 0, at risk below 25%."""
    return steps("red", (0, "orange"), (0.25, "green"))


def burn_steps(slo: SLO) -> list[Any]:
    """Threshold steps at the SLO's alert burn factors, ticket (slow) to page (fast); a factor
    the SLO cannot reach (above 1 / error budget, every event bad) is left out."""
    reachable = [t for t in X.burn_thresholds(slo) if t[2] < max_burn(slo.error_budget)]
    ordered = sorted(reachable, key=lambda t: t[2])
    colors = {"page": list(_BURN_COLORS["page"]), "ticket": list(_BURN_COLORS["ticket"])}
    return steps("green", *((factor, colors[sev].pop(0)) for sev, _, factor in ordered))


def _describe(slo: SLO) -> str:
    kind = "time slices" if isinstance(slo.sli, TimeSliceSLI) else "events"
    text = slo.description or f"{slo.service}: {slo.sli.kind}"
    return (f"{text} Objective {slo.objective:.4%} of {kind} over {slo.period_str}; "
            f"error budget {slo.error_budget:.4%}.")  # fmt: skip


def _links(slo: SLO) -> list[Any]:
    out = [
        link("Debug dashboard", dashboard_url("debug"), tooltip="Latency, calibration and results")
    ]
    if "://" in runbook_url(slo):  # a relative path would resolve against Grafana's URL
        out.insert(0, link("Runbook", runbook_url(slo), keep=False, new_tab=True))
    return out


def _title(slo: SLO) -> str:
    return f"SLO {slo.name}: {slo.objective * 100:g}% over {slo.period_str}"


def _instant(slo: SLO, record: str) -> PromTarget:
    """The current value of one of the SLO's recording rules, named per group if grouped."""
    return q(X.record(record, slo), X.group_legend(slo), instant=True)


def executive_row(slo: SLO) -> Section:
    """SLI against objective, budget left, period burn and budget over time for one SLO."""
    period, desc = slo.period_str, _describe(slo)
    panels = [
        stat(f"SLI ({period})", [q(X.period_sli(slo), X.group_legend(slo), instant=True)],
             unit="percentunit", decimals=3, description=desc, w=4, links=_links(slo),
             thresholds=steps("red", (slo.objective, "green"))),
        stat("Objective", [_instant(slo, OBJECTIVE_RECORD)], unit="percentunit", decimals=3,
             w=3, description=desc),
        stat("Error budget remaining", [_instant(slo, BUDGET_REMAINING_RECORD)],
             unit="percentunit", decimals=1, w=4, color_mode="background",
             thresholds=budget_steps(),
             description="Share of the period's error budget not yet spent; below 0 the SLO "
                         "is missed for the period."),
        stat(f"Burn rate ({period})", [_instant(slo, PERIOD_BURN_RECORD)], unit=BURN_UNIT,
             decimals=2, w=3, thresholds=steps("green", (1, "red")),
             description="Error ratio over the period in units of the error budget: above 1 "
                         "the budget runs out before the period ends."),
        timeseries("Error budget remaining",
                   [q(X.record(BUDGET_REMAINING_RECORD, slo),
                      X.group_legend(slo, "budget remaining"))],
                   unit="percentunit", w=10, h=4, thresholds=budget_steps(),
                   threshold_style="line+area", max_value=1),
    ]  # fmt: skip
    return _title(slo), panels


def oncall_row(slo: SLO) -> Section:
    """Burn rates over the alert windows against the page/ticket factors, current burn, budget
    and the SLO's firing alerts, with its runbook."""
    alerts = X.burn_thresholds(slo)
    # the alerts' long windows, and the shortest window that confirms a fast burn
    windows = sorted(
        {w.long for _, w, _ in alerts} | {min(SLI_WINDOWS, key=parse_duration)}, key=parse_duration
    )
    factors = ", ".join(f"{sev} at {f:.3g}x over {w.long} and {w.short}" for sev, w, f in alerts)
    firing = X.or_zero(f"count(ALERTS{X.slo_selector(slo, FIRING)})")
    panels = [
        timeseries("Burn rate by window",
                   [q(X.window_burn(slo, w), X.group_legend(slo, f"{w} window"))
                    for w in windows],
                   unit=BURN_UNIT, w=12, h=7, thresholds=burn_steps(slo),
                   threshold_style="line", legend_table=True, links=_links(slo),
                   description=f"{_describe(slo)} Alerts fire when both windows burn faster "
                               f"than the factor: {factors}."),
        stat("Current burn", [q(X.current_burn(slo), X.group_legend(slo), instant=True)],
             unit=BURN_UNIT, decimals=2, w=4, h=7, thresholds=burn_steps(slo),
             color_mode="background", graph=True),
        stat("Budget remaining", [_instant(slo, BUDGET_REMAINING_RECORD)], unit="percentunit",
             decimals=1, w=4, h=7, thresholds=budget_steps()),
        stat("Firing alerts", [q(firing, instant=True)], unit="none", w=4, h=7,
             thresholds=steps("green", (1, "red")), color_mode="background",
             links=_links(slo)),
    ]  # fmt: skip
    return _title(slo), panels
