"""Both ``/metrics`` endpoints of the contract pass ``promtool check metrics`` without a lint:
an instrumented process after real jobs, and the exporter with every fake backend at per-qubit
detail, a provider reporting usage and the job counters of the process's event store."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from qobserve.exporter import serve
from qobserve.servers import promtool
from tests.conftest import require_binary
from tests.exporter.providers import Changing

pytestmark = pytest.mark.servers

WORKLOAD = Path(__file__).parent / "dashboards" / "workload.py"


def scrape(url: str) -> str:
    """The endpoint's Prometheus text exposition (what promtool lints)."""
    with urllib.request.urlopen(url, timeout=30) as response:
        body: bytes = response.read()
    return body.decode()


def assert_no_lint(exposition: str) -> None:
    result = promtool("check", "metrics", stdin=exposition)
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """One round of the dashboard workload (jobs that succeed, fail, diverge, duplicate, an
    experiment over the label cap, a failed push): its /metrics URL and its event store."""
    tmp = tmp_path_factory.mktemp("workload")
    with open(tmp / "workload.log", "w+") as log:
        proc = subprocess.Popen(
            [sys.executable, str(WORKLOAD), "--dir", str(tmp), "--rounds", "1", "--pause", "0"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        assert proc.stdin and proc.stdout
        try:
            url = proc.stdout.readline().strip()
            proc.stdin.write("go\n")
            proc.stdin.flush()
            assert proc.stdout.readline().startswith("done"), (tmp / "workload.log").read_text()
            yield url, tmp / "events.db"
        finally:
            proc.stdin.close()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def test_an_instrumented_process_passes_promtool_check_metrics(
    workload: tuple[str, Path],
) -> None:
    require_binary("promtool")
    exposition = scrape(workload[0])
    for name in (
        "quantum_jobs_total{",
        "quantum_result_fidelity_ratio_bucket{",
        "qobserve_label_overflow_total{",
        "qobserve_internal_errors_total{",
    ):
        assert f"\n{name}" in exposition, name
    assert_no_lint(exposition)


def test_the_exporter_passes_promtool_check_metrics(workload: tuple[str, Path]) -> None:
    require_binary("promtool")
    with serve(
        provider=["fake", Changing(["metered_qpu"])], per_qubit=True, events=str(workload[1])
    ) as exporter:
        exporter.poll_now()
        exposition = scrape(exporter.url + "/metrics")
    for name in (
        "quantum_backend_t1_seconds{",
        "quantum_qubit_t1_seconds{",
        "quantum_usage_consumed_seconds{",
        "quantum_jobs_total{",
        "qobserve_exporter_build_info{",
        "process_cpu_seconds_total",
    ):
        assert f"\n{name}" in exposition, name
    assert_no_lint(exposition)
