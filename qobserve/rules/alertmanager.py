"""The Alertmanager configuration for qobserve's alerts (``exporters/alertmanager.yml``).

Routing: ``severity="page"`` to the page receiver, ``severity="ticket"`` (and anything else) to
the ticket receiver, grouped by alertname, slo and backend. Inhibition: a backend that is down
silences its own SLO alerts (but not its availability SLO, which measures exactly that) and its
calibration alert; a page silences the ticket of the same SLO; an exporter that is down silences
the collector and "no data" alerts it causes. Every route, including the catch-all one for
alerts of no known severity, is muted during the ``maintenance`` time interval.

Example::

    text = alertmanager_config(load(["slo"]), AlertmanagerOptions(page_url="http://pager/hook"))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qobserve.rules.alerts import ABSENT_ALERT
from qobserve.rules.options import AlertmanagerOptions, TimeInterval
from qobserve.rules.render import dump
from qobserve.slo.model import SLO, TimeSliceSLI
from qobserve.slo.promql import quote

MAINTENANCE = "maintenance"
GROUP_BY = ["alertname", "slo", "backend"]


def _names(slos: Sequence[SLO]) -> str:
    """An RE2 alternation matching exactly these SLO names."""
    return "|".join(s.name.replace(".", "\\.") for s in slos)


def _interval(t: TimeInterval) -> dict[str, Any]:
    return {
        "weekdays": list(t.weekdays),
        "times": [{"start_time": a, "end_time": b} for a, b in t.times],
        "location": t.location,
    }


def config(slos: Sequence[SLO], options: AlertmanagerOptions) -> dict[str, Any]:
    """The Alertmanager configuration as data."""
    slos = sorted(slos, key=lambda s: s.name)
    availability = [s for s in slos if s.sli.kind == "availability"]
    per_backend = [s for s in slos if "backend" in s.group_by and s not in availability]
    time_slices = [s for s in slos if isinstance(s.sli, TimeSliceSLI)]
    inhibit: list[dict[str, Any]] = [
        {
            "source_matchers": ['severity="page"', 'slo=~".+"'],
            "target_matchers": ['severity="ticket"'],
            "equal": ["slo", "backend"],
        },
        {
            "source_matchers": ['alertname="QuantumBackendDown"'],
            "target_matchers": ['alertname="QuantumBackendCalibrationStale"'],
            "equal": ["backend"],
        },
        {
            "source_matchers": ['alertname="QObserveExporterDown"'],
            "target_matchers": ['alertname="QObserveCollectorDown"'],
        },
    ]
    if per_backend:
        inhibit.insert(
            1,
            {
                "source_matchers": ['alertname="QuantumBackendDown"'],
                "target_matchers": [f"slo=~{quote(_names(per_backend))}"],
                "equal": ["backend"],
            },
        )
    if time_slices:
        inhibit.append(
            {
                "source_matchers": ['alertname="QObserveExporterDown"'],
                "target_matchers": [
                    f'alertname="{ABSENT_ALERT}"',
                    f"slo=~{quote(_names(time_slices))}",
                ],
            }
        )
    route_common = {
        "group_wait": options.group_wait,
        "group_interval": options.group_interval,
        "mute_time_intervals": [MAINTENANCE] if options.maintenance else [],
    }
    return {
        "global": {"resolve_timeout": "5m"},
        "route": {
            "receiver": "ticket",
            "group_by": GROUP_BY,
            "group_wait": options.group_wait,
            "group_interval": options.group_interval,
            "repeat_interval": options.ticket_repeat_interval,
            "routes": [
                {
                    "receiver": "page",
                    "matchers": ['severity="page"'],
                    **route_common,
                    "repeat_interval": options.page_repeat_interval,
                },
                {
                    "receiver": "ticket",
                    "matchers": ['severity="ticket"'],
                    **route_common,
                    "repeat_interval": options.ticket_repeat_interval,
                },
                # Everything else (no or another severity) would fall through to the root
                # route, which Alertmanager does not let mute: catch it here, muted too.
                {
                    "receiver": "ticket",
                    **route_common,
                    "repeat_interval": options.ticket_repeat_interval,
                },
            ],
        },
        "inhibit_rules": inhibit,
        "receivers": [
            {"name": "page", "webhook_configs": [{"url": options.page_url, "send_resolved": True}]},
            {
                "name": "ticket",
                "webhook_configs": [{"url": options.ticket_url, "send_resolved": True}],
            },
        ],
        "time_intervals": [
            {"name": MAINTENANCE, "time_intervals": [_interval(t) for t in options.maintenance]}
        ]
        if options.maintenance
        else [],
    }


def alertmanager_config(slos: Sequence[SLO], options: AlertmanagerOptions | None = None) -> str:
    """Text of ``exporters/alertmanager.yml`` for ``slos``."""
    header = (
        "Alertmanager routing for qobserve alerts: page and ticket receivers, inhibition,\n"
        "a maintenance window. Replace the webhook URLs with your paging and ticketing\n"
        "bridges (or pass AlertmanagerOptions to the generator)."
    )
    return dump(config(slos, options or AlertmanagerOptions()), header=header)
