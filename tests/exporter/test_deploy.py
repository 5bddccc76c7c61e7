"""The exporters/ deploy kit: checked in, reproducible, and valid for its consumers."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

import yaml

from qobserve.exporter.deploy import (
    APPS_JOB,
    EXPORTER_JOB,
    EXPORTER_PORT,
    deploy_files,
)
from qobserve.generate import RULE_GLOB
from qobserve.servers import promtool
from tests.conftest import ROOT, require_binary


def test_render_is_deterministic() -> None:
    # the checked-in copy is compared with a fresh generation in tests/test_generate.py
    assert deploy_files() == deploy_files()
    assert deploy_files(rule_files=[RULE_GLOB]) == deploy_files(rule_files=[RULE_GLOB])


def test_prometheus_config_passes_promtool(tmp_path: Path) -> None:
    require_binary("promtool")
    rules = tmp_path / "rules.yml"
    rules.write_text("groups: []\n")
    for kwargs in ({}, {"rule_files": ["rules.yml"], "alertmanager": None}):
        config = tmp_path / "prometheus.yml"
        config.write_text(deploy_files(**kwargs)["prometheus.yml"])  # type: ignore[arg-type]
        done = promtool("check", "config", str(config))
        assert done.returncode == 0, done.stdout + done.stderr
    # the checked-in config, with the checked-in rule files it loads
    done = promtool("check", "config", str(ROOT / "exporters" / "prometheus.yml"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rules found" in done.stdout


def test_prometheus_config_scrapes_exporter_and_apps() -> None:
    config = yaml.safe_load(deploy_files()["prometheus.yml"])
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert set(jobs) == {EXPORTER_JOB, APPS_JOB}
    exporter = jobs[EXPORTER_JOB]
    assert exporter["static_configs"][0]["targets"] == [f"127.0.0.1:{EXPORTER_PORT}"]
    # no exporter label collides with a target label: nothing to honor over Prometheus's own
    assert "honor_labels" not in exporter
    custom = yaml.safe_load(
        deploy_files(
            app_targets=["10.0.0.5:9465", "10.0.0.6:9465"], rule_files=["../alert_rules/slo.yml"]
        )["prometheus.yml"]
    )
    assert custom["rule_files"] == ["../alert_rules/slo.yml"]
    apps = next(j for j in custom["scrape_configs"] if j["job_name"] == APPS_JOB)
    assert apps["static_configs"][0]["targets"] == ["10.0.0.5:9465", "10.0.0.6:9465"]


def test_kubernetes_manifests_fit_together() -> None:
    docs = list(yaml.safe_load_all(deploy_files()["kubernetes/exporter.yaml"]))
    monitor = yaml.safe_load(deploy_files()["kubernetes/servicemonitor.yaml"])
    kinds = {d["kind"]: d for d in docs}
    assert set(kinds) == {"Deployment", "Service"}
    deployment, service = kinds["Deployment"], kinds["Service"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    selector = deployment["spec"]["selector"]["matchLabels"]
    assert selector.items() <= pod_labels.items()
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert (
        monitor["spec"]["selector"]["matchLabels"].items() <= service["metadata"]["labels"].items()
    )
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    port_names = {p["name"] for p in container["ports"]}
    assert service["spec"]["ports"][0]["targetPort"] in port_names
    assert monitor["spec"]["endpoints"][0]["port"] == service["spec"]["ports"][0]["name"]
    assert "honorLabels" not in monitor["spec"]["endpoints"][0]
    # the job label Prometheus Operator derives equals the plain config's job name
    assert service["metadata"]["labels"][monitor["spec"]["jobLabel"]] == EXPORTER_JOB
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    args = container["args"]
    assert args[0] == "exporter" and f"--listen=0.0.0.0:{EXPORTER_PORT}" in args
    assert all(
        e["valueFrom"]["secretKeyRef"]["optional"] for e in container["env"] if "valueFrom" in e
    )


def test_systemd_unit_runs_the_exporter_on_loopback() -> None:
    text = deploy_files()["systemd/qobserve-exporter.service"]
    unit = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#",))
    unit.read_string(text.replace("\\\n", " "))
    assert set(unit.sections()) == {"Unit", "Service", "Install"}
    service = unit["Service"]
    argv = shlex.split(service["ExecStart"])
    assert argv[1:3] == ["exporter", "--listen"]
    assert argv[3] == f"127.0.0.1:{EXPORTER_PORT}"
    assert service["KillSignal"] == "SIGTERM"
    assert service["DynamicUser"] == "yes"
    assert unit["Install"]["WantedBy"] == "multi-user.target"
