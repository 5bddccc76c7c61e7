"""Acceptance of the OTel metrics path: a process that records the contract's metrics only
through the OpenTelemetry API, exposed by ``opentelemetry-exporter-prometheus`` and scraped by
a real Prometheus with the generated rules, fires the same page alert as the prometheus_client
path in the same scenario, and its exposition passes ``promtool check metrics``."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qobserve.promapi import PrometheusAPI
from qobserve.rules import rule_files
from qobserve.servers import free_port, start_prometheus
from qobserve.slo.model import SLO
from tests.conftest import require_binary

ROOT = Path(__file__).resolve().parents[2]
CONFIG = """
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["{dir}/*.rules.yml"]
scrape_configs:
  - job_name: app
    static_configs: [{targets: ["127.0.0.1:PORT"]}]
"""
#: every 0.25 s, 9 successful and 1 failed job on an emulator: 10 % errors against a 99 %
#: objective is a 10x burn over every window, which pages (the fast-burn alert wants > 5.6x
#: over 6h and 30m); bounded: the workload stops by itself after four minutes
WORKLOAD = """
import sys, time
from prometheus_client import start_http_server
import qobserve
from qobserve.instrument.observation import JobObservation
from qobserve.instrument.recorder import Recorder

path, port = sys.argv[1], int(sys.argv[2])
if path == "otel":
    from opentelemetry import metrics
    from opentelemetry.exporter.prometheus import PrometheusMetricReader
    from opentelemetry.sdk.metrics import MeterProvider
    metrics.set_meter_provider(MeterProvider(metric_readers=[PrometheusMetricReader()]))
    tel = qobserve.configure(metrics="otel", store_path=None, tracing="none")
    start_http_server(port, "127.0.0.1")
else:
    tel = qobserve.configure(metrics_port=port, store_path=None, tracing="none")
print("ready", flush=True)
deadline = time.monotonic() + 240
while time.monotonic() < deadline:
    for outcome, error_type in [("success", "none")] * 9 + [("error", "timeout")]:
        Recorder(tel).metrics(JobObservation(
            backend="fake_manila", backend_type="emulator", primitive="sampler", experiment="vqe",
            outcome=outcome, error_type=error_type, duration_seconds=10.0, queue_seconds=5.0))
    time.sleep(0.25)
"""
PAGE = 'ALERTS{alertstate="firing", severity="page"}'


@pytest.fixture(scope="module")
def rules(catalog: list[SLO]) -> dict[str, str]:
    return {name: text for name, text in rule_files(catalog).items() if name.endswith(".rules.yml")}


@contextlib.contextmanager
def workload(path: str) -> Iterator[int]:
    """The workload in a child process (a fresh OTel SDK state), recording on ``path``; yields
    the port of its ``/metrics``."""
    port = free_port()
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(WORKLOAD), path, str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        yield port
    finally:
        child.kill()
        child.communicate(timeout=30)


def _pages(rules: dict[str, str], port: int) -> set[tuple[tuple[str, str], ...]]:
    """The job-success-qpu page alerts firing once Prometheus has seen the workload (waits up
    to 180 s: a loaded CI machine starts Prometheus and evaluates rules late)."""
    with start_prometheus(CONFIG.replace("PORT", str(port)), rule_files=rules) as prom:
        api = PrometheusAPI(prom.url)
        deadline = time.monotonic() + 180
        while True:
            firing = [a for a in api.query(PAGE) if a["metric"].get("slo") == "job-success-qpu"]
            if firing:
                break
            assert time.monotonic() < deadline, "no page alert fired"
            time.sleep(1)
        bad = [r["name"] for g in api.rules() for r in g["rules"] if r["health"] == "err"]
        assert not bad
    return {tuple(sorted(a["metric"].items())) for a in firing}


def _first_jobs(port: int) -> bytes:
    """The workload's exposition once it holds the job counter: the workload says ready
    before its first jobs, and a loaded machine can take seconds to record them."""
    deadline = time.monotonic() + 60
    while True:
        exposition: bytes = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics").read()
        if b"quantum_jobs_total{" in exposition:
            return exposition
        assert time.monotonic() < deadline, "no job counter in the exposition"
        time.sleep(0.5)


def test_otel_only_path_pages_as_the_prometheus_client_path(rules: dict[str, str]) -> None:
    require_binary("prometheus")
    promtool_binary = require_binary("promtool")
    pages = {}
    for path in ("prometheus", "otel"):
        with workload(path) as port:
            exposition = _first_jobs(port)
            check = subprocess.run(
                [promtool_binary, "check", "metrics"],
                input=exposition,
                capture_output=True,
                timeout=60,
                check=False,
            )
            assert check.returncode == 0, (path, check.stdout + check.stderr)
            pages[path] = _pages(rules, port)
    assert pages["otel"] == pages["prometheus"]
