"""Does the Prometheus server keep data for as long as the SLOs' periods?

A 28-day SLI needs 28 days of samples. Prometheus keeps 15 days unless
``--storage.tsdb.retention.time`` says otherwise (Debian's package too), so on a default
install every period SLI is silently a 15-day one. :func:`retention_warnings` reads the
server's flags (``/api/v1/status/flags``) and names every SLO whose period is longer.

Example::

    for note in retention_warnings(PrometheusAPI(url), slos):
        print("warning:", note)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta

from qobserve.promapi import PrometheusAPI
from qobserve.redact import redact
from qobserve.slo.model import SLO, duration_str
from qobserve.slo.promql import parse_duration

#: Prometheus's retention when neither a time nor a size limit is set
DEFAULT_RETENTION = timedelta(days=15)
#: kept beyond the longest period by the deploy kit: a day for a late rule evaluation, a
#: scrape gap or a report run after the period ended
RETENTION_MARGIN = timedelta(days=2)


def retention(flags: Mapping[str, str]) -> timedelta | None:
    """The time retention set by a server's flags; None when only a size limit bounds it.

    >>> retention({"storage.tsdb.retention.time": "0s", "storage.tsdb.retention.size": "0B"})
    datetime.timedelta(days=15)
    >>> retention({"storage.tsdb.retention.time": "40d"})
    datetime.timedelta(days=40)
    """
    for key in ("storage.tsdb.retention.time", "storage.tsdb.retention"):
        value = flags.get(key, "0s")
        if value not in ("", "0", "0s"):
            return parse_duration(value)
    size = flags.get("storage.tsdb.retention.size", "0B")
    return DEFAULT_RETENTION if size in ("", "0", "0B") else None


def retention_warnings(api: PrometheusAPI, slos: Sequence[SLO]) -> list[str]:
    """One warning per SLO whose period is longer than the server's retention."""
    kept = retention(api.flags())
    if kept is None:
        return []
    return [
        f"SLO {slo.name}: its period {slo.period_str} is longer than the {duration_str(kept)} "
        f"Prometheus at {redact(api.url)} keeps (--storage.tsdb.retention.time): its period SLI "
        f"covers only {duration_str(kept)}; set the retention to at least "
        f"{duration_str(slo.period + RETENTION_MARGIN)}"
        for slo in sorted(slos, key=lambda s: s.name)
        if slo.period > kept
    ]


def retention_for(slos: Sequence[SLO]) -> str:
    """The ``--storage.tsdb.retention.time`` the deploy kit sets: the longest period plus
    :data:`RETENTION_MARGIN` (at least Prometheus's default).

    >>> retention_for([])
    '15d'
    """
    longest = max((s.period for s in slos), default=timedelta(0))
    return duration_str(max(longest + RETENTION_MARGIN, DEFAULT_RETENTION))
