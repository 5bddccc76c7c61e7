"""Acceptance: Debian's Prometheus scrapes the exporter (every fake backend, a provider that
fails, one that hangs, one that cannot list its backends, one that reports usage) and an
instrumented experiment process, with the scrape config of the deploy kit."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import yaml

from qobserve import contract
from qobserve.collectors import create_provider, register_provider, unregister_provider
from qobserve.exporter import serve
from qobserve.exporter.deploy import APPS_JOB, EXPORTER_JOB, deploy_files
from qobserve.promapi import PrometheusAPI
from qobserve.servers import free_port, start_prometheus
from tests.conftest import require_binary

from .providers import Broken, Changing, Stuck

pytestmark = pytest.mark.servers

#: A process instrumented with the core API, serving its registry for Prometheus.
APP = """
import sys, qobserve
telemetry = qobserve.configure(metrics_port=int(sys.argv[1]), store_path=None, tracing="none")

@qobserve.experiment("exporter-it", validate=lambda result: result > 0)
def run(x):
    return x

for x in (1, 2, 0):
    run(x)
print(telemetry.metrics_url, flush=True)
sys.stdin.read()  # serve until the test closes stdin
"""


class Unreachable(Changing):
    """A provider whose backend listing fails."""

    name = "unreachable"

    def __init__(self) -> None:
        super().__init__(["never_listed"])
        self.fail_discovery = True


@pytest.fixture
def app_process() -> Iterator[str]:
    """An instrumented process; yields its host:port."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-c", APP, str(port)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        assert line.startswith("http://"), proc.stderr.read() if proc.stderr else ""
        yield f"127.0.0.1:{port}"
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture
def test_providers(stuck: Stuck) -> Iterator[None]:
    """The test providers, registered by name through the documented interface."""
    factories: dict[str, Callable[[], Any]] = {
        "broken": Broken,
        "stuck": lambda: stuck,
        "unreachable": Unreachable,
        "changing": lambda: Changing(["metered_qpu"]),
    }
    for name, factory in factories.items():
        register_provider(name, factory)
    yield
    for name in factories:
        unregister_provider(name)


def _wait(
    api: PrometheusAPI, expr: str, ok: Callable[[list[dict[str, Any]]], bool], timeout: float = 60.0
) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    result: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        result = api.query(expr)
        if ok(result):
            return result
        time.sleep(0.5)
    raise AssertionError(f"{expr} did not get there in {timeout}s: {result}")


def _by(result: list[dict[str, Any]], label: str) -> dict[str, float]:
    return {r["metric"].get(label, ""): float(r["value"][1]) for r in result}


