"""The SLO list (as Pyrra has it): every SLO with its status, SLI, objective, budget left and
burn, one row per SLO (and per group of a grouped SLO), each linking to the SLO detail
dashboard with ``var-slo`` set. The executive and on-call dashboards show the same table.

The table is a few queries over the SLO recording rules, whatever the catalog's size: a new
SLO adds a row of data, not panels.

Example::

    board = build(slos)      # a grafanalib Dashboard, uid "qobserve-slos"
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import grafanalib.core as G

from qobserve.dashboards import exprs as X
from qobserve.dashboards.panels import (
    DASHBOARDS,
    dashboard,
    dashboard_url,
    filter_variables,
    link,
    longest_period,
    organize,
    steps,
    table,
    timeseries,
    value_map,
)
from qobserve.dashboards.queries import q
from qobserve.rules.windows import max_burn
from qobserve.slo.model import (
    BUDGET_REMAINING_RECORD,
    CURRENT_BURN_RECORD,
    OBJECTIVE_RECORD,
    SLO,
)

#: Grafana's unit for "times the sustainable burn rate".
BURN_UNIT = "suffix:x"
#: Burn-rate colours by severity of the alert whose factor is crossed.
_BURN_COLORS = {"page": ("red", "dark-red"), "ticket": ("yellow", "orange")}
#: Budget left: exhausted below 0, at risk below 25 %.
_AT_RISK = 0.25


def budget_steps() -> list[Any]:
    """Threshold steps of error budget remaining: exhausted below 0, at risk below 25%."""
    return steps("red", (0, "orange"), (_AT_RISK, "green"))


def burn_steps(slo: SLO) -> list[Any]:
    """Threshold steps at the SLO's alert burn factors, ticket (slow) to page (fast); a factor
    the SLO cannot reach (above 1 / error budget, every event bad) is left out."""
    reachable = [t for t in X.burn_thresholds(slo) if t[2] < max_burn(slo.error_budget)]
    ordered = sorted(reachable, key=lambda t: t[2])
    colors = {"page": list(_BURN_COLORS["page"]), "ticket": list(_BURN_COLORS["ticket"])}
    return steps("green", *((factor, colors[sev].pop(0)) for sev, _, factor in ordered))


def _labelled(expr: str, label: str, value: str) -> str:
    return f'label_replace({expr}, "{label}", "{value}", "", "")'


def status(budget: str) -> str:
    """The SLO's status as a ``status`` label (a text column in a table): budget exhausted
    below 0, at risk below 25 %, else OK."""
    return "\nor ".join([
        _labelled(f"{budget} >= {_AT_RISK}", "status", "OK"),
        _labelled(f"{budget} < {_AT_RISK} >= 0", "status", "at risk"),
        _labelled(f"{budget} < 0", "status", "budget exhausted"),
    ])  # fmt: skip


#: Colours of the text columns: status and the severity of firing alerts.
_TEXT_COLOURS = value_map(("OK", "OK", "green"), ("at risk", "at risk", "orange"),
                          ("budget exhausted", "budget exhausted", "red"),
                          ("page", "page", "red"), ("ticket", "ticket", "orange"))  # fmt: skip


def slo_table(slos: Sequence[SLO], *, w: int = 24, h: int = 9) -> G.Table:
    """Every SLO ``$slo`` and ``$backend`` select: status, SLI over its period, objective,
    budget left and the severity of its firing alerts; any cell opens the SLO's detail."""
    budget = X.slo_records(BUDGET_REMAINING_RECORD)
    columns = [
        status(budget),
        X.catalog_period_sli(slos),
        X.per_series_of(OBJECTIVE_RECORD, like=BUDGET_REMAINING_RECORD),
        budget,
        f"max by (slo, backend, severity) ({X.alerts(X.FIRING)})",
    ]
    names = ["", "SLI", "Objective", "Budget left", ""]
    rename = {f"Value #{chr(ord('A') + i)}": n for i, n in enumerate(names) if n}
    hidden = tuple(f"Value #{chr(ord('A') + i)}" for i, n in enumerate(names) if not n)
    detail = f"{dashboard_url('slo')}?var-slo=${{__data.fields.slo}}&${{__url_time_range}}"
    targets = [q(expr, table=True) for expr in columns[:-1]]
    targets.append(
        q(
            columns[-1],
            table=True,
            expect_data=False,
            empty_reason="alerts fire only while an SLO burns",
        )
    )
    return table(
        "SLOs", targets, unit="percentunit", decimals=2, w=w, h=h, sort_by="Budget left",
        sort_desc=False, mappings=[_TEXT_COLOURS], cell_type="color-text",
        data_links=[link("SLO detail", detail, keep=False,
                         tooltip="The SLO's detail dashboard, same time range")],
        transformations=[{"id": "merge", "options": {}},
                         organize({"slo": "SLO", "backend": "Backend", "status": "Status",
                                   "severity": "Firing", **rename},
                                  hide=("Time", *hidden))],
        description="Is any SLO missing its objective or burning its budget? One row per SLO "
                    "(and per backend of a per-backend SLO), least budget first, with the "
                    "severity of its firing alerts; a click opens the SLO's detail.",
    )  # fmt: skip


def budget_over_time(slos: Sequence[SLO], *, w: int = 12) -> G.TimeSeries:
    """The budget left of every selected SLO over the time range."""
    return timeseries(
        "Error budget remaining by SLO",
        [q(X.slo_records(BUDGET_REMAINING_RECORD), X.catalog_legend(slos))],
        unit="percentunit", w=w, thresholds=budget_steps(), threshold_style="line+area",
        max_value=1, legend_table=True,
        description="How fast is each SLO spending its budget? Below 0 the SLO is missed for "
                    "its period.",
    )  # fmt: skip


def build(slos: Sequence[SLO]) -> G.Dashboard:
    """The SLO list dashboard for the catalog ``slos``."""
    uid, title = DASHBOARDS["slos"]
    current = timeseries(
        "Current burn rate by SLO",
        [q(X.slo_records(CURRENT_BURN_RECORD), X.catalog_legend(slos))], unit=BURN_UNIT,
        w=12, legend_table=True,
        description="Which SLO burns fastest right now? The error ratio over the last 5 "
                    "minutes in units of each SLO's error budget; 1x spends it exactly over "
                    "the period.",
    )  # fmt: skip
    return dashboard(
        uid=uid, title=title, tags=["slo"], time_from=longest_period(slos), refresh="5m",
        sections=[(None, [slo_table(slos, h=4 + 2 * max(len(slos), 1)),
                          budget_over_time(slos), current])],
        description="Every SLO with its status, SLI, objective, budget left and burn; each "
                    "links to its detail dashboard.",
        variables=filter_variables(slo=True),
    )  # fmt: skip
