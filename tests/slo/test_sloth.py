"""Sloth prometheus/v1 specs, read from Sloth v0.16.0's own test inputs."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from qobserve.slo import load
from qobserve.slo.model import EventSLI
from tests.slo.conftest import ANCHORS, Write, errors, load_quiet

BASE = ANCHORS / "sloth" / "01-base-30d" / "in-base.yaml"
STARTED = ANCHORS / "sloth" / "04-getting-started-rendered" / "getting-started.yml"


@pytest.mark.shared
def test_base_input_as_sloth_reads_it() -> None:
    raw = yaml.safe_load(BASE.read_text())
    slos = load([BASE])
    assert [s.name for s in slos] == sorted(f"{raw['service']}-{s['name']}" for s in raw["slos"])
    by = {s.name: s for s in slos}
    for spec in raw["slos"]:
        slo = by[f"{raw['service']}-{spec['name']}"]
        assert slo.format == "prometheus/v1" and slo.service == raw["service"]
        assert slo.objective == round(spec["objective"] / 100, 12)
        assert slo.period == timedelta(days=30)  # Sloth's default period
        assert slo.description == spec["description"]
        assert slo.labels == {**raw["labels"], **spec["labels"]}
        assert isinstance(slo.sli, EventSLI)
        if "events" in spec["sli"]:
            assert slo.sli.bad == spec["sli"]["events"]["error_query"]
            assert slo.sli.total == spec["sli"]["events"]["total_query"]
        else:
            assert slo.sli.error_ratio == spec["sli"]["raw"]["error_ratio_query"].strip()
    alerting = raw["slos"][0]["alerting"]
    page, ticket = by["svc01-slo1"].page_alert, by["svc01-slo1"].ticket_alert
    assert page is not None and ticket is not None
    assert page.name == ticket.name == alerting["name"]
    assert page.labels == {**alerting["labels"], **alerting["page_alert"]["labels"]}
    assert ticket.labels == {**alerting["labels"], **alerting["ticket_alert"]["labels"]}
    assert page.annotations == ticket.annotations == alerting["annotations"]
    slo02 = by["svc01-slo02"]
    assert slo02.page_alert is not None and slo02.page_alert.disabled
    assert slo02.ticket_alert is not None and slo02.ticket_alert.disabled


@pytest.mark.shared
def test_period_is_the_loaders_option() -> None:
    slos = load([BASE], sloth_period=timedelta(days=28))
    assert {s.period_str for s in slos} == {"28d"}


@pytest.mark.shared
def test_getting_started_severity_labels_are_replaced_with_a_warning() -> None:
    (slo,), notes = load_quiet(STARTED)
    assert slo.name == "myservice-requests-availability"
    assert slo.labels == {"owner": "myteam", "repo": "myorg/myservice", "tier": "2"}
    assert len(notes) == 2 and all("qobserve sets the 'severity' label itself" in n for n in notes)
    assert slo.page_alert is not None and slo.page_alert.labels["routing_key"] == "myteam"


def camel(value: object) -> object:
    """``value`` with the keys Sloth's CRD spells in camelCase (``error_query`` ->
    ``errorQuery``), recursively; label keys are not touched."""
    if isinstance(value, dict):
        return {
            k if k in ("labels", "annotations") or "_" not in k else
            k.split("_")[0] + "".join(w.title() for w in k.split("_")[1:]):
            v if k in ("labels", "annotations") else camel(v)
            for k, v in value.items()
        }  # fmt: skip
    if isinstance(value, list):
        return [camel(v) for v in value]
    return value


@pytest.mark.shared
def test_kubernetes_crd_form(write: Write) -> None:
    spec = camel(yaml.safe_load(BASE.read_text()))
    assert isinstance(spec, dict)
    del spec["version"]
    crd = {
        "apiVersion": "sloth.slok.dev/v1",
        "kind": "PrometheusServiceLevel",
        "metadata": {"name": "svc01"},
        "spec": spec,
    }
    path = write(yaml.safe_dump(crd))
    assert [s.name for s in load([path])] == [s.name for s in load([BASE])]


def test_mistakes(write: Write, tmp_path: Path) -> None:
    path = write("""
        version: prometheus/v1
        service: svc
        slos:
          - name: plugin
            objective: 99
            sli: {plugin: {id: sloth-common/availability}}
          - name: both
            objective: 99
            sli:
              events: {error_query: 'e[{{.window}}]', total_query: 't[{{.window}}]'}
              raw: {error_ratio_query: 'r'}
          - name: half
            objective: 0
            sli: {events: {error_query: 'sum(rate(e[{{.window}}]))'}}
        """)
    p = f"{path}: "
    assert errors(path) == [
        p + "svc-plugin: slos[0].sli.plugin: Sloth SLI plugins are not supported: write the "
        "plugin's queries as events (error_query/total_query) or raw",
        p + "svc-both: slos[1].sli: needs exactly one of events or raw",
        p + "svc-half: slos[2].objective: must be a percentage above 0 and at most 100, got 0",
        p + "svc-half: slos[2].sli.events.total_query: is required",
    ]
    no_service = write("version: prometheus/v1\nslos: []\n", "x.yaml")
    assert errors(no_service) == [
        f"{no_service}: service: is required",
        f"{no_service}: slos: has no SLO",
    ]


UPSTREAM = ANCHORS / "sloth-upstream"
CRDS = sorted(p for p in UPSTREAM.rglob("*.y*ml") if "PrometheusServiceLevel" in p.read_text())


@pytest.mark.shared
@pytest.mark.parametrize("path", [p for p in CRDS if "bad" not in p.parts], ids=lambda p: p.name)
def test_sloths_own_camel_case_crds_load(path: Path) -> None:
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    slos, _ = load_quiet(path)
    expected = sorted(
        f"{d['spec']['service']}-{s['name']}" for d in docs for s in d["spec"]["slos"]
    )
    assert [s.name for s in slos] == expected
    by = {s.name: s for s in slos}
    for doc in docs:
        for spec in doc["spec"]["slos"]:
            slo = by[f"{doc['spec']['service']}-{spec['name']}"]
            sli = slo.sli
            assert isinstance(sli, EventSLI)
            if "events" in spec["sli"]:
                assert sli.bad == spec["sli"]["events"]["errorQuery"].strip()
                assert sli.total == spec["sli"]["events"]["totalQuery"].strip()
            else:
                assert sli.error_ratio == spec["sli"]["raw"]["errorRatioQuery"].strip()
            alerting = spec.get("alerting", {})
            for key, alert in (("pageAlert", slo.page_alert), ("ticketAlert", slo.ticket_alert)):
                assert alert is not None
                assert alert.disabled == alerting.get(key, {}).get("disable", False)
                own = {
                    k: v
                    for k, v in alerting.get(key, {}).get("labels", {}).items()
                    if k != "severity"
                }
                assert own.items() <= alert.labels.items()


@pytest.mark.shared
def test_sloths_bad_inputs_are_refused_naming_the_field() -> None:
    bad = UPSTREAM / "test" / "integration" / "prometheus" / "testdata" / "validate" / "bad"
    k8s, multi = bad / "bad-k8s.yaml", bad / "bad-multi.yaml"
    assert errors(k8s) == [f"{k8s}: spec.service: must not be empty (Sloth names SLOs "
                           "<service>-<name>)"]  # fmt: skip
    assert errors(multi) == [
        f"{multi}: svc02-slo02: document[1].slos[1].sli: needs exactly one of events or raw"
    ]


def test_crd_plugins_are_refused_naming_the_field(write: Write) -> None:
    path = write("""
        apiVersion: sloth.slok.dev/v1
        kind: PrometheusServiceLevel
        metadata: {name: x}
        spec:
          service: svc
          sloPlugins: {chain: [{id: sloth.dev/core/debug/v1}]}
          slos:
            - name: a
              objective: 99
              sli: {plugin: {id: sloth-common/availability}}
        """)
    assert errors(path) == [
        f"{path}: spec.sloPlugins: Sloth SLO plugins are not supported: qobserve generates the "
        "standard multiwindow multi-burn-rate rules only",
        f"{path}: svc-a: spec.slos[0].sli.plugin: Sloth SLI plugins are not supported: write "
        "the plugin's queries as events (errorQuery/totalQuery) or raw",
    ]


def test_sloth_parity(write: Write) -> None:
    path = write("""
        version: prometheus/v1
        service: svc
        slos:
          - name: perfect
            objective: 100
            sli:
              events:
                error_query: sum(rate(e[{{ .window }}]))
                total_query: sum(rate(t[{{  .window}}]))
        """)
    (slo,) = load([path])
    assert slo.objective == 1.0 and slo.error_budget == 0.0
    assert isinstance(slo.sli, EventSLI)
    assert slo.sli.bad == "sum(rate(e[{{.window}}]))"
    assert slo.sli.total == "sum(rate(t[{{.window}}]))"
