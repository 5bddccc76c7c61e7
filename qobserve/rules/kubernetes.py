"""The rules as Kubernetes ``PrometheusRule`` objects (prometheus-operator), one per SLO.

One object per SLO (plus one for the operational alerts) keeps each far below the limits a
single object of every group hits at scale: ``kubectl apply``'s 256 KiB last-applied annotation
and etcd's 1.5 MiB object size. Each object carries the SLO's rule group unchanged, the
``app.kubernetes.io`` labels, the namespace and the extra labels the operator's
``ruleSelector`` matches on.

Example::

    text = prometheus_rules(slos, namespace="monitoring", labels={"release": "prom"})
    # kubectl apply -f - <<< "$text"
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import Any

from qobserve.rules.operational import operational_group
from qobserve.rules.options import RuleOptions
from qobserve.rules.render import dump
from qobserve.slo.model import SLO

API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"
#: Labels every object carries (``--labels`` adds to them).
BASE_LABELS = {
    "app.kubernetes.io/name": "qobserve",
    "app.kubernetes.io/component": "alert-rules",
    "app.kubernetes.io/part-of": "qobserve",
}
#: Name of the object holding the operational alerts.
OPERATIONAL_NAME = "qobserve-operational"
_DNS_LABEL = re.compile(r"[^a-z0-9-]+")
# A label key is an optional DNS-subdomain prefix and a name; values are names or empty.
_LABEL_KEY = re.compile(
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
)
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


def object_name(slo: SLO) -> str:
    """The object name of ``slo``'s PrometheusRule: ``qobserve-slo-<name>`` as a DNS label
    (lower case, ``-``); a name that had to change gets a short hash, so two SLO names never
    map to one object."""
    name = _DNS_LABEL.sub("-", slo.name.lower()).strip("-")
    if name != slo.name:
        name = f"{name[:40]}-{hashlib.sha256(slo.name.encode()).hexdigest()[:8]}"
    return f"qobserve-slo-{name}"[:63].rstrip("-")


def label_problem(key: str, value: str) -> str | None:
    """Why ``key=value`` is not a Kubernetes label, or None."""
    if not _LABEL_KEY.match(key) or len(key.split("/")[0]) > 253:
        return f"{key!r} is not a Kubernetes label key"
    if not _LABEL_VALUE.match(value):
        return f"{value!r} is not a Kubernetes label value (63 characters of [A-Za-z0-9_.-])"
    return None


def _object(
    name: str, groups: list[dict[str, Any]], namespace: str, labels: Mapping[str, str]
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    meta["labels"] = {**BASE_LABELS, **labels}
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": meta, "spec": {"groups": groups}}


def prometheus_rule_objects(
    slos: Sequence[SLO],
    options: RuleOptions | None = None,
    *,
    namespace: str = "",
    labels: Mapping[str, str] | None = None,
    operational: bool = True,
) -> list[dict[str, Any]]:
    """One PrometheusRule per SLO (sorted by name), then the operational one, as data."""
    from qobserve.rules import slo_group

    options = options or RuleOptions()
    extra = dict(labels or {})
    objects = [
        _object(object_name(s), [slo_group(s, options)], namespace, extra)
        for s in sorted(slos, key=lambda s: s.name)
    ]
    if operational:
        objects.append(_object(OPERATIONAL_NAME, [operational_group(options)], namespace, extra))
    return objects


def prometheus_rules(
    slos: Sequence[SLO],
    options: RuleOptions | None = None,
    *,
    namespace: str = "",
    labels: Mapping[str, str] | None = None,
    operational: bool = True,
) -> str:
    """:func:`prometheus_rule_objects` as one multi-document YAML stream for ``kubectl
    apply -f``."""
    objects = prometheus_rule_objects(
        slos, options, namespace=namespace, labels=labels, operational=operational
    )
    header = "kubectl apply -f this file where prometheus-operator runs."
    return "---\n".join(dump(o, header=header if i == 0 else "") for i, o in enumerate(objects))
