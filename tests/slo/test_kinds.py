"""The built-in SLI kinds measure what they claim, on series exposed by the real client.

Each test records job outcomes with prometheus_client, using the contract's metric specs, and
replays the exposed samples through promtool: the kind's bad/total ratio must equal the share
of bad events counted by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from qobserve import contract as C
from qobserve.rules.recording import recording_rules
from qobserve.rules.render import dump
from qobserve.slo import load
from qobserve.slo.model import SLO, sli_error_record
from tests.rules.promtool import close_to, run_tests
from tests.slo.conftest import Write

SPEC = """
version: qobserve/v1
slos:
  - name: under-test
    objective: 99
    sli: {sli}
"""


class Workload:
    """The contract's metrics in a fresh prometheus_client registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.metrics: dict[str, Any] = {}

    def get(self, spec: C.MetricSpec) -> Any:
        if spec.name not in self.metrics:
            kind = {"counter": Counter, "gauge": Gauge, "histogram": Histogram}[spec.type]
            extra = {"buckets": spec.buckets} if spec.type == "histogram" else {}
            self.metrics[spec.name] = kind(
                spec.base_name, spec.help, spec.labels, registry=self.registry, **extra
            )
        return self.metrics[spec.name]

    def series(self) -> list[dict[str, str]]:
        """Every exposed sample as a series that is 0 at t=0 and its value at t=1m."""
        out = []
        text = generate_latest(self.registry).decode()
        for family in text_string_to_metric_families(text):
            for s in family.samples:
                if s.name.endswith("_created"):
                    continue
                inner = ",".join(f'{k}="{v}"' for k, v in sorted(s.labels.items()))
                values = f"0 {s.value!r}" if family.type != "gauge" else f"{s.value!r}x1"
                out.append({"series": f"{s.name}{{{inner}}}", "values": values})
        return out


def check_ratio(tmp_path: Path, slo: SLO, work: Workload, expected: float) -> None:
    """The SLO's recorded error ratio over 5m at t=1m is ``expected``."""
    rules = dump({"groups": [{"name": "sli", "rules": recording_rules(slo)}]})
    run_tests(
        tmp_path,
        {"sli.rules.yml": rules},
        [
            {
                "interval": "1m",
                "input_series": work.series(),
                "promql_expr_test": [
                    {
                        "expr": close_to(f'{sli_error_record("5m")}{{slo="{slo.name}"}}', expected),
                        "eval_time": "1m",
                        "exp_samples": [{"labels": f'{{slo="{slo.name}"}}', "value": 1}],
                    }
                ],
            }
        ],
        name=tmp_path.name,
    )


def one(write: Write, sli: str) -> SLO:
    (slo,) = load([write(SPEC.format(sli=sli))])
    return slo


def jobs(work: Workload, backend_type: str, outcome: str, n: int, backend: str = "b1") -> None:
    error_type = "none" if outcome == "success" else "job_failed"
    work.get(C.JOBS_TOTAL).labels(backend, "p1", backend_type, "exp", outcome, error_type).inc(n)


def test_job_success(write: Write, tmp_path: Path) -> None:
    slo = one(
        write,
        '{kind: job_success, selectors: {backend_type: "qpu|emulator", '
        'outcome: "success|error|invalid"}}',
    )
    work = Workload()
    jobs(work, "qpu", "success", 7)
    jobs(work, "qpu", "error", 2)
    jobs(work, "emulator", "invalid", 1, backend="fake_manila")
    jobs(work, "qpu", "cancelled", 5)  # the user's decision: neither good nor bad
    jobs(work, "simulator", "error", 4)  # another SLO's business
    check_ratio(tmp_path, slo, work, 3 / 10)


@pytest.mark.parametrize(
    ("kind", "spec"), [("latency", C.JOB_DURATION), ("queue_wait", C.JOB_QUEUE)]
)
def test_histogram_threshold(write: Write, tmp_path: Path, kind: str, spec: C.MetricSpec) -> None:
    slo = one(write, f"{{kind: {kind}, threshold: 10m, selectors: {{backend_type: qpu}}}}")
    assert slo.sli.params["threshold_seconds"] == 600
    work = Workload()
    hist = work.get(spec)
    for seconds in (1, 599, 600, 601, 5000):  # 600 itself is within the threshold
        labels = ("b1", "p1", "qpu", "exp")[: len(spec.labels)]
        hist.labels(*labels).observe(seconds)
    hist.labels(*("b2", "p1", "simulator", "exp")[: len(spec.labels)]).observe(10_000)
    check_ratio(tmp_path, slo, work, 2 / 5)


