"""The generated rules in a real Prometheus that scrapes the contract's metrics as
prometheus_client exposes them: every group loads and evaluates without error, and the SLIs
come out as the workload was built."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

from qobserve import contract as C
from qobserve.promapi import PrometheusAPI
from qobserve.rules import rule_files
from qobserve.servers import free_port, start_prometheus
from qobserve.slo.model import SLO, TimeSliceSLI
from tests.conftest import require_binary

CONFIG = """
global: {scrape_interval: 1s, evaluation_interval: 1s}
rule_files: ["{dir}/*.rules.yml"]
scrape_configs:
  - job_name: qobserve-exporter
    static_configs: [{targets: ["127.0.0.1:PORT"]}]
"""


class Workload:
    """Every second: 9 successful and 1 failed QPU job (one slow), one duplicate in 20 jobs,
    checks that diverge 1 time in 5, and two backends, one down."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry

        def make(spec: C.MetricSpec) -> Any:
            kind = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}[spec.type]
            extra = {"buckets": spec.buckets} if spec.type == "histogram" else {}
            return kind(spec.base_name, spec.help, spec.labels, registry=r, **extra)

        self.jobs, self.duration = make(C.JOBS_TOTAL), make(C.JOB_DURATION)
        self.queue, self.dups = make(C.JOB_QUEUE), make(C.JOB_DUPLICATES_TOTAL)
        self.checks, self.up = make(C.RESULT_CHECKS_TOTAL), make(C.BACKEND_UP)
        self.calibrated = make(C.BACKEND_CALIBRATION_TIMESTAMP)
        make(C.TELEMETRY_INCOMPLETE_TOTAL)  # registered, never incremented
        self.stop = threading.Event()

    def tick(self) -> None:
        self.jobs.labels("ibm_kyiv", "ibm", "qpu", "vqe", "success", "none").inc(9)
        self.jobs.labels("ibm_kyiv", "ibm", "qpu", "vqe", "error", "timeout").inc(1)
        for seconds in (10,) * 9 + (7200,):
            self.duration.labels("ibm_kyiv", "ibm", "qpu", "vqe").observe(seconds)
            self.queue.labels("ibm_kyiv", "ibm", "qpu").observe(seconds / 2)
        self.dups.labels("ibm_kyiv", "ibm", "vqe").inc(0.5)
        self.checks.labels("ibm_kyiv", "qpu", "vqe", "pass").inc(4)
        self.checks.labels("ibm_kyiv", "qpu", "vqe", "diverged").inc(1)
        self.up.labels("ibm_kyiv").set(1)
        self.up.labels("ibm_brisbane").set(0)
        self.calibrated.labels("ibm_kyiv").set(time.time() - 3600)
        self.calibrated.labels("ibm_brisbane").set(time.time() - 3 * 86400)

    def run(self) -> None:
        while not self.stop.wait(0.25):
            self.tick()


@pytest.fixture(scope="module")
def prometheus(catalog: list[SLO]) -> Iterator[PrometheusAPI]:
    require_binary("prometheus")
    work = Workload()
    work.tick()
    port = free_port()
    server, thread = start_http_server(port, addr="127.0.0.1", registry=work.registry)
    runner = threading.Thread(target=work.run, daemon=True)
    runner.start()
    # one-second slices, so that time-slice SLIs have data without waiting for a minute
    fast = [
        replace(s, sli=replace(s.sli, slice="1s")) if isinstance(s.sli, TimeSliceSLI) else s
        for s in catalog
    ]
    rules = {name: text for name, text in rule_files(fast).items() if name.endswith(".rules.yml")}
    try:
        with start_prometheus(CONFIG.replace("PORT", str(port)), rule_files=rules) as prom:
            api = PrometheusAPI(prom.url)
            _wait(lambda: api.scalar('slo:sli_error:ratio_rate5m{slo="job-success-qpu"}'))
            time.sleep(2)  # a few more evaluations of every group
            yield api
    finally:
        work.stop.set()
        server.shutdown()
        thread.join(5)


def _wait(ready: Any, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, "no SLI data in Prometheus"
        time.sleep(0.5)


def test_every_rule_evaluates_without_error(prometheus: PrometheusAPI, catalog: list[SLO]) -> None:
    groups = prometheus.rules()
    assert len(groups) == len(catalog) + 1
    bad = [
        (g["name"], r["name"], r.get("lastError"))
        for g in groups
        for r in g["rules"]
        if r["health"] != "ok"
    ]
    assert not bad


@pytest.mark.parametrize(
    ("slo", "expected"),
    [
        ("job-success-qpu", 1 / 10),
        ("job-latency", 1 / 10),  # the 2-hour job
        ("queue-wait", 1 / 10),  # it waited an hour
        ("duplicate-submissions", 0.5 / 10),
        ("result-divergence", 1 / 5),
        ("observability-coverage", 0.0),
    ],
)
def test_event_slis(prometheus: PrometheusAPI, slo: str, expected: float) -> None:
    value = prometheus.scalar(f'slo:sli_error:ratio_rate5m{{slo="{slo}"}}')
    assert value == pytest.approx(expected, abs=1e-9)
    assert prometheus.scalar(f'slo:sli_total:rate5m{{slo="{slo}"}}') > 0


def test_time_slice_slis_per_backend(prometheus: PrometheusAPI) -> None:
    def ratio(slo: str, backend: str) -> float | None:
        return prometheus.scalar(f'slo:sli_error:ratio_rate5m{{slo="{slo}",backend="{backend}"}}')

    assert ratio("backend-availability", "ibm_kyiv") == 0
    assert ratio("backend-availability", "ibm_brisbane") == 1
    assert ratio("calibration-freshness", "ibm_kyiv") == 0
    assert ratio("calibration-freshness", "ibm_brisbane") == 1


def test_metadata(prometheus: PrometheusAPI) -> None:
    sel = '{slo="job-success-qpu"}'
    assert prometheus.scalar(f"slo:objective:ratio{sel}") == 0.99
    assert prometheus.scalar(f"slo:error_budget:ratio{sel}") == 0.01
    assert prometheus.scalar(f"slo:time_period:days{sel}") == 28
    assert prometheus.scalar(f"slo:current_burn_rate:ratio{sel}") == pytest.approx(10)
    info = prometheus.query(f"slo:info{sel}")[0]["metric"]
    assert (info["objective"], info["sli_kind"], info["period"]) == ("99", "job_success", "28d")
