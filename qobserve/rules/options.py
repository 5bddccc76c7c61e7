"""Settings of the generated rules and Alertmanager config that no SLO spec carries.

Example::

    RuleOptions(grafana_url="https://grafana.example.org",
                operational=OperationalOptions(monthly_cost_budget_usd=5000))
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class OperationalOptions:
    """Thresholds of the operational alerts."""

    #: a backend whose calibration is older than this many hours is stale
    calibration_max_age_hours: float = 24
    #: pending jobs on a backend's queue that count as a long queue
    queue_depth_high: int = 500
    #: how far ahead the quota forecast looks
    quota_forecast_horizon: str = "3d"
    #: share of the quota used (percent) that warns even without a forecast
    quota_used_percent: float = 90
    #: spending budget in US dollars per 30 days
    monthly_cost_budget_usd: float = 1000
    #: share of jobs with incomplete telemetry (percent, over 30 minutes) that alerts
    telemetry_incomplete_percent: float = 5
    #: Prometheus job name of the exporter's scrape config
    exporter_job: str = "qobserve-exporter"


@dataclass(frozen=True)
class RuleOptions:
    """Settings of the generated Prometheus rules."""

    #: Grafana's base URL, for the ``dashboard_url`` annotation
    grafana_url: str = "http://localhost:3000"
    #: where runbooks live; an SLO without ``runbook_url`` links to ``<this>#<slo name>``
    runbook_url: str = "docs/alerting.md"
    #: how long an SLO's metrics must be missing before SLIMetricAbsent fires
    absent_for: str = "30m"
    #: uid of the on-call dashboard the operational alerts link to
    oncall_dashboard: str = "qobserve-oncall"
    #: the label a global ruler aggregates over (``cluster``): also write the global level
    #: (:mod:`qobserve.rules.aggregation`); None writes the per-cluster level only
    global_aggregation: str | None = None
    #: uid of the SLO detail dashboard (driven by ``var-slo``) the SLO alerts link to
    slo_dashboard: str = "qobserve-slo"
    operational: OperationalOptions = field(default_factory=OperationalOptions)


@dataclass(frozen=True)
class TimeInterval:
    """A recurring window in Alertmanager's ``time_intervals`` syntax (UTC unless ``location``).

    ``weekdays`` like ``["sunday"]`` or ``["monday:friday"]``, ``times`` as
    ``("02:00", "04:00")`` pairs.
    """

    weekdays: tuple[str, ...] = ("sunday",)
    times: tuple[tuple[str, str], ...] = (("02:00", "04:00"),)
    location: str = "UTC"


@dataclass(frozen=True)
class AlertmanagerOptions:
    """Receivers and timings of the generated Alertmanager config."""

    #: webhook receiving ``severity="page"`` alerts (point it at your paging bridge)
    page_url: str = "http://127.0.0.1:5001/alerts/page"
    #: webhook receiving ``severity="ticket"`` alerts (and anything unrouted)
    ticket_url: str = "http://127.0.0.1:5001/alerts/ticket"
    group_wait: str = "30s"
    group_interval: str = "5m"
    page_repeat_interval: str = "1h"
    ticket_repeat_interval: str = "12h"
    #: muted on both routes: planned maintenance (of the provider's backends or yours)
    maintenance: tuple[TimeInterval, ...] = (TimeInterval(),)
