"""Parser of qobserve's own SLO format, ``version: qobserve/v1``.

Example file::

    version: qobserve/v1
    service: quantum-jobs
    labels: {team: quantum}
    slos:
      - name: job-success-qpu
        objective: 99            # percent of good events
        period: 28d
        min_events: 10
        sli:
          kind: job_success
          selectors: {backend_type: "qpu|emulator", outcome: "success|error|invalid"}
        alerting:
          page_alert: {labels: {team: quantum-oncall}}
          ticket_alert: {disable: false}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal
from typing import Any

from qobserve.slo.kinds import build_sli
from qobserve.slo.model import SLI_WINDOWS, SLO, AlertSpec, duration_str
from qobserve.slo.problems import Where, short
from qobserve.slo.promql import parse_duration

FORMAT = "qobserve/v1"
DEFAULT_PERIOD = timedelta(days=28)
DEFAULT_SERVICE = "quantum"
#: Name of the burn-rate alerts (page and ticket; the ``severity`` label tells them apart).
DEFAULT_ALERT_NAME = "SLOErrorBudgetBurn"
#: An SLO period must be longer than this, the longest burn-rate window.
LONGEST_WINDOW = max(parse_duration(w) for w in SLI_WINDOWS)

#: The largest ``min_events``: a guard beyond a billion events per window is a typo.
MAX_MIN_EVENTS = 1_000_000_000

_TOP_KEYS = ("version", "service", "labels", "slos")
_SLO_KEYS = ("name", "description", "objective", "period", "sli", "labels", "group_by",
             "min_events", "runbook_url", "alerting", "service", "policy")  # fmt: skip
_ALERT_KEYS = ("disable", "name", "labels", "annotations")


def parse(doc: Mapping[str, Any], where: Where) -> list[SLO]:
    """The SLOs of one ``qobserve/v1`` document; problems are recorded at ``where``."""
    where.check_keys(doc, _TOP_KEYS)
    service = where.get(doc, "service", str, default=DEFAULT_SERVICE)
    labels = where.string_map(doc, "labels")
    slos = where.get(doc, "slos", list, required=True, default=[])
    if not slos and "slos" in doc:
        where.at("slos").error("has no SLO")
    out = []
    for i, raw in enumerate(slos):
        at = where.at("slos").at(i)
        item = at.mapping(raw)
        if item is None:
            continue
        slo = _slo(item, at, service, labels)
        if slo is not None:
            out.append(slo)
    return out


def objective_ratio(value: Any, where: Where, *, allow_100: bool = False) -> float | None:
    """A percent objective (``99.9``) as a ratio (``0.999``, computed in decimal).

    ``allow_100``: Sloth accepts 100 % (no error budget: any error burns it infinitely fast).
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        where.error(f"must be a percentage such as 99.9, got {short(value)}")
        return None
    percent = Decimal(repr(value))
    if not 0 < percent <= 100 or (percent == 100 and not allow_100):
        span = "above 0 and at most 100" if allow_100 else "strictly between 0 and 100"
        where.error(f"must be a percentage {span}, got {value}")
        return None
    if percent <= 1:
        where.error(
            f"is a percentage: {value} means {value} %; for {float(percent) * 100:g} % "
            f"write {float(percent) * 100:g}"
        )
        return None
    return float(percent / 100)


def period(value: Any, where: Where) -> timedelta | None:
    """A rolling SLO period (``28d``) or None after recording why it is not one."""
    if not isinstance(value, str):
        where.error(f"must be a duration such as 28d, got {value!r}")
        return None
    try:
        return check_period(parse_duration(value), where)
    except ValueError as err:
        where.error(str(err))
        return None


def check_period(value: timedelta, where: Where) -> timedelta | None:
    """``value`` when it is longer than the longest alert window, else None and an error."""
    if value <= LONGEST_WINDOW:
        where.error(
            f"{duration_str(value)} is not longer than the longest alert window "
            f"({duration_str(LONGEST_WINDOW)}); use a period such as 7d, 28d or 30d"
        )
        return None
    return value


