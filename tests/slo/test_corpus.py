"""A corpus of specs in every format (written for these tests) and the upstream anchors: each
loads into the expected model, and its rules pass ``promtool check rules`` and the generated
``promtool test rules``."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from qobserve.generate import write_files
from qobserve.rules import RULES_DIR, rule_files
from qobserve.servers import promtool
from qobserve.slo import load
from qobserve.slo.model import EventSLI, TimeSliceSLI
from tests.conftest import require_binary
from tests.slo.conftest import ANCHORS

CORPUS = Path(__file__).parent / "corpus"
UPSTREAM = ANCHORS / "sloth-upstream"
SPECS = {
    "corpus": [CORPUS],
    # Sloth's examples repeat one SLO in several files: each file on its own
    **{f"sloth-{p.stem}": [p] for p in sorted((UPSTREAM / "examples").glob("*.yml"))},
    "sloth-multifile": [UPSTREAM / "test" / "integration" / "prometheus" / "testdata"
                        / "in-multifile.yaml"],
    "sloth-goldens": [ANCHORS / "sloth" / "01-base-30d" / "in-base.yaml",
                      ANCHORS / "sloth" / "03-openslo-v1alpha" / "in-openslo.yaml",
                      ANCHORS / "sloth" / "04-getting-started-rendered" / "getting-started.yml"],
}  # fmt: skip


def test_corpus_loads_into_the_expected_model() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        by = {s.name: s for s in load([CORPUS])}
    assert sorted(by) == ["api-errors", "api-latency", "api-latency-native",
                          "checkout-availability", "payments-ratio", "payments-requests",
                          "targets-up"]  # fmt: skip
    errors = by["api-errors"]
    assert (errors.format, errors.objective, errors.period_str) == ("pyrra/v1alpha1", 0.995, "28d")
    assert errors.group_by == ("route",) and errors.service == "monitoring"
    assert isinstance(errors.sli, EventSLI)
    assert errors.sli.bad == (
        'sum by (route) (rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))'
    )
    latency = by["api-latency"]
    assert latency.page_alert is not None and latency.page_alert.name == "ApiLatencyBudgetBurn"
    assert isinstance(latency.sli, EventSLI) and 'le="1"' in latency.sli.params["good"]  # type: ignore[operator]
    native = by["api-latency-native"].sli
    assert isinstance(native, EventSLI) and "histogram_fraction(0, 0.5, " in native.bad
    up = by["targets-up"]
    assert isinstance(up.sli, TimeSliceSLI) and up.sli.good == 'avg by (instance) (up{job="api"})'
    assert up.page_alert is not None and up.page_alert.disabled
    checkout = by["checkout-availability"]
    assert checkout.page_alert is not None and not checkout.page_alert.disabled
    assert checkout.ticket_alert is not None and checkout.ticket_alert.disabled  # page-only
    assert isinstance(checkout.sli, EventSLI) and checkout.sli.total == (
        "sum(rate(checkout_total[{{.window}}]))"
    )
    requests = by["payments-requests"]
    assert isinstance(requests.sli, EventSLI)
    assert requests.sli.bad == 'sum(rate(payment_requests_total{code=~"5.."}[{{.window}}]))'
    assert (
        requests.page_alert is not None and requests.page_alert.labels["routing_key"] == "payments"
    )
    assert requests.ticket_alert is not None and requests.ticket_alert.disabled


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(SPECS))
def test_rules_pass_promtool_check_and_the_generated_tests(name: str, tmp_path: Path) -> None:
    require_binary("promtool")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        slos = load(SPECS[name])
    assert slos
    write_files(tmp_path, {f"{RULES_DIR}/{n}": t for n, t in rule_files(slos).items()})
    folder = tmp_path / RULES_DIR
    checked = promtool("check", "rules", *sorted(str(p) for p in folder.glob("*.rules.yml")))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", *sorted(str(p) for p in folder.glob("*.test.yml")))
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_unsupported_pyrra_indicators_and_alert_conditions_are_refused_naming_the_field(
    tmp_path: Path,
) -> None:
    from tests.slo.conftest import errors

    path = tmp_path / "bad.yaml"
    path.write_text(
        "apiVersion: pyrra.dev/v1alpha1\nkind: ServiceLevelObjective\nmetadata: {name: x}\n"
        "spec: {target: '99', window: 4w, indicator: {latencyQuantile: {}}}\n---\n"
        "- apiVersion: openslo/v1\n  kind: SLO\n  metadata: {name: y}\n  spec:\n"
        "    timeWindow: [{duration: 28d}]\n    objectives: [{target: 0.99}]\n"
        "    indicator: {spec: {ratioMetric: {good: {metricSource: {type: Prometheus, spec: "
        "{query: g}}}, total: {metricSource: {type: Prometheus, spec: {query: t}}}}}}\n"
        "    alertPolicies:\n      - kind: AlertPolicy\n        spec:\n          conditions:\n"
        "            - kind: AlertCondition\n              spec: {condition: {kind: anomaly}}\n"
    )
    assert errors(path) == [
        f"{path}: x: spec.indicator.latencyQuantile: unsupported Pyrra indicator (supported: "
        "ratio, latency, latencyNative, bool_gauge)",
        f"{path}: y: document[1][0].spec.alertPolicies[0].spec.conditions[0].spec.condition.kind: "
        "'anomaly' is not supported: qobserve alerts on burn rates (burnrate)",
    ]
