"""The Kubernetes output: one PrometheusRule per SLO plus one for the operational alerts, each
valid against prometheus-operator's CRD schema, with the namespace and labels asked for."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from qobserve.cli import main
from qobserve.rules import KUBERNETES_RULES, groups, rule_files
from qobserve.rules.kubernetes import object_name, prometheus_rule_objects
from qobserve.slo import load
from qobserve.slo.model import SLO
from tests.conftest import SHARED
from tests.rules.conftest import SLOTH

pytestmark = pytest.mark.shared  # prometheus-operator's CRD schema

CRD = SHARED / "schemas" / "prometheus-operator" / "prometheusrules.yaml"
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def structural(schema: Any) -> Any:
    """An OpenAPI v3 structural schema as JSON Schema: unknown fields are errors (as on the
    API server) and ``x-kubernetes-int-or-string`` is an integer or a string."""
    if isinstance(schema, list):
        return [structural(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: structural(v) for k, v in schema.items()}
    open_ = "additionalProperties" in out or out.get("x-kubernetes-preserve-unknown-fields")
    if "properties" in out and not open_:
        out["additionalProperties"] = False
    if out.get("x-kubernetes-int-or-string"):
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    return out


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    crd = yaml.safe_load(CRD.read_text())
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    return jsonschema.Draft7Validator(structural(version["schema"]["openAPIV3Schema"]))


def check_object(doc: dict[str, Any], validator: jsonschema.Draft7Validator) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors
    meta = doc["metadata"]
    assert _DNS_SUBDOMAIN.match(meta["name"]) and len(meta["name"]) <= 63, meta["name"]


def test_one_object_per_slo_plus_operational(
    catalog: list[SLO], validator: jsonschema.Draft7Validator
) -> None:
    docs = list(yaml.safe_load_all(rule_files(catalog)[KUBERNETES_RULES]))
    assert [d["metadata"]["name"] for d in docs] == [
        *(f"qobserve-slo-{s.name}" for s in sorted(catalog, key=lambda s: s.name)),
        "qobserve-operational",
    ]
    for doc in docs:
        check_object(doc, validator)
    assert [g for d in docs for g in d["spec"]["groups"]] == groups(catalog)
    biggest = max(len(yaml.safe_dump(d)) for d in docs)
    assert biggest < 64 * 1024  # far below kubectl apply's 256 KiB annotation


def test_cli_namespace_labels_and_no_operational_alerts_for_a_plain_sloth_spec(
    capsys: pytest.CaptureFixture[str], validator: jsonschema.Draft7Validator
) -> None:
    spec = str(SLOTH / "01-base-30d" / "in-base.yaml")
    args = ["rules", spec, "--format", "kubernetes", "--namespace", "monitoring",
            "--labels", "release=prom,team=sre"]  # fmt: skip
    assert main(args) == 0
    docs = list(yaml.safe_load_all(capsys.readouterr().out))
    assert [d["metadata"]["name"] for d in docs] == [
        "qobserve-slo-svc01-slo02",
        "qobserve-slo-svc01-slo1",
    ]
    alerts = [r["alert"] for d in docs for g in d["spec"]["groups"] for r in g["rules"]
              if "alert" in r]  # fmt: skip
    assert "QObserveExporterDown" not in alerts
    for doc in docs:
        check_object(doc, validator)
        assert doc["metadata"]["namespace"] == "monitoring"
        assert doc["metadata"]["labels"]["release"] == "prom"
        assert doc["metadata"]["labels"]["team"] == "sre"
    assert main([*args, "--operational"]) == 0
    names = [d["metadata"]["name"] for d in yaml.safe_load_all(capsys.readouterr().out)]
    assert names[-1] == "qobserve-operational"


@pytest.mark.parametrize("labels", ["release", "bad key=x", "k=not a value", "=x"])
def test_bad_labels_are_refused(labels: str, capsys: pytest.CaptureFixture[str]) -> None:
    spec = str(SLOTH / "01-base-30d" / "in-base.yaml")
    assert main(["rules", spec, "--format", "kubernetes", "--labels", labels]) == 2
    assert capsys.readouterr().err.startswith("qobserve rules: error: --labels: ")


def test_names_that_are_not_dns_labels_stay_distinct(tmp_path: Path) -> None:
    raw = "{kind: raw, bad: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}"
    spec = tmp_path / "s.yaml"
    spec.write_text(
        "version: qobserve/v1\nslos:\n"
        + "".join(f"  - {{name: {n}, objective: 99, sli: {raw}}}\n" for n in ("a_b", "a-b", "A.b"))
    )
    slos = load([spec])
    names = [object_name(s) for s in slos]
    assert len(set(names)) == 3 and all(_DNS_SUBDOMAIN.match(n) for n in names)
    assert len(prometheus_rule_objects(slos, operational=False)) == 3


#: what ``kubectl apply`` may store in an object's annotations (its last-applied-configuration
#: is the object as JSON), and etcd's largest object
ANNOTATIONS_LIMIT = 256 * 1024
ETCD_LIMIT = 1536 * 1024
#: one SLO of each shape whose rule group is the largest: a grouped event SLI with a minimum
#: events guard, a latency SLI, and a time-slice SLI per backend
SHAPES = [
    "sli: {kind: job_success}, group_by: [backend], min_events: 10",
    "sli: {kind: latency, threshold: 600}",
    "sli: {kind: availability}, group_by: [backend]",
]


def test_five_hundred_slos_fit_kubectl_apply_each(tmp_path: Path) -> None:
    spec = tmp_path / "many.yaml"
    lines = ["version: qobserve/v1", "slos:"]
    lines += [f"  - {{name: slo-{i:03d}, objective: 99.9, {SHAPES[i % len(SHAPES)]}}}"
              for i in range(500)]  # fmt: skip
    spec.write_text("\n".join(lines) + "\n")
    objects = prometheus_rule_objects(
        load([spec]), namespace="monitoring", labels={"release": "prometheus"}
    )
    assert len(objects) == 501
    # what kubectl apply stores in the annotation: the object as compact JSON
    sizes = {o["metadata"]["name"]: len(json.dumps(o, separators=(",", ":"))) for o in objects}
    assert max(sizes.values()) < ANNOTATIONS_LIMIT, max(sizes.items(), key=lambda kv: kv[1])
    # one object holding everything would be refused by etcd, let alone kubectl apply
    assert sum(sizes.values()) > ETCD_LIMIT
