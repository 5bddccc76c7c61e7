"""Two-level rules: one real Prometheus scrapes two "clusters" told apart by a relabelled
``cluster`` label; the first level keeps them apart, the global level is the ratio of sums."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from qobserve.promapi import PrometheusAPI
from qobserve.rules import RuleOptions, rule_files
from qobserve.rules.aggregation import GLOBAL_RULES
from qobserve.servers import free_port, promtool, start_prometheus
from qobserve.slo import load
from tests.conftest import require_binary
from tests.slo.conftest import Write

pytestmark = pytest.mark.servers

SPEC = """
version: qobserve/v1
service: fleet
slos:
  - name: runs
    objective: 99
    group_by: [cluster]
    sli:
      kind: counter_ratio
      bad: quantum_experiments_total{outcome="error"}
      total: quantum_experiments_total
"""

#: A runner serving /metrics: runs per second argv[2], every argv[3]-th run fails; bounded.
RUNNER = """
import sys, threading, time, qobserve
telemetry = qobserve.configure(metrics_port=int(sys.argv[1]), store_path=None, tracing="none")
per_second, every = int(sys.argv[2]), int(sys.argv[3])

@qobserve.experiment("sweep")
def run(i):
    if i % every == 0:
        raise RuntimeError("failed run")

stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
i, deadline = 0, time.monotonic() + 180
while not stop.is_set() and time.monotonic() < deadline:
    for _ in range(per_second):
        i += 1
        try:
            run(i)
        except RuntimeError:
            pass
    stop.wait(1)
"""

SCRAPE = """
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["*.rules.yml"]
scrape_configs:
{jobs}
"""
JOB = """
  - job_name: runners-{cluster}
    static_configs: [{{targets: ["127.0.0.1:{port}"]}}]
    relabel_configs: [{{target_label: cluster, replacement: {cluster}}}]
"""


@pytest.fixture
def runners() -> Iterator[dict[str, int]]:
    """Two runner processes: east (40 runs/s, 1 in 10 fails), west (10/s, 1 in 2 fails)."""
    procs, ports = [], {}
    for cluster, per_second, every in (("east", 40, 10), ("west", 10, 2)):
        port = free_port()
        cmd = [sys.executable, "-c", RUNNER, str(port), str(per_second), str(every)]
        procs.append(subprocess.Popen(cmd, stdin=subprocess.PIPE, text=True))
        ports[cluster] = port
    try:
        yield ports
    finally:
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def test_global_rules_pass_promtool(write: Write, tmp_path: Path) -> None:
    require_binary("promtool")
    files = rule_files(load([write(SPEC)]), RuleOptions(global_aggregation="cluster"))
    path = tmp_path / "global.rules.yml"
    path.write_text(files[GLOBAL_RULES])
    result = promtool("check", "rules", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert GLOBAL_RULES not in rule_files(load([write(SPEC)]))


def test_clusters_stay_apart_and_the_global_sli_is_the_ratio_of_sums(
    write: Write, runners: dict[str, int]
) -> None:
    require_binary("prometheus")
    files = rule_files(load([write(SPEC)]), RuleOptions(global_aggregation="cluster"))
    rules = {"slo-runs.rules.yml": files["slo-runs.rules.yml"]}
    rules["global.rules.yml"] = files[GLOBAL_RULES]
    jobs = "".join(JOB.format(cluster=c, port=p) for c, p in runners.items())
    with start_prometheus(SCRAPE.format(jobs=jobs), rule_files=rules) as prom:
        api = PrometheusAPI(prom.url)
        per_cluster: dict[str, float] = {}
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and len(per_cluster) < 2:
            time.sleep(1)
            per_cluster = {
                r["metric"]["cluster"]: float(r["value"][1])
                for r in api.query('slo:sli_error:ratio_rate5m{slo="runs"}')
            }
        assert set(per_cluster) == {"east", "west"}, per_cluster
        # the per-cluster SLIs stay apart: about 1/10 and 1/2
        assert per_cluster["east"] < 0.2 < 0.35 < per_cluster["west"]
        series = []
        while time.monotonic() < deadline and not series:
            time.sleep(1)
            # the raw samples, with the times the global rule was evaluated at
            series = api.query('slo_global:sli_error:ratio_rate5m{slo="runs"}[10s]')
        assert len(series) == 1 and "cluster" not in series[0]["metric"]
        at, value = (float(x) for x in series[0]["values"][-1])
        # the exact ratio of summed bad and total rates, as the first level had them then
        sums = (
            'sum without (cluster) (slo:sli_bad:rate5m{slo="runs"}) / '
            'sum without (cluster) (slo:sli_total:rate5m{slo="runs"})'
        )
        assert api.scalar(sums, at) == pytest.approx(value, rel=1e-12)
        # not the average of the cluster ratios a naive global level would give
        assert value < sum(per_cluster.values()) / 2 - 0.05


def test_generate_writes_the_global_file_only_when_asked(tmp_path: Path, write: Write) -> None:
    spec = write(SPEC)
    base = [sys.executable, "-m", "qobserve", "generate", "--slo-dir", str(spec.parent)]
    out = tmp_path / "out"
    subprocess.run([*base, "--out", str(out)], check=True, capture_output=True, timeout=120)
    assert not (out / "alert_rules" / GLOBAL_RULES).exists()
    subprocess.run(
        [*base, "--out", str(out), "--global-aggregation"],
        check=True,
        capture_output=True,
        timeout=120,
    )
    text = (out / "alert_rules" / GLOBAL_RULES).read_text()
    assert "sum without (cluster) (slo:sli_total:rate5m" in text
    assert yaml.safe_load(text)["groups"][0]["name"] == "qobserve-slo-global"
    bad = subprocess.run(
        [*base, "--out", str(out), "--global-aggregation", "not-a-label"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert bad.returncode == 2 and "not a label name" in bad.stderr
    assert "Traceback" not in bad.stderr
