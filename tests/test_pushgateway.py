"""Batch runs keep their counts at a real Pushgateway, as a real Prometheus scrapes it."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

from qobserve.promapi import PrometheusAPI
from qobserve.servers import Server, start_prometheus, start_pushgateway
from tests.conftest import require_binary

pytestmark = pytest.mark.servers

#: One batch run: a fresh process that runs experiment argv[3] and pushes at exit.
RUN = textwrap.dedent("""
    import sys, qobserve
    qobserve.configure(push_gateway=sys.argv[1], push_instance=sys.argv[2],
                       service_name="batch", store_path=None, tracing="none")
    qobserve.experiment(sys.argv[3])(lambda: None)()
""")

SCRAPE = """
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
scrape_configs:
  - job_name: pushgateway
    honor_labels: true
    static_configs: [{{targets: ["{target}"]}}]
"""


def run_batch(gateway: Server, runner: str, experiment: str = "sweep") -> None:
    subprocess.run(
        [sys.executable, "-c", RUN, gateway.url, runner, experiment],
        check=True,
        timeout=60,
    )


def group(gateway: Server, runner: str) -> dict[str, float]:
    """``{"<metric>{<labels>}": value}`` of the runner's group for the experiment metrics."""
    with urllib.request.urlopen(f"{gateway.url}/api/v1/metrics", timeout=5) as resp:
        body = json.load(resp)
    out: dict[str, float] = {}
    for g in body["data"]:
        if g["labels"] != {"job": "batch", "instance": runner}:
            continue
        for name, family in g.items():
            if not name.startswith("quantum_experiment"):
                continue
            for m in family["metrics"]:
                exp = m["labels"].get("experiment")
                out[f"{name}{{{exp}}}"] = float(m.get("value", m.get("count", "nan")))
    return out


def wait_for(api: PrometheusAPI, expr: str, want: float, timeout: float = 30) -> float:
    """Wait until Prometheus has scraped ``want`` for ``expr``; returns the evaluation time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = time.time()
        if api.scalar(expr, now) == want:
            return now
        time.sleep(0.3)
    pytest.fail(f"{expr} never reached {want}; last {api.scalar(expr)}")


def test_successive_runs_and_two_runners_add_up_in_prometheus(tmp_path: Path) -> None:
    require_binary("pushgateway")
    require_binary("prometheus")
    with start_pushgateway() as gateway:
        target = gateway.url.removeprefix("http://")
        with start_prometheus(SCRAPE.format(target=target)) as prom:
            api = PrometheusAPI(prom.url)
            series_a = 'quantum_experiments_total{job="batch",instance="runner-a"}'
            runner_a = f"sum({series_a})"
            first = 0.0
            for n in (1, 2, 3):
                run_batch(gateway, "runner-a")
                at = wait_for(api, runner_a, n)
                first = first or at
            end = time.time()
            # one series counting up from the first run: the increase after it is 2, none reset
            assert api.scalar(f"{runner_a} - sum({series_a} @ {first})", end) == 2
            window = f"{int(end - first) + 2}s"
            resets = f"sum(resets({series_a}[{window}]))"
            assert api.scalar(resets, end) == 0
            for _ in range(5):
                run_batch(gateway, "runner-b")
            wait_for(api, 'sum(quantum_experiments_total{instance="runner-b"})', 5)
            # two runners never overwrite each other: 3 + 5
            assert api.scalar('sum(quantum_experiments_total{job="batch"})') == 8
            assert api.scalar('sum(quantum_experiment_duration_seconds_count{job="batch"})') == 8


def test_series_a_run_did_not_touch_are_carried() -> None:
    require_binary("pushgateway")
    with start_pushgateway() as gateway:
        run_batch(gateway, "r", "calibrate")
        run_batch(gateway, "r", "sweep")
        run_batch(gateway, "r", "calibrate")
        values = group(gateway, "r")
    assert values["quantum_experiments_total{calibrate}"] == 2
    assert values["quantum_experiments_total{sweep}"] == 1
    assert values["quantum_experiment_duration_seconds{calibrate}"] == 2
