"""Alert panels shared by the on-call and SLO detail dashboards: what fires now (page first)
and the alert history as a state timeline.

Example::

    panels = [alert_table(), alert_history()]
"""

from __future__ import annotations

import grafanalib.core as G

from qobserve.dashboards import exprs as X
from qobserve.dashboards.panels import organize, state_timeline, table, value_map
from qobserve.dashboards.queries import q

#: State timeline values: 2 while an alert fires, 1 while it is pending.
_FIRING, _PENDING = 2, 1


def alert_table(*, w: int = 24, h: int = 6, quiet: str = "") -> G.Table:
    """Alerts pending or firing now, page before ticket, of the selected SLOs and backends;
    ``quiet`` says why the table may legitimately be empty (one SLO's alerts only)."""
    query = q(X.alerts(), table=True, expect_data=not quiet, empty_reason=quiet)
    return table(
        "Firing and pending alerts", [query],
        w=w, h=h, sort_by="Severity", sort_desc=False,
        transformations=[organize(
            {"alertname": "Alert", "alertstate": "State", "severity": "Severity", "slo": "SLO",
             "backend": "Backend"},
            hide=("Time", "Value", "__name__"))],
        description="What is pending or firing right now? Prometheus' ALERTS series, SLO "
                    "burn-rate and operational alerts, pages first.",
    )  # fmt: skip


def alert_history(*, w: int = 24, h: int = 8) -> G.StateTimeline:
    """When each SLO's alerts of each severity were pending or firing over the time range."""
    firing, pending = X.alerts(X.FIRING), X.alerts(X.PENDING)
    state = f"max by (slo, severity) (\n  {firing} * {_FIRING}\n  or {pending} * {_PENDING}\n)"
    return state_timeline(
        "Alert history", [q(state, "{{slo}} {{severity}}")],
        w=w, h=h,
        mappings=[value_map((str(_FIRING), "firing", "red"), (str(_PENDING), "pending", "orange"))],
        description="Which alerts fired or were pending, and when? One lane per SLO and "
                    "severity; operational alerts have no SLO.",
    )  # fmt: skip
