"""An instrumented Qiskit workload for the dashboard query test, run as its own process.

It configures qobserve with a metrics port and instruments Qiskit, prints the /metrics URL on
its first line, waits for a line on stdin (the test sends it once Prometheus scrapes the
process), runs ``--rounds`` rounds of experiments ``--pause`` seconds apart so that Prometheus
sees counters move, prints ``done`` and the number of runs, and then serves its metrics until
its stdin closes (at most ``--linger`` seconds).

Each round has what the dashboards show: sampler jobs on a noisy fake backend
(``emulator``) and on Aer (``simulator``), transpiled with the instrumented transpiler;
results checked against the ideal ones (GHZ-5 on the noisy backend diverges); a duplicate
submission; a job that fails (a circuit wider than the backend); a run whose result does not
validate and a run that raises. Beyond the experiment label cap (3) a fourth experiment is
folded into ``__other__``, and a push to a Pushgateway that is down counts an internal error.

    python tests/dashboards/workload.py --dir /tmp/x --rounds 4 --pause 1
"""

from __future__ import annotations

import argparse
import contextlib
import select
import sys
import time
from pathlib import Path
from typing import Any

import qobserve
from qobserve.instrument import QiskitInstrumentor, compare, idempotency_key
from qobserve.servers import free_port

SHOTS = 200
PRICES = """\
default: {per_shot: 0}
backends:
  fake_manila: {per_qpu_second: 1.60, per_shot: 0.00003}
"""


def circuits() -> tuple[Any, Any, Any]:
    """Bell (2 qubits), GHZ (5 qubits) and a 7-qubit circuit fake_manila cannot run."""
    from qiskit import QuantumCircuit

    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    ghz = QuantumCircuit(5)
    ghz.h(0)
    for q in range(4):
        ghz.cx(q, q + 1)
    wide = QuantumCircuit(7)
    wide.h(range(7))
    for c in (bell, ghz, wide):
        c.measure_all()
    return bell, ghz, wide


class Lab:
    """The backends, samplers and transpiled circuits of the workload."""

    def __init__(self) -> None:
        from qiskit.transpiler import generate_preset_pass_manager
        from qiskit_aer import AerSimulator
        from qiskit_ibm_runtime import SamplerV2
        from qiskit_ibm_runtime.fake_provider import FakeManilaV2

        self.noisy, self.ideal = FakeManilaV2(), AerSimulator()
        self.noisy_sampler, self.ideal_sampler = SamplerV2(self.noisy), SamplerV2(self.ideal)
        self.bell, self.ghz, self.wide = circuits()
        self.pm = generate_preset_pass_manager(optimization_level=1, backend=self.noisy)

    def run(self, sampler: Any, circuit: Any) -> Any:
        return sampler.run([self.pm.run(circuit)], shots=SHOTS).result()


def build(lab: Lab) -> list[Any]:
    """The round's experiments, decorated."""

    @qobserve.experiment("bell-state", validate=lambda f: f > 0.8)
    def bell_state(round_no: int) -> float:
        ideal = lab.run(lab.ideal_sampler, lab.bell)
        with idempotency_key(f"bell-{round_no}"):
            noisy = lab.run(lab.noisy_sampler, lab.bell)
        with idempotency_key(f"bell-{round_no}"):  # a retry of the same submission
            lab.run(lab.noisy_sampler, lab.bell)
        return compare(noisy, ideal)

    @qobserve.experiment("ghz-5", validate=lambda f: f > 0.95)
    def ghz(round_no: int) -> float:  # too noisy on the emulator: the run is invalid
        return compare(lab.run(lab.noisy_sampler, lab.ghz), lab.run(lab.ideal_sampler, lab.ghz))

    @qobserve.experiment("vqe-h2")
    def vqe(round_no: int) -> Any:
        return lab.noisy_sampler.run([lab.wide], shots=SHOTS).result()  # 7 qubits on 5: fails

    @qobserve.experiment("param-sweep")
    def sweep(round_no: int) -> Any:  # a fourth experiment name: over the cap of 3
        return lab.run(lab.ideal_sampler, lab.bell)

    return [bell_state, ghz, vqe, sweep]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True, type=Path)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--pause", type=float, default=1.0)
    parser.add_argument("--linger", type=float, default=120.0)
    args = parser.parse_args()
    prices = args.dir / "prices.yaml"
    prices.write_text(PRICES)
    telemetry = qobserve.configure(
        metrics_port=0, store_path=str(args.dir / "events.db"), tracing="memory",
        service_name="dashboard-test-workload", price_model=str(prices), max_label_values=3,
        push_gateway=f"http://127.0.0.1:{free_port()}",  # nobody listens: pushes fail
    )  # fmt: skip
    QiskitInstrumentor().instrument()
    lab = Lab()
    experiments = build(lab)
    print(telemetry.metrics_url, flush=True)
    sys.stdin.readline()
    for round_no in range(args.rounds):
        if round_no:
            time.sleep(args.pause)
        for run in experiments:
            with contextlib.suppress(Exception):
                run(round_no)
        qobserve.push()  # as a batch job would after each round
    qobserve.flush()
    print("done", args.rounds * len(experiments), flush=True)  # runs made
    # keep serving /metrics until the test closes our stdin (bounded)
    select.select([sys.stdin], [], [], args.linger)
    return 0


if __name__ == "__main__":
    sys.exit(main())
