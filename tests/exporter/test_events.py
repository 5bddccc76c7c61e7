"""``exporter --events``: the job metrics computed from the event store, exact for a fleet,
monotonic across restarts, scraped by a real Prometheus."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import urllib.request

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from qobserve.exporter import serve
from qobserve.exporter.events import StoreCounts
from qobserve.promapi import PrometheusAPI
from qobserve.servers import start_prometheus
from qobserve.testing import capture
from tests.conftest import require_binary

SERVED = {
    "quantum_jobs_total", "quantum_job_duration_seconds", "quantum_job_queue_seconds",
    "quantum_job_execution_seconds", "quantum_shots_total", "quantum_qpu_seconds_total",
    "quantum_cost_usd_total", "quantum_job_duplicates_total", "quantum_job_retries_total",
}  # fmt: skip


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The served metrics' samples of an exposition, without ``_created``."""
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name.endswith("_created"):
                continue
            family_name = s.name
            for suffix in ("_bucket", "_count", "_sum"):
                family_name = family_name.removesuffix(suffix)
            if s.name in SERVED or family_name in SERVED:
                out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def scrape(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as resp:
        return str(resp.read().decode())


def test_store_counts_equal_the_in_process_metrics() -> None:
    """Real instrumented jobs on Aer (some failing, several experiments and shot counts):
    what the exporter computes from the store is what the process itself exposes."""
    from qiskit import QuantumCircuit
    from qiskit_aer import AerSimulator

    import qobserve
    from qobserve.instrument import QiskitInstrumentor

    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    wide = QuantumCircuit(40)
    wide.h(range(40))
    wide.measure_all()
    instrumentor = QiskitInstrumentor()
    instrumentor.instrument()
    try:
        with capture(tracing="none") as cap:
            aer = AerSimulator()
            for name, shots in (("vqe", 100), ("qaoa", 1000), ("vqe", 4000)):
                qobserve.experiment(name)(lambda s=shots: aer.run(bell, shots=s).result())()
            aer.run(bell, shots=10).result()
            aer.run(wide, shots=1, method="statevector").result()  # a failed job
            instrumentor.flush(10)
            assert cap.telemetry.flush()
            in_process = samples(generate_latest(cap.telemetry.registry).decode())
            assert cap.telemetry.store is not None
            with serve(provider=[], events=str(cap.telemetry.store.path)) as exporter:
                exporter.poll_now()
                served = samples(scrape(exporter.url))
    finally:
        instrumentor.uninstrument()
    assert served == in_process
    counted = {
        dict(k[1])["outcome"] for k, v in served.items() if k[0] == "quantum_jobs_total" and v
    }
    assert counted == {"success", "error"}
    # every outcome series exists at 0 from the first job, as in the process itself
    assert (
        "quantum_jobs_total",
        (
            ("backend", "aer_simulator"),
            ("backend_type", "simulator"),
            ("error_type", "cancelled"),
            ("experiment", "vqe"),
            ("outcome", "cancelled"),
            ("provider", "aer"),
        ),
    ) in served


def test_a_bad_store_is_refused_at_start(tmp_path: object) -> None:
    from qobserve.exceptions import InputError

    with pytest.raises(InputError, match="no event store here"):
        StoreCounts(f"{tmp_path}/missing.db").families()


RUNNER = textwrap.dedent("""
    import sys, time, qobserve
    from qobserve.events import JobEvent
    store = qobserve.configure(tracing="none").store
    for i in range(int(sys.argv[1])):
        store.add_job(JobEvent(job_id=f"{sys.argv[2]}-{i}", backend="fake_manila",
                                      backend_type="simulator", outcome="success",
                                      finished_at=time.time(), duration_seconds=1.0))
    assert store.flush(60)
""")

SCRAPE = """
global: {{scrape_interval: 1s}}
scrape_configs:
  - job_name: events
    static_configs: [{{targets: ["{target}"]}}]
"""


@pytest.mark.servers
def test_fleet_counts_survive_runner_and_exporter_restarts(postgresql_url: str) -> None:
    require_binary("prometheus")
    env = {**os.environ, "QOBSERVE_STORE_URL": postgresql_url}

    def batch(n: int, tag: str) -> None:
        subprocess.run([sys.executable, "-c", RUNNER, str(n), tag], env=env, check=True,
                       timeout=120)  # fmt: skip

    from qobserve.servers import free_port

    listen = f"127.0.0.1:{free_port()}"
    total = 'sum(quantum_jobs_total{job="events"})'
    with start_prometheus(SCRAPE.format(target=listen)) as prom:
        api = PrometheusAPI(prom.url)
        start = time.time()
        batch(5, "a")  # a runner that is gone before the exporter even starts
        for round_, (n, tag) in enumerate([(3, "b"), (4, "a2")]):
            with serve(listen, provider=[], events=postgresql_url, interval=0.5):
                _wait(api, total, 5 + 3 * round_)
                batch(n, tag)
                _wait(api, total, 8 if round_ == 0 else 12)
        end = time.time()
        window = f"{int(end - start) + 5}s"
        # one monotonic series through both exporter lifetimes: no counter reset
        assert api.scalar(f"sum(resets(quantum_jobs_total[{window}]))") == 0
        assert api.scalar('sum(quantum_job_duration_seconds_count{job="events"})') == 12


def _wait(api: PrometheusAPI, expr: str, want: float, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.scalar(expr) == want:
            return
        time.sleep(0.3)
    pytest.fail(f"{expr} never reached {want}; last {api.scalar(expr)}")


def test_budget_spend_and_limits_from_the_store(tmp_path: object) -> None:
    """``exporter --events STORE --budgets FILE``: each budget's spend in its current period,
    its limit and the end of the period, the figures the check before a submission reads."""
    from pathlib import Path

    from qobserve.budgets.loader import load_budgets
    from qobserve.events import JobEvent
    from qobserve.store import EventStore

    folder = Path(str(tmp_path))
    (folder / "budgets.yaml").write_text(
        "version: qobserve.budgets/v1\n"
        "budgets:\n"
        "  - {name: vqe, experiment: vqe, limit_usd: 50, period: month, action: deny}\n"
        "  - {name: qpu, backend: 'ibm_*', limit_qpu_seconds: 600, period: day, action: warn}\n"
    )
    store = EventStore(folder / "events.db", flush_interval=0.05)
    now = time.time()
    for i, (exp, backend, usd, qpu) in enumerate(
        [("vqe", "ibm_kyiv", 3.2, 2.0), ("vqe", "aer", 0.5, None), ("qaoa", "ibm_fez", 8.0, 5.0)]
    ):
        store.add_job(JobEvent(job_id=f"j{i}", experiment=exp, backend=backend,
                               outcome="success", finished_at=now - 5, cost_usd=usd,
                               qpu_seconds=qpu))  # fmt: skip
    assert store.flush(10)
    store.close()
    counts = StoreCounts(folder / "events.db", load_budgets(folder))
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in counts.families()
        if family.name.startswith("quantum_budget_")
        for s in family.samples
    }
    assert found[("quantum_budget_spent_usd", (("budget", "vqe"),))] == pytest.approx(3.7)
    assert found[("quantum_budget_limit_usd", (("action", "deny"), ("budget", "vqe")))] == 50
    assert found[("quantum_budget_spent_qpu_seconds", (("budget", "qpu"),))] == 7.0
    assert (
        found[("quantum_budget_limit_qpu_seconds", (("action", "warn"), ("budget", "qpu")))] == 600
    )
    end = found[
        ("quantum_budget_period_end_timestamp_seconds", (("action", "warn"), ("budget", "qpu")))
    ]
    assert now < end <= now + 86400


def test_budgets_need_the_event_store(tmp_path: object, capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    from qobserve.cli import main

    caps = Path(str(tmp_path)) / "budgets.yaml"
    caps.write_text(
        "version: qobserve.budgets/v1\n"
        "budgets: [{name: all, limit_usd: 5, period: day, action: warn}]\n"
    )
    assert main(["exporter", "--budgets", str(caps), "--listen", "127.0.0.1:0"]) == 2
    assert "--budgets: needs --events STORE" in capsys.readouterr().err
