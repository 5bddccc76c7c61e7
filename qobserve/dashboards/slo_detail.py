"""The SLO detail dashboard, one view for every SLO, driven by ``$slo`` (as Pyrra's): the SLI
against the objective line over the period, the error-budget burn-down, burn rates per alert
window against the alert thresholds, the SLO's alerts and the SLI broken down by backend,
provider and experiment. The SLO list links here with ``var-slo`` set, and so do the SLO
alerts' ``dashboard_url``.

Every threshold comes from the SLO's own recording rules (objective, error budget, period), so
one set of panels serves every SLO of the catalog.

Example::

    board = build(slos)      # a grafanalib Dashboard, uid "qobserve-slo"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grafanalib.core as G

from qobserve.dashboards import exprs as X
from qobserve.dashboards.alerts import alert_history, alert_table
from qobserve.dashboards.panels import (
    DASHBOARDS,
    Section,
    backend_variable,
    coverage_stat,
    dashboard,
    datasource_variable,
    label_variable,
    longest_period,
    organize,
    provider_variable,
    stat,
    steps,
    table,
    timeseries,
)
from qobserve.dashboards.queries import PromAnnotation, PromTarget, q
from qobserve.dashboards.slo_list import BURN_UNIT, budget_steps
from qobserve.rules.windows import SEVERITIES
from qobserve.slo.kinds import KINDS, build_sli
from qobserve.slo.model import (
    BUDGET_REMAINING_RECORD,
    CURRENT_BURN_RECORD,
    ERROR_BUDGET_RECORD,
    INFO_RECORD,
    OBJECTIVE_RECORD,
    PERIOD_BURN_RECORD,
    PERIOD_RECORD,
    SLO,
    EventSLI,
    sli_error_record,
)
from qobserve.slo.problems import Problems, Where

#: Labels the SLI is broken down by, where the SLI's metrics have them.
BREAKDOWN = ("backend", "provider", "experiment")


def _legend(prefix: str) -> str:
    return f"{prefix} {{{{backend}}}}".strip()


def _now(slos: Sequence[SLO]) -> Section:
    budget = X.slo_records(BUDGET_REMAINING_RECORD)
    firing = X.or_zero(f"count({X.alerts(X.FIRING)})")
    return None, [
        stat("SLI over its period", [q(X.catalog_period_sli(slos), _legend(""), instant=True)],
             unit="percentunit", decimals=3, w=4,
             description="How good has the service been over the SLO's whole period? The "
                         "share of good events (or good time slices)."),
        stat("Objective", [q(X.slo_records(OBJECTIVE_RECORD), instant=True)],
             unit="percentunit", decimals=3, w=3,
             description="What share of good events does the SLO promise?"),
        stat("Error budget left", [q(budget, _legend(""), instant=True)], unit="percentunit",
             decimals=1, w=4, thresholds=budget_steps(), color_mode="background",
             description="How much of the period's error budget is unspent? Below 0 the SLO "
                         "is missed for the period."),
        stat("Burn rate over the period", [q(X.slo_records(PERIOD_BURN_RECORD), _legend(""),
                                             instant=True)],
             unit=BURN_UNIT, decimals=2, w=3, thresholds=steps("green", (1, "red")),
             description="Will the budget last the period? Above 1x it runs out before the "
                         "period ends."),
        stat("Current burn", [q(X.slo_records(CURRENT_BURN_RECORD), _legend(""), instant=True)],
             unit=BURN_UNIT, decimals=2, w=3, graph=True,
             description="How fast is the budget burning right now (last 5 minutes)?"),
        stat("Firing alerts", [q(firing, instant=True)], unit="none", decimals=0, w=3,
             thresholds=steps("green", (1, "red")), color_mode="background",
             description="Is any alert of this SLO firing now?"),
        coverage_stat(w=4),
    ]  # fmt: skip


def _burn_targets() -> list[PromTarget]:
    """Burn rate over each alert's long window, and each alert's threshold as a series: the
    factor from the SLO's recorded period, as the alert rules scale it."""
    budget = X.slo_records(ERROR_BUDGET_RECORD)
    windows = sorted({w.long for ws in SEVERITIES.values() for w in ws} | {"5m"},
                     key=lambda w: X.parse_seconds(w))  # fmt: skip
    out = [q(f"{X.slo_records(sli_error_record(w))}\n/ on (slo) group_left () {budget}",
             _legend(f"{w} window")) for w in windows]  # fmt: skip
    days = X.slo_records(PERIOD_RECORD)
    for severity, pairs in SEVERITIES.items():
        for w in pairs:
            hours = X.parse_seconds(w.long) / 3600
            factor = f"{w.budget_percent / 100!r} * 24 * {days} / {hours:g}"
            out.append(q(factor, f"{severity} threshold ({w.long} and {w.short})"))
    return out


