"""The Alertmanager config: valid for amtool, routed and inhibited as documented, checked on a
real Alertmanager with a webhook receiver on loopback."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from collections.abc import Iterator

import pytest
import yaml

from qobserve.rules import ALERTMANAGER_FILE, AlertmanagerOptions, alertmanager_config
from qobserve.rules.options import TimeInterval
from qobserve.servers import WebhookReceiver, start_alertmanager
from qobserve.slo.model import SLO
from tests.conftest import ROOT, require_binary


def amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_binary("amtool"), *args], capture_output=True, text=True, timeout=60, check=False
    )


def test_amtool_accepts_the_checked_in_config() -> None:
    result = amtool("check-config", str(ROOT / ALERTMANAGER_FILE))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["severity=page", "slo=job-success-qpu"], "page"),
        (["severity=ticket", "slo=job-success-qpu"], "ticket"),
        (["alertname=QuantumBackendDown", "severity=ticket", "backend=ibm_kyiv"], "ticket"),
        (["alertname=SomethingElse"], "ticket"),
    ],
)
def test_routes(labels: list[str], receiver: str) -> None:
    result = amtool(
        "config",
        "routes",
        "test",
        f"--config.file={ROOT / ALERTMANAGER_FILE}",
        f"--verify.receivers={receiver}",
        *labels,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_structure(catalog: list[SLO]) -> None:
    config = yaml.safe_load(alertmanager_config(catalog))
    route = config["route"]
    assert route["group_by"] == ["alertname", "slo", "backend"]
    assert [r["mute_time_intervals"] for r in route["routes"]] == [["maintenance"]] * 3
    assert "matchers" not in route["routes"][-1]  # the catch-all route
    assert config["time_intervals"][0]["name"] == "maintenance"
    empty = yaml.safe_load(alertmanager_config(catalog, AlertmanagerOptions(maintenance=())))
    assert (
        empty["time_intervals"] == [] and empty["route"]["routes"][0]["mute_time_intervals"] == []
    )


@pytest.fixture
def running(catalog: list[SLO]) -> Iterator[tuple[str, WebhookReceiver]]:
    require_binary("alertmanager")
    with WebhookReceiver() as hook:
        options = AlertmanagerOptions(
            page_url=f"{hook.url}/page",
            ticket_url=f"{hook.url}/ticket",
            group_wait="1s",
            group_interval="1s",
            maintenance=(),
        )
        with start_alertmanager(alertmanager_config(catalog, options)) as am:
            yield am.url, hook


def post(url: str, alerts: list[dict[str, str]]) -> None:
    body = json.dumps([{"labels": a, "annotations": {"summary": "test"}} for a in alerts])
    req = urllib.request.Request(
        f"{url}/api/v2/alerts",
        data=body.encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status == 200


def suppressed(url: str, count: int, expected: list[str]) -> list[str]:
    """The suppressed alerts once Alertmanager knows ``count`` alerts and its inhibitor has
    caught up with the sources (it ingests them asynchronously), or after 20 s."""
    deadline = time.monotonic() + 20
    while True:
        with urllib.request.urlopen(f"{url}/api/v2/alerts", timeout=10) as resp:
            alerts = json.load(resp)
        found = sorted(_key(a["labels"]) for a in alerts if a["status"]["state"] == "suppressed")
        if (len(alerts) == count and found == sorted(expected)) or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def _key(labels: dict[str, str]) -> str:
    return " ".join(labels[k] for k in ("alertname", "slo", "backend", "severity") if k in labels)


BURN = "SLOErrorBudgetBurn"


def test_inhibition(running: tuple[str, WebhookReceiver]) -> None:
    url, _ = running
    post(
        url,
        [
            {"alertname": "QuantumBackendDown", "backend": "ibm_kyiv", "severity": "ticket"},
            # the down backend's own SLO and calibration alerts are silenced...
            {
                "alertname": BURN,
                "slo": "calibration-freshness",
                "backend": "ibm_kyiv",
                "severity": "ticket",
            },
            {
                "alertname": "QuantumBackendCalibrationStale",
                "backend": "ibm_kyiv",
                "severity": "ticket",
            },
            # ...not another backend's, and not its availability SLO (which measures the outage)
            {
                "alertname": BURN,
                "slo": "calibration-freshness",
                "backend": "ibm_brisbane",
                "severity": "ticket",
            },
            {
                "alertname": BURN,
                "slo": "backend-availability",
                "backend": "ibm_kyiv",
                "severity": "ticket",
            },
            # a page silences the same SLO's ticket
            {"alertname": BURN, "slo": "job-success-qpu", "severity": "page"},
            {"alertname": BURN, "slo": "job-success-qpu", "severity": "ticket"},
            {"alertname": BURN, "slo": "job-latency", "severity": "ticket"},
            # an exporter that is down silences the "no data" it causes for gauge SLOs
            {"alertname": "QObserveExporterDown", "job": "qobserve-exporter", "severity": "ticket"},
            {"alertname": "SLIMetricAbsent", "slo": "backend-availability", "severity": "ticket"},
            {"alertname": "SLIMetricAbsent", "slo": "job-latency", "severity": "ticket"},
        ],
    )
    expected = [
        f"{BURN} calibration-freshness ibm_kyiv ticket",
        "QuantumBackendCalibrationStale ibm_kyiv ticket",
        f"{BURN} job-success-qpu ticket",
        "SLIMetricAbsent backend-availability ticket",
    ]
    assert suppressed(url, 11, expected) == sorted(expected)
    time.sleep(1)  # and nothing else gets suppressed later
    assert suppressed(url, 11, expected) == sorted(expected)


def test_pages_and_tickets_reach_their_receivers(running: tuple[str, WebhookReceiver]) -> None:
    url, hook = running
    post(
        url,
        [
            {"alertname": BURN, "slo": "job-success-qpu", "severity": "page"},
            {"alertname": BURN, "slo": "queue-wait", "severity": "ticket"},
        ],
    )
    deadline = time.monotonic() + 30
    while len({path for path, _ in hook.received}) < 2:
        assert time.monotonic() < deadline, hook.received
        time.sleep(0.2)
    by_path = {path: body for path, body in hook.received}
    assert by_path["/page"]["commonLabels"] == {
        "alertname": BURN,
        "slo": "job-success-qpu",
        "severity": "page",
    }
    assert by_path["/ticket"]["commonLabels"]["slo"] == "queue-wait"
    assert by_path["/page"]["groupLabels"] == {"alertname": BURN, "slo": "job-success-qpu"}


ALWAYS = TimeInterval(weekdays=("sunday:saturday",), times=(("00:00", "24:00"),))


def test_maintenance_mutes_every_alert_including_the_default_route(catalog: list[SLO]) -> None:
    """Two live Alertmanagers get the same alerts, one in maintenance all the time: once the
    other has delivered every group, the muted one must have delivered none."""
    require_binary("alertmanager")
    alerts = [
        {"alertname": BURN, "slo": "job-success-qpu", "severity": "page"},
        {"alertname": BURN, "slo": "queue-wait", "severity": "ticket"},
        {"alertname": "SomethingElse", "team": "x"},  # no severity: the default route
        {"alertname": "Custom", "severity": "critical"},
    ]
    with WebhookReceiver() as muted_hook, WebhookReceiver() as open_hook:

        def options(hook: WebhookReceiver, maintenance: tuple[TimeInterval, ...]) -> str:
            return alertmanager_config(catalog, AlertmanagerOptions(
                page_url=f"{hook.url}/page", ticket_url=f"{hook.url}/ticket",
                group_wait="1s", group_interval="1s", maintenance=maintenance))  # fmt: skip

        with (
            start_alertmanager(options(muted_hook, (ALWAYS,))) as muted,
            start_alertmanager(options(open_hook, ())) as unmuted,
        ):
            post(muted.url, alerts)
            post(unmuted.url, alerts)
            deadline = time.monotonic() + 30
            while len(open_hook.received) < len(alerts):
                assert time.monotonic() < deadline, open_hook.received
                time.sleep(0.2)
            time.sleep(2)  # two more group intervals for the muted one
    names = {a["labels"]["alertname"] for _, body in open_hook.received for a in body["alerts"]}
    assert names == {a["alertname"] for a in alerts}
    assert muted_hook.received == []