def test_prometheus_scrapes_every_fake_backend_and_sees_collector_failures(
    test_providers: None, stuck: Stuck, app_process: str
) -> None:
    require_binary("prometheus")
    fake_refs = {r.name: r for r in create_provider("fake").backends()}
    providers = ["fake", "broken", "stuck", "unreachable", "changing"]
    with serve(
        provider=providers, interval=1.0, timeout=5.0, max_backoff=1.0, per_qubit=True
    ) as exporter:
        exporter.poll_now()  # the cold load of every fake backend happens before scraping
        config = deploy_files(
            exporter_target=exporter.url.removeprefix("http://"),
            app_targets=[app_process],
            alertmanager=None,
            # 10 s: the payload (every qubit of every fake backend) is over 1 MB, and under
            # coverage on a loaded 2-core machine the handler thread shares the GIL with
            # eight collector threads; what this test proves is that a scrape never waits
            # for a hanging provider (which hangs for the whole test), not a latency
            scrape_interval="10s",
            exporter_scrape_interval="10s",
            scrape_timeout="10s",
        )["prometheus.yml"]
        assert yaml.safe_load(config)["scrape_configs"][0]["job_name"] == EXPORTER_JOB
        with start_prometheus(config) as prom:
            api = PrometheusAPI(prom.url)
            exp = f'job="{EXPORTER_JOB}"'
            fakes = f'{exp},backend=~"fake_.*"'
            _wait(
                api,
                f"count(count by (backend) (quantum_qubit_t1_seconds{{{fakes}}}))",
                lambda r: bool(r) and float(r[0]["value"][1]) == len(fake_refs),
            )

            # Every exporter metric of the contract, for every fake backend.
            per_backend = [m for m in contract.EXPORTER_METRICS if "backend" in m.labels]
            # (waited for: on a loaded machine a poll may time out and be retried)
            for metric in per_backend:
                _wait(
                    api,
                    f"count by (backend) ({metric.name}{{{exp}}})",
                    lambda r: set(fake_refs) <= set(_by(r, "backend")),
                )
            qubits = _by(
                api.query(f'quantum_backend_qubits{{{exp},backend=~"fake_.*"}}'), "backend"
            )
            assert qubits == {n: float(r.num_qubits or 0) for n, r in fake_refs.items()}
            stats = _by(api.query(f"count by (stat) (quantum_backend_t1_seconds{{{exp}}})"), "stat")
            assert set(stats) == {"p10", "p50", "p90"}
            stamps = api.query(
                f'quantum_backend_calibration_timestamp_seconds{{{exp},backend="fake_kyiv"}}'
            )
            kyiv = create_provider("fake").calibration(fake_refs["fake_kyiv"])
            assert kyiv is not None
            assert float(stamps[0]["value"][1]) == pytest.approx(kyiv.timestamp)
            # Usage names the provider's account instance; `instance` stays the scrape target
            # (no honor_labels in the scrape config).
            for metric in (contract.USAGE_CONSUMED, contract.USAGE_LIMIT):
                (usage,) = api.query(f"{metric.name}{{{exp}}}")
                assert usage["metric"]["account_instance"] == "crn:test-instance"
                assert usage["metric"]["instance"] == exporter.url.split("//")[1]

            # Failing, hanging and unlistable providers are down; the fake ones are up.
            down = 'backend=~"broken_qpu_.*|stuck_qpu_1",collector=~"status|calibration"'
            result = _wait(api, f"qobserve_collector_up{{{exp},{down}}}", lambda r: len(r) == 6)
            assert {float(r["value"][1]) for r in result} == {0.0}
            discovery = _by(
                api.query(f'qobserve_collector_up{{{exp},collector="discovery"}}'), "backend"
            )
            assert discovery == {
                "fake": 1.0,
                "broken": 1.0,
                "stuck": 1.0,
                "unreachable": 0.0,
                "changing": 1.0,
            }
            fake_up = api.query(f'qobserve_collector_up{{{exp},backend=~"fake_.*"}}')
            assert len(fake_up) == 3 * len(fake_refs)
            assert {float(r["value"][1]) for r in fake_up} == {1.0}

            # ... and the rest keep updating while they stay down.
            last = f'qobserve_collector_last_success_timestamp_seconds{{{exp},collector="status"'
            oldest = api.scalar(f'min({last},backend=~"fake_.*"}})')
            errors = (
                f'qobserve_collector_errors_total{{{exp},collector="status",'
                f'backend="broken_qpu_1"}}'
            )
            errors_before = api.scalar(errors)
            assert oldest is not None and errors_before is not None
            _wait(api, f'min({last},backend=~"fake_.*"}}) > {oldest}', bool)
            _wait(api, f"{errors} > {errors_before}", bool)
            assert api.scalar(f"max(qobserve_collector_up{{{exp},{down}}})") == 0
            assert stuck.calls == 2, "the hanging calls were not repeated while they hang"

            # Scrapes never waited for the hanging provider: none timed out, and one made
            # while its calls still hang is answered without calling it again.
            assert api.scalar(f"min_over_time(up{{{exp}}}[1m])") == 1
            assert stuck.hanging == 2
            with urllib.request.urlopen(f"{exporter.url}/metrics", timeout=30) as response:
                assert b'backend="stuck_qpu_1"' in response.read()
            assert stuck.calls == 2 and stuck.hanging == 2

            # The instrumented process is scraped by the same config.
            apps = _wait(
                api,
                f'quantum_experiments_total{{job="{APPS_JOB}",experiment="exporter-it"}}',
                lambda r: len(r) == 2,
            )
            assert _by(apps, "outcome") == {"success": 2.0, "invalid": 1.0}
