"""Parser of Sloth's ``version: prometheus/v1`` specs (and its ``PrometheusServiceLevel`` CRD).

A Sloth SLO is named by Sloth's ID, ``<service>-<name>``, so two services' ``availability`` SLOs
do not collide. Sloth specs have no period; Sloth's default, 30 days, applies unless the loader
is given another (``sloth generate --default-slo-period``).

Example::

    version: "prometheus/v1"
    service: "myservice"
    slos:
      - name: "requests-availability"
        objective: 99.9
        sli:
          events:
            error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
            total_query: sum(rate(http_requests_total[{{.window}}]))
        alerting:
          name: MyServiceHighErrorRate
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from qobserve.slo.kinds import templates_sli
from qobserve.slo.model import SLO
from qobserve.slo.problems import Where
from qobserve.slo.qobserve_v1 import alerting, objective_ratio

FORMAT = "prometheus/v1"
CRD_API_VERSION = "sloth.slok.dev/v1"
CRD_KIND = "PrometheusServiceLevel"
#: Sloth's default SLO period.
DEFAULT_PERIOD = timedelta(days=30)

_TOP_KEYS = ("version", "service", "labels", "slos")
_SLO_KEYS = ("name", "description", "objective", "labels", "sli", "alerting")
_PLUGIN_KEYS = ("slo_plugins", "sloPlugins")
#: The Kubernetes CRD spells the keys of ``prometheus/v1`` in camelCase.
_CAMEL = {"error_query": "errorQuery", "total_query": "totalQuery",
          "error_ratio_query": "errorRatioQuery", "page_alert": "pageAlert",
          "ticket_alert": "ticketAlert", "slo_plugins": "sloPlugins"}  # fmt: skip


def _key(name: str, crd: bool) -> str:
    return _CAMEL.get(name, name) if crd else name


def parse(doc: Mapping[str, Any], where: Where, *, period: timedelta = DEFAULT_PERIOD) -> list[SLO]:
    """The SLOs of one Sloth document (``prometheus/v1`` or the Kubernetes CRD)."""
    crd = doc.get("kind") == CRD_KIND
    if crd:
        where.check_keys(doc, ("apiVersion", "kind", "metadata", "spec"))
        spec = where.at("spec").mapping(doc.get("spec"))
        if spec is None:
            return []
        where, doc = where.at("spec"), spec
        top_keys: tuple[str, ...] = ("service", "labels", "slos")
    else:
        top_keys = _TOP_KEYS
    where.check_keys(doc, (*top_keys, _key("slo_plugins", crd)))
    _no_plugins(doc, where, crd)
    service = where.get(doc, "service", str, required=True, default="")
    if "service" in doc and service == "":
        where.at("service").error("must not be empty (Sloth names SLOs <service>-<name>)")
    labels = where.string_map(doc, "labels")
    slos = where.get(doc, "slos", list, required=True, default=[])
    if "slos" in doc and not slos:
        where.at("slos").error("has no SLO")
    out = []
    for i, raw in enumerate(slos):
        at = where.at("slos").at(i)
        item = at.mapping(raw)
        if item is not None:
            slo = _slo(item, at, service or "", labels, period, crd)
            if slo is not None and service:
                out.append(slo)
    return out


def _no_plugins(doc: Mapping[str, Any], where: Where, crd: bool) -> None:
    key = _key("slo_plugins", crd)
    if key in doc:
        where.at(key).error(
            "Sloth SLO plugins are not supported: qobserve generates the standard "
            "multiwindow multi-burn-rate rules only"
        )


def _slo(
    item: Mapping[str, Any],
    where: Where,
    service: str,
    file_labels: dict[str, str],
    period: timedelta,
    crd: bool,
) -> SLO | None:
    name = where.get(item, "name", str, required=True)
    if name is None:
        return None
    where = where.named(f"{service}-{name}")
    n_errors = len(where.problems.errors)
    where.check_keys(item, (*_SLO_KEYS, _key("slo_plugins", crd)))
    _no_plugins(item, where, crd)
    objective = objective_ratio(item.get("objective"), where.at("objective"), allow_100=True)
    sli_map = where.get(item, "sli", dict, required=True, default={})
    sli = None
    at = where.at("sli")
    kinds = [k for k in ("events", "raw", "plugin") if k in sli_map]
    at.check_keys(sli_map, ("events", "raw", "plugin"))
    error_key, total_key = _key("error_query", crd), _key("total_query", crd)
    ratio_key = _key("error_ratio_query", crd)
    if "plugin" in sli_map:
        at.at("plugin").error(
            "Sloth SLI plugins are not supported: write the plugin's "
            f"queries as events ({error_key}/{total_key}) or raw"
        )
    elif len(kinds) != 1:
        if "sli" in item:
            at.error("needs exactly one of events or raw")
    elif kinds == ["events"]:
        events = at.get(sli_map, "events", dict, default={})
        ev = at.at("events")
        ev.check_keys(events, (error_key, total_key))
        bad = ev.get(events, error_key, str, required=True)
        total = ev.get(events, total_key, str, required=True)
        if bad is not None and total is not None:
            if bad.strip() == total.strip():
                ev.at(error_key).error(f"is the same query as {total_key} (Sloth refuses it)")
            else:
                sli = templates_sli(
                    "raw", ev, bad=(bad, ev.at(error_key)), total=(total, ev.at(total_key))
                )
    else:
        raw = at.get(sli_map, "raw", dict, default={})
        rw = at.at("raw")
        rw.check_keys(raw, (ratio_key,))
        ratio = rw.get(raw, ratio_key, str, required=True)
        if ratio is not None:
            sli = templates_sli("raw", rw, error_ratio=(ratio, rw.at(ratio_key)))
    page, ticket = alerting(
        item, where, page_key=_key("page_alert", crd), ticket_key=_key("ticket_alert", crd)
    )
    if len(where.problems.errors) > n_errors or objective is None or sli is None:
        return None
    return SLO(
        name=f"{service}-{name}",
        service=service,
        objective=objective,
        period=period,
        sli=sli,
        description=where.get(item, "description", str, default=""),
        labels={**file_labels, **where.string_map(item, "labels")},
        page_alert=page,
        ticket_alert=ticket,
        source=where.path,
        location=where.field,
        format=FORMAT,
    )