def _over_time(slos: Sequence[SLO]) -> Section:
    objective = q(X.slo_records(OBJECTIVE_RECORD), "objective")
    return "Over the period", [
        timeseries("SLI against the objective",
                   [q(X.catalog_period_sli(slos), _legend("SLI")), objective],
                   unit="percentunit", w=12,
                   description="Is the SLI over the SLO's period above the objective line? "
                               "Each point is the SLI of the period ending there."),
        timeseries("Error budget burn-down",
                   [q(X.slo_records(BUDGET_REMAINING_RECORD), _legend("budget left"))],
                   unit="percentunit", w=12, max_value=1, thresholds=budget_steps(),
                   threshold_style="line+area",
                   description="How has the error budget been spent? 100 % is the full "
                               "budget of the period, 0 exhausted."),
        timeseries("Burn rate by window against the alert thresholds", _burn_targets(),
                   unit=BURN_UNIT, w=24, h=9, legend_table=True,
                   description="Which alert would fire? An alert fires when both its long and "
                               "its short window burn faster than its threshold line; the "
                               "thresholds scale with the SLO's period."),
    ]  # fmt: skip


def regrouped(slo: SLO, label: str) -> EventSLI | None:
    """The SLO's SLI computed per ``label``, when it is a catalog event kind whose metrics
    have that label; None otherwise."""
    sli = slo.sli
    if not isinstance(sli, EventSLI) or sli.kind not in KINDS:
        return None
    if not KINDS[sli.kind].metrics or label not in KINDS[sli.kind].labels:
        return None
    params = sli.params
    spec: dict[str, Any] = {"selectors": dict(params.get("selectors") or {})}  # type: ignore[call-overload]
    if "threshold_seconds" in params:
        spec["threshold"] = params["threshold_seconds"]
    if "fidelity_threshold" in params:
        spec["fidelity_threshold"] = params["fidelity_threshold"]
    built = build_sli(sli.kind, spec, (label,), Where(Problems(), "<dashboards>"))
    return built if isinstance(built, EventSLI) else None


def breakdown(slos: Sequence[SLO], label: str) -> str | None:
    """The error ratio over the time range per ``label`` of whichever SLO ``$slo`` is: one
    branch per SLO that can be broken down, each kept only when it is the selected one."""
    parts = []
    for slo in slos:
        sli = regrouped(slo, label)
        if sli is None:
            continue
        bad, total = sli.render("bad", X.RANGE), sli.render("total", X.RANGE)
        only = f"{INFO_RECORD}{X.slo_selector(slo, X.SLO_VARIABLE)}"
        # ">= 0" drops the NaN of a label value without events in the time range
        parts.append(f"(({bad})\n/ ({total}) >= 0)\nand on () {only}")
    return "\nor\n".join(parts) or None


def _breakdown(slos: Sequence[SLO]) -> Section:
    panels = []
    for label in BREAKDOWN:
        expr = breakdown(slos, label)
        if expr is None:  # no SLI of the catalog reads a metric with this label (yet)
            continue
        panels.append(table(
            f"Error ratio by {label}", [q(f"sort_desc({expr})", table=True)],
            unit="percentunit", w=8, sort_by="Error ratio",
            transformations=[organize({"Value": "Error ratio", label: label.capitalize()})],
            description=f"Which {label} spends the budget? The SLI's error ratio over the "
                        f"time range per {label} (SLOs whose metrics have no {label} label "
                        "show nothing here).",
        ))  # fmt: skip
    return "Breakdown", panels


def build(slos: Sequence[SLO]) -> G.Dashboard:
    """The SLO detail dashboard for the catalog ``slos``; ``$slo`` picks the SLO."""
    uid, title = DASHBOARDS["slo"]
    # open on an SLO whose every panel has data: the first with a breakdown
    first = next((s for s in slos if regrouped(s, "backend")), slos[0] if slos else None)
    slo_var = label_variable("slo", "SLO", [INFO_RECORD], multi=False,
                             default=first.name if first else "")  # fmt: skip
    variables = [datasource_variable(), slo_var, backend_variable(), provider_variable()]
    alerts = PromAnnotation(
        name="SLO alerts", expr=X.alerts(X.FIRING), title="{{alertname}} ({{severity}})",
        text="Firing: {{alertname}} {{backend}}", tag_keys="severity", color="red",
        expect_data=False, empty_reason="only a burning SLO fires an alert",
    )  # fmt: skip
    sections = [
        _now(slos),
        _over_time(slos),
        (
            "Alerts",
            [alert_history(w=14), alert_table(w=10, h=8, quiet="a healthy SLO has no alert")],
        ),
        _breakdown(slos),
    ]
    return dashboard(
        uid=uid, title=title, tags=["slo"], time_from=longest_period(slos), refresh="5m",
        sections=sections, variables=variables, annotations=[alerts],
        description="One SLO, picked by $slo: SLI against the objective, budget burn-down, "
                    "burn rates against the alert thresholds, its alerts and the breakdown.",
    )  # fmt: skip
