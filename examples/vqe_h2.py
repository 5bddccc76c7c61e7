"""A VQE for the H2 molecule, observed by qobserve with two lines of setup.

The experiment code is plain Qiskit: an ansatz, a pass manager, an Estimator in local testing
mode on FakeManilaV2 (a noisy emulation of a 5-qubit IBM device), a classical optimiser.
``QiskitInstrumentor().instrument()`` makes every transpilation and every Estimator job
traced and measured, and ``@qobserve.experiment`` groups them into runs. A final check
compares the optimised circuit's distribution on the emulator with an ideal simulation.

Runs offline in a few seconds::

    python examples/vqe_h2.py                     # events in .qobserve/events.db
    python examples/vqe_h2.py --iterations 10 --store /tmp/vqe.db --trace console
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings

import numpy as np
from prometheus_client import generate_latest
from qiskit.circuit.library import real_amplitudes
from qiskit.quantum_info import SparsePauliOp
from qiskit.transpiler import generate_preset_pass_manager
from qiskit_aer import AerSimulator
from qiskit_ibm_runtime import EstimatorV2, SamplerV2
from qiskit_ibm_runtime.fake_provider import FakeManilaV2
from scipy.optimize import minimize

import qobserve
from qobserve.instrument import QiskitInstrumentor

# H2 at 0.735 A, STO-3G, parity mapping with two qubits removed by symmetry (Hartree)
HAMILTONIAN = SparsePauliOp.from_list(
    [
        ("II", -1.052373245772859),
        ("IZ", 0.39793742484318045),
        ("ZI", -0.39793742484318045),
        ("ZZ", -0.01128010425623538),
        ("XX", 0.18093119978423156),
    ]
)
EXACT = float(np.linalg.eigvalsh(HAMILTONIAN.to_matrix()).min())
# EstimatorV2/SamplerV2 are deprecated since qiskit-ibm-runtime 0.50 yet still what most code
# runs; the executor-based Estimator and Sampler are instrumented the same way
warnings.filterwarnings("ignore", "The (Sampler|Estimator)V2 class is deprecated")


@qobserve.experiment("vqe-h2", validate=lambda energy: energy < EXACT + 0.1)
def vqe(backend: FakeManilaV2, iterations: int, precision: float) -> float:
    """Minimise <H> over a 2-qubit ansatz; each evaluation is one Estimator job."""
    ansatz = real_amplitudes(2, reps=1)
    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    isa_ansatz = pm.run(ansatz)
    isa_hamiltonian = HAMILTONIAN.apply_layout(isa_ansatz.layout)
    estimator = EstimatorV2(mode=backend)
    estimator.options.default_precision = precision
    estimator.options.simulator.seed_simulator = 7

    def energy(theta: np.ndarray) -> float:
        result = estimator.run([(isa_ansatz, isa_hamiltonian, theta)]).result()
        return float(result[0].data.evs)

    start = np.zeros(ansatz.num_parameters)
    best = minimize(energy, start, method="COBYLA", options={"maxiter": iterations})
    vqe.theta = best.x  # type: ignore[attr-defined]
    return float(best.fun)


@qobserve.experiment("vqe-h2-check")
def check(backend: FakeManilaV2, theta: np.ndarray) -> float:
    """Sample the optimised state on the emulator and on an ideal simulator; compare."""
    circuit = real_amplitudes(2, reps=1).assign_parameters(theta)
    circuit.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)
    noisy = SamplerV2(mode=backend).run([isa], shots=4000).result()
    ideal = SamplerV2(mode=AerSimulator()).run([isa], shots=4000).result()
    return float(qobserve.compare(noisy, ideal))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=25, help="optimiser iterations")
    parser.add_argument("--precision", type=float, default=0.02, help="Estimator precision")
    parser.add_argument("--store", default=".qobserve/events.db", help="event store path")
    parser.add_argument("--trace", default="none", choices=["none", "console", "otlp"])
    args = parser.parse_args(argv)

    telemetry = qobserve.configure(
        service_name="vqe-example", store_path=args.store, tracing=args.trace
    )
    QiskitInstrumentor().instrument()  # the one line that makes the Qiskit calls observable

    backend = FakeManilaV2()
    started = time.perf_counter()
    energy = vqe(backend, args.iterations, args.precision)
    fidelity = check(backend, vqe.theta)  # type: ignore[attr-defined]
    qobserve.flush()

    print(f"VQE energy {energy:.4f} Ha (exact {EXACT:.4f}), emulator vs ideal fidelity "
          f"{fidelity:.3f}, {time.perf_counter() - started:.1f} s")  # fmt: skip
    print(f"job events in {args.store}; metrics:")
    shown = ("quantum_jobs_total", "quantum_shots_total", "quantum_experiments_total",
             "quantum_result_checks_total")  # fmt: skip
    for line in generate_latest(telemetry.registry).decode().splitlines():
        if line.startswith(shown):
            print("  " + line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
