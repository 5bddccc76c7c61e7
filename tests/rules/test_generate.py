"""The generated files: deterministic, checked in, and accepted by promtool and Prometheus.

Every rule file goes through ``promtool check rules`` and every generated test file through
``promtool test rules``, as CI runs them.
"""

from __future__ import annotations

import random
import textwrap
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qobserve.generate import is_generated, write_files
from qobserve.rules import (
    ALERTMANAGER_FILE,
    RULES_DIR,
    alertmanager_config,
    groups,
    rule_files,
)
from qobserve.servers import promtool
from qobserve.slo import load
from qobserve.slo.model import (
    BUDGET_REMAINING_RECORD,
    CURRENT_BURN_RECORD,
    ERROR_BUDGET_RECORD,
    INFO_RECORD,
    OBJECTIVE_RECORD,
    PERIOD_BURN_RECORD,
    PERIOD_RECORD,
    SLO,
    sli_bad_record,
    sli_error_record,
    sli_total_record,
)
from tests.conftest import CATALOG, ROOT, require_binary
from tests.rules.conftest import SLOTH


def write(slos: list[SLO], root: Path) -> None:
    """Write the rules as ``qobserve generate`` does (generated files no longer produced go)."""
    write_files(root, {f"{RULES_DIR}/{name}": text for name, text in rule_files(slos).items()})


def test_generation_is_deterministic(catalog: list[SLO]) -> None:
    shuffled = list(catalog)
    random.Random(7).shuffle(shuffled)
    assert rule_files(catalog) == rule_files(shuffled) == rule_files(load([CATALOG]))
    assert alertmanager_config(catalog) == alertmanager_config(shuffled)


def test_checked_in_files_equal_a_fresh_generation(catalog: list[SLO]) -> None:
    fresh = rule_files(catalog)
    folder = ROOT / RULES_DIR
    on_disk = {str(p.relative_to(folder)): p.read_text() for p in folder.rglob("*.y*ml")}
    stale = sorted(n for n in fresh.keys() | on_disk.keys() if fresh.get(n) != on_disk.get(n))
    assert not stale, f"run `qobserve generate`: {stale} differ"
    assert (ROOT / ALERTMANAGER_FILE).read_text() == alertmanager_config(catalog)


def test_promtool_accepts_every_rule_file_and_passes_every_generated_test() -> None:
    require_binary("promtool")
    folder = ROOT / RULES_DIR
    rules = sorted(str(p) for p in folder.glob("*.rules.yml"))
    tests = sorted(str(p) for p in folder.glob("*.test.yml"))
    assert len(rules) == len(tests) >= 10
    checked = promtool("check", "rules", *rules)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", *tests, timeout=300)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert tested.stdout.count("SUCCESS") == len(tests)


def test_records_and_alerts_follow_the_contract(catalog: list[SLO]) -> None:
    names = {
        OBJECTIVE_RECORD,
        ERROR_BUDGET_RECORD,
        PERIOD_RECORD,
        CURRENT_BURN_RECORD,
        PERIOD_BURN_RECORD,
        BUDGET_REMAINING_RECORD,
        INFO_RECORD,
    }
    for slo in catalog:
        (group,) = groups([slo], operational=False)
        records = {r["record"] for r in group["rules"] if "record" in r}
        for window in slo.windows:
            assert {
                sli_error_record(window),
                sli_total_record(window),
                sli_bad_record(window),
            } <= records
        assert names <= records
        for rule in group["rules"]:
            assert rule["labels"]["slo"] == slo.name
            if "alert" in rule:
                assert rule["labels"]["severity"] in ("page", "ticket")
                assert {"summary", "description", "runbook_url", "dashboard_url"} <= set(
                    rule["annotations"]
                )
                assert rule["annotations"]["dashboard_url"].startswith(
                    f"http://localhost:3000/d/qobserve-slo?var-slo={slo.name}"
                )
        burn = [r for r in group["rules"] if r.get("alert") == "SLOErrorBudgetBurn"]
        assert all("$value" in r["annotations"]["description"] for r in burn)
        enabled = [a for a in (slo.page_alert, slo.ticket_alert) if a is None or not a.disabled]
        assert len(burn) == len(enabled)


