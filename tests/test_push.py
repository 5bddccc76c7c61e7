"""Batch jobs push their metrics to a real Pushgateway."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import qobserve
from qobserve.servers import free_port, start_pushgateway
from qobserve.testing import capture
from tests.conftest import require_binary


def scrape(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=5) as resp:
        return str(resp.read().decode())


def test_push_sends_the_experiment_metrics() -> None:
    require_binary("pushgateway")
    with start_pushgateway() as gateway, capture(push_gateway=gateway.url) as cap:
        qobserve.experiment("nightly-calibration-check")(lambda: None)()
        assert qobserve.push(job="nightly", grouping_key={"instance": "runner-1"})
        body = scrape(gateway.url)
        assert cap.sample("qobserve_internal_errors_total", component="push") is None
    line = next(x for x in body.splitlines() if x.startswith("quantum_experiments_total{"))
    assert 'experiment="nightly-calibration-check"' in line and 'job="nightly"' in line
    assert 'instance="runner-1"' in line and line.endswith(" 1")
    # its own registry: no process or GC collectors of the batch job are pushed
    assert 'python_gc_objects_collected_total{instance="runner-1"' not in body


def test_metrics_are_pushed_at_exit(tmp_path: Path) -> None:
    require_binary("pushgateway")
    with start_pushgateway() as gateway:
        code = textwrap.dedent(f"""
            import qobserve
            qobserve.configure(push_gateway="{gateway.url}", service_name="batch-job",
                               store_path=None, tracing="none")
            qobserve.experiment("sweep")(lambda: None)()
        """)
        subprocess.run([sys.executable, "-c", code], check=True, timeout=60, cwd=tmp_path)
        body = scrape(gateway.url)
    assert any(
        x.startswith("quantum_experiments_total{")
        and 'job="batch-job"' in x
        and 'experiment="sweep"' in x
        for x in body.splitlines()
    )


def test_unreachable_gateway_is_counted_not_raised() -> None:
    with capture(push_gateway=f"http://127.0.0.1:{free_port()}") as cap:
        assert qobserve.push() is False
        assert cap.sample("qobserve_internal_errors_total", component="push") == 1