def test_duplicates(write: Write, tmp_path: Path) -> None:
    slo = one(write, "{kind: duplicates, selectors: {experiment: vqe}}")
    work = Workload()
    work.get(C.JOBS_TOTAL).labels("b1", "p1", "qpu", "vqe", "success", "none").inc(19)
    work.get(C.JOBS_TOTAL).labels("b2", "p1", "qpu", "vqe", "error", "timeout").inc(1)
    work.get(C.JOBS_TOTAL).labels("b1", "p1", "qpu", "other", "success", "none").inc(50)
    work.get(C.JOB_DUPLICATES_TOTAL).labels("b1", "p1", "vqe").inc(2)
    work.get(C.JOB_DUPLICATES_TOTAL).labels("b1", "p1", "other").inc(9)
    check_ratio(tmp_path, slo, work, 2 / 20)


def test_divergence(write: Write, tmp_path: Path) -> None:
    slo = one(write, "{kind: divergence, fidelity_threshold: 0.85}")
    assert slo.sli.params["fidelity_threshold"] == 0.85
    work = Workload()
    checks = work.get(C.RESULT_CHECKS_TOTAL)
    checks.labels("b1", "qpu", "bell", "pass").inc(8)
    checks.labels("b2", "emulator", "ghz", "diverged").inc(2)
    check_ratio(tmp_path, slo, work, 2 / 10)


def test_coverage_counts_incomplete_jobs_out_of_all(write: Write, tmp_path: Path) -> None:
    slo = one(write, "{kind: coverage}")
    work = Workload()
    jobs(work, "qpu", "success", 9)
    work.get(C.TELEMETRY_INCOMPLETE_TOTAL).labels("process_killed").inc(1)
    check_ratio(tmp_path, slo, work, 1 / 10)


def test_coverage_without_any_incomplete_series_is_zero(write: Write, tmp_path: Path) -> None:
    slo = one(write, "{kind: coverage}")
    work = Workload()
    jobs(work, "qpu", "success", 9)
    work.get(C.TELEMETRY_INCOMPLETE_TOTAL)  # registered, never incremented: no sample
    check_ratio(tmp_path, slo, work, 0.0)


def test_availability_averages_backends(write: Write, tmp_path: Path) -> None:
    slo = one(write, "{kind: availability}")
    work = Workload()
    up = work.get(C.BACKEND_UP)
    for backend, value in (("b1", 1), ("b2", 0), ("b3", 1), ("b4", 1)):
        up.labels(backend).set(value)
    check_ratio(tmp_path, slo, work, 1 / 4)


def test_freshness(write: Write, tmp_path: Path) -> None:
    slo = one(write, "{kind: freshness, max_age: 24h}")
    work = Workload()
    stamp = work.get(C.BACKEND_CALIBRATION_TIMESTAMP)
    # promtool's clock starts at 0; the 5m slices are those at t=0 and t=1m
    stamp.labels("fresh").set(60 - 86399)  # 86399 s old at t=1m: still fresh
    stamp.labels("stale").set(-86401)  # over 24 h old in both slices
    check_ratio(tmp_path, slo, work, 1 / 2)


def test_counter_ratio_and_raw(write: Write, tmp_path: Path) -> None:
    ratio = one(
        write,
        "{kind: counter_ratio, bad: 'quantum_jobs_total{outcome=\"error\"}', "
        "total: quantum_jobs_total}",
    )
    work = Workload()
    jobs(work, "qpu", "success", 3)
    jobs(work, "qpu", "error", 1)
    check_ratio(tmp_path / "ratio", ratio, work, 1 / 4)
    raw = one(
        write,
        '{kind: raw, good: \'sum(rate(quantum_jobs_total{outcome="success"}'
        "[{{.window}}]))', total: 'sum(rate(quantum_jobs_total[{{.window}}]))'}",
    )
    check_ratio(tmp_path / "raw", raw, work, 1 / 4)