def test_operational_alerts(catalog: list[SLO]) -> None:
    group = groups(catalog)[-1]
    names = [r["alert"] for r in group["rules"]]
    for wanted in (
        "QuantumBackendDown",
        "QuantumBackendCalibrationStale",
        "QuantumBackendQueueDepthHigh",
        "QuantumQuotaForecastExhausted",
        "QuantumCostBudgetBurn",
        "QObserveExporterDown",
        "QObserveCollectorDown",
        "QuantumTelemetryIncomplete",
        "QuantumBudgetForecastExhausted",
        "QuantumBudgetOverspent",
    ):
        assert wanted in names
    assert 'up{job="qobserve-exporter"}' in next(
        r["expr"] for r in group["rules"] if r["alert"] == "QObserveExporterDown"
    )
    # a used-up deny budget refuses jobs: the one operational page
    pages = [r["alert"] for r in group["rules"] if r["labels"] == {"severity": "page"}]
    assert pages == ["QuantumBudgetExhausted"]
    assert all(
        r["labels"] == {"severity": "ticket"} for r in group["rules"] if r["alert"] not in pages
    )


def test_regenerating_replaces_stale_generated_files_only(
    catalog: list[SLO], tmp_path: Path
) -> None:
    write(catalog, tmp_path)
    folder = tmp_path / RULES_DIR
    mine = folder / "my-own.rules.yml"
    mine.write_text("groups: []\n")
    write(catalog[:2], tmp_path)
    left = sorted(p for p in folder.rglob("*.y*ml"))
    assert mine in left and all(is_generated(p) for p in left if p != mine)
    expected = sorted(folder / name for name in rule_files(catalog[:2]))
    assert sorted(set(left) - {mine}) == expected
    assert len([p for p in left if p.name.startswith("slo-")]) == 4


@pytest.mark.shared
def test_sloth_and_openslo_specs_generate_valid_rules(tmp_path: Path) -> None:
    require_binary("promtool")
    specs = [
        SLOTH / "01-base-30d" / "in-base.yaml",
        SLOTH / "03-openslo-v1alpha" / "in-openslo.yaml",
    ]
    with pytest.warns(UserWarning):
        slos = load([*specs, SLOTH / "04-getting-started-rendered" / "getting-started.yml"])
    write(slos, tmp_path)
    folder = tmp_path / RULES_DIR
    result = promtool("test", "rules", *sorted(str(p) for p in folder.glob("*.test.yml")))
    assert result.returncode == 0, result.stdout + result.stderr
    text = (folder / "slo-myservice-requests-availability.rules.yml").read_text()
    # the user's page/ticket severities give way to qobserve's, their other labels stay
    rules = yaml.safe_load(text)["groups"][0]["rules"]
    alerts = [r for r in rules if r.get("alert") == "MyServiceHighErrorRate"]
    assert [a["labels"]["severity"] for a in alerts] == ["page", "ticket"]
    assert alerts[0]["labels"]["routing_key"] == "myteam"
    assert (
        alerts[1]["annotations"]["summary"] == "High error rate on 'myservice' requests responses"
    )


KINDS = {
    "job_success": "{kind: job_success, selectors: {backend_type: 'qpu|emulator'}}",
    "latency": "{kind: latency, threshold: 30}",
    "queue_wait": "{kind: queue_wait, threshold: 1h, selectors: {backend: 'ibm_.+'}}",
    "duplicates": "{kind: duplicates}",
    "divergence": "{kind: divergence}",
    "coverage": "{kind: coverage}",
    "counter_ratio": "{kind: counter_ratio, good: 'http_requests_total{code=~\"2..\"}', "
    "total: http_requests_total}",
    "raw": "{kind: raw, error_ratio: 'sum(rate(e[{{.window}}])) / sum(rate(t[{{.window}}]))'}",
    "freshness": "{kind: freshness, max_age: 12h}",
    "availability": "{kind: availability, slice: 30s}",
}