def alert_spec(
    raw: Any,
    where: Where,
    *,
    default_name: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    disable_key: str = "disable",
) -> AlertSpec | None:
    """One severity's alert; shared labels/annotations are merged under its own."""
    item = where.mapping(raw) if raw is not None else {}
    if item is None:
        return None
    where.check_keys(item, (*_ALERT_KEYS, disable_key))
    name = where.get(item, "name", str, default=default_name)
    return AlertSpec(
        name=name,
        disabled=bool(where.get(item, disable_key, bool, default=False)),
        labels={**labels, **where.string_map(item, "labels")},
        annotations={**annotations, **where.string_map(item, "annotations")},
    )


def alerting(
    item: Mapping[str, Any],
    where: Where,
    *,
    page_key: str = "page_alert",
    ticket_key: str = "ticket_alert",
) -> tuple[AlertSpec | None, AlertSpec | None]:
    """The page and ticket alerts of an SLO's ``alerting`` mapping (qobserve/v1 and Sloth
    share its layout: name, labels, annotations, page_alert, ticket_alert; Sloth's CRD spells
    the last two ``pageAlert``/``ticketAlert``)."""
    raw = where.get(item, "alerting", dict, default={})
    at = where.at("alerting")
    at.check_keys(raw, ("name", "labels", "annotations", page_key, ticket_key))
    name = at.get(raw, "name", str, default=DEFAULT_ALERT_NAME)
    labels, annotations = at.string_map(raw, "labels"), at.string_map(raw, "annotations")
    page, ticket = (alert_spec(raw.get(key), at.at(key), default_name=name, labels=labels,
                               annotations=annotations)
                    for key in (page_key, ticket_key))  # fmt: skip
    return page, ticket


def _slo(
    item: Mapping[str, Any], where: Where, service: str, file_labels: dict[str, str]
) -> SLO | None:
    name = where.get(item, "name", str, required=True)
    if name is None:
        return None
    where = where.named(name)
    n_errors = len(where.problems.errors)
    where.check_keys(item, _SLO_KEYS)
    objective = None
    if "objective" not in item:
        where.at("objective").error("is required")
    else:
        objective = objective_ratio(item["objective"], where.at("objective"))
    slo_period = period(item.get("period", duration_str(DEFAULT_PERIOD)), where.at("period"))
    group_by = tuple(where.get(item, "group_by", list, default=[]))
    for i, label in enumerate(group_by):
        if not isinstance(label, str):
            where.at("group_by").at(i).error("must be a label name")
    min_events = where.get(item, "min_events", int, default=0)
    if not 0 <= min_events <= MAX_MIN_EVENTS:
        where.at("min_events").error(f"must be between 0 and {MAX_MIN_EVENTS:,}, got {min_events}")
        min_events = 0
    sli = None
    raw_sli = where.get(item, "sli", dict, required=True)
    if raw_sli is not None:
        kind = where.at("sli").get(raw_sli, "kind", str, required=True)
        if kind is not None:
            sli = build_sli(kind, raw_sli, tuple(str(g) for g in group_by), where.at("sli"))
    page, ticket = alerting(item, where)
    labels = {**file_labels, **where.string_map(item, "labels")}
    if len(where.problems.errors) > n_errors or None in (objective, sli, slo_period):
        return None
    assert objective is not None and sli is not None and slo_period is not None
    return SLO(
        name=name,
        service=where.get(item, "service", str, default=service),
        objective=objective,
        period=slo_period,
        sli=sli,
        description=where.get(item, "description", str, default=""),
        labels=labels,
        page_alert=page,
        ticket_alert=ticket,
        min_events=min_events,
        runbook_url=where.get(item, "runbook_url", str, default=""),
        policy=where.get(item, "policy", str, default=""),
        group_by=tuple(str(g) for g in group_by),
        source=where.path,
        location=where.field,
        format=FORMAT,
    )
