"""The retention guard against a real Prometheus, and the retention the deploy kit sets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from qobserve.generate import generated_files
from qobserve.promapi import PrometheusAPI
from qobserve.report.period import Window
from qobserve.report.sources.prometheus import report_from_prometheus
from qobserve.servers import start_prometheus
from qobserve.slo import load
from tests.conftest import CATALOG, require_binary

pytestmark = pytest.mark.servers

CONFIG = "global: {scrape_interval: 15s}\n"


def validate(url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qobserve", "validate", "--prometheus", url, str(CATALOG)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_default_retention_is_named_per_slo_by_validate_and_report() -> None:
    require_binary("prometheus")
    slos = load([CATALOG])
    with start_prometheus(CONFIG) as prom:
        result = validate(prom.url)
        week = Window.iso_week("2026-W47")
        notes = report_from_prometheus(prom.url, slos, week).notes
    assert result.returncode == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if "retention" in line]
    assert len(warned) == len(slos)
    assert (
        "qobserve validate: warning: SLO job-latency: its period 28d is longer than the 15d "
        f"Prometheus at {prom.url} keeps"
    ) in result.stderr
    assert "set the retention to at least 30d" in result.stderr
    assert [n for n in notes if "retention" in n] == [w.split("warning: ", 1)[1] for w in warned]


def test_the_deploy_kit_retention_silences_the_guard(tmp_path: Path) -> None:
    require_binary("prometheus")
    slos = load([CATALOG])
    defaults = generated_files(slos)["exporters/default/prometheus"]
    args = defaults.rsplit('ARGS="', 1)[1].split('"')[0]
    assert args == "--storage.tsdb.retention.time=30d"
    with start_prometheus(CONFIG, extra_args=[args]) as prom:
        assert PrometheusAPI(prom.url).flags()["storage.tsdb.retention.time"] == "30d"
        result = validate(prom.url)
    assert result.returncode == 0 and "retention" not in result.stderr


def test_an_unreachable_prometheus_is_exit_2() -> None:
    from qobserve.servers import free_port

    result = validate(f"http://user:pw-secret@127.0.0.1:{free_port()}")
    assert result.returncode == 2 and "--prometheus: cannot read its flags" in result.stderr
    assert "pw-secret" not in result.stderr and "Traceback" not in result.stderr