@settings(
    max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    objective=st.sampled_from([50, 90, 95, 99, 99.5, 99.9, 99.99]),
    period=st.sampled_from(["4d", "7d", "14d", "28d", "30d", "90d"]),
    min_events=st.sampled_from([0, 1, 50]),
    grouped=st.booleans(),
)
def test_any_spec_gives_rules_promtool_accepts_and_tests_pass(
    tmp_path_factory: pytest.TempPathFactory,
    kind: str,
    objective: float,
    period: str,
    min_events: int,
    grouped: bool,
) -> None:
    require_binary("promtool")
    group_by = "[backend]" if grouped and kind not in ("coverage", "counter_ratio", "raw") else "[]"
    if kind == "raw":
        min_events = 0
    folder = tmp_path_factory.mktemp("spec")
    spec = folder / "spec.yaml"
    spec.write_text(
        f"version: qobserve/v1\nslos:\n  - name: s\n    objective: {objective}\n"
        f"    period: {period}\n    min_events: {min_events}\n"
        f"    group_by: {group_by}\n    sli: {KINDS[kind]}\n"
    )
    slos = load([spec])
    write(slos, folder)
    rules = sorted(str(p) for p in (folder / RULES_DIR).glob("*.rules.yml"))
    tests = sorted(str(p) for p in (folder / RULES_DIR).glob("*.test.yml"))
    checked = promtool("check", "rules", *rules)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = promtool("test", "rules", *tests)
    assert tested.returncode == 0, tested.stdout + tested.stderr


def spec_file(folder: Path, text: str) -> Path:
    path = folder / "spec.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_an_slo_without_alerts_raises_none(tmp_path: Path) -> None:
    path = spec_file(
        tmp_path,
        """
        version: prometheus/v1
        service: svc
        slos:
          - name: quiet
            objective: 99
            sli: {events: {error_query: 'sum(rate(e[{{.window}}]))',
                           total_query: 'sum(rate(t[{{.window}}]))'}}
            alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}
        """,
    )
    (group,) = groups(load([path]), operational=False)
    assert [r for r in group["rules"] if "alert" in r] == []


def test_hundred_percent_objective_alerts_on_any_error(tmp_path: Path) -> None:
    require_binary("promtool")
    path = spec_file(
        tmp_path,
        """
        version: prometheus/v1
        service: svc
        slos:
          - name: perfect
            objective: 100
            description: "Everything {{ works"
            labels: {team: "{{ a }}"}
            sli: {events: {error_query: 'sum(rate(e[{{.window}}]))',
                           total_query: 'sum(rate(t[{{.window}}]))'}}
        """,
    )
    slos = load([path])
    write_files(tmp_path, {f"{RULES_DIR}/{n}": t for n, t in rule_files(slos).items()})
    folder = tmp_path / RULES_DIR
    checked = promtool("check", "rules", *sorted(str(p) for p in folder.glob("*.rules.yml")))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    test_file = folder / "slo-svc-perfect.test.yml"
    tests = yaml.safe_load(test_file.read_text())["tests"]
    outage = next(t for t in tests if "outage" in t["name"])
    fired = [e for a in outage["alert_rule_test"] for e in a["exp_alerts"]]
    assert {e["exp_labels"]["severity"] for e in fired} == {"page", "ticket"}
    assert fired[0]["exp_labels"]["team"] == "{{ a }}"
    assert fired[0]["exp_annotations"]["description"].startswith("Everything {{ works (100 %")
    assert "+Inf" in fired[0]["exp_annotations"]["description"]
    tested = promtool("test", "rules", str(test_file))
    assert tested.returncode == 0, tested.stdout + tested.stderr
