"""Every Qiskit path is one job: run of any BackendV2 (also of providers imported after
instrument()), the reference primitives, and the backend primitives counted once."""

from __future__ import annotations

from typing import Any

import numpy as np

from qobserve.testing import Capture


def _jobs(cap: Capture) -> list[tuple[str, str, str, str, int | None]]:
    return [
        (e["backend"], e["backend_type"], e["primitive"], e["outcome"], e["shots"])
        for e in cap.job_events()
    ]


def test_basic_simulator_run(cap: Capture, bell: Any) -> None:
    from qiskit.providers.basic_provider import BasicSimulator

    assert BasicSimulator().run(bell, shots=64).result().success
    assert _jobs(cap) == [("basic_simulator", "simulator", "backend.run", "success", 64)]


def test_reference_sampler_sweep(cap: Capture) -> None:
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter
    from qiskit.primitives import StatevectorSampler

    theta = Parameter("theta")
    qc = QuantumCircuit(1)
    qc.rx(theta, 0)
    qc.measure_all()
    StatevectorSampler(seed=3).run([(qc, np.linspace(0, 1, 7))], shots=100).result()
    assert _jobs(cap) == [("statevector", "simulator", "sampler", "success", 700)]


def test_reference_estimator_reports_no_shots(cap: Capture) -> None:
    """Exact expectation values: the shots field stays empty rather than guessed."""
    from qiskit import QuantumCircuit
    from qiskit.primitives import StatevectorEstimator
    from qiskit.quantum_info import SparsePauliOp

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    StatevectorEstimator().run([(qc, SparsePauliOp("ZZ"))]).result()
    assert _jobs(cap) == [("statevector", "simulator", "estimator", "success", None)]


def test_backend_sampler_is_one_job(cap: Capture, bell: Any) -> None:
    """BackendSamplerV2 runs backend.run in its worker: that inner job is part of it."""
    from qiskit.primitives import BackendSamplerV2
    from qiskit.providers.basic_provider import BasicSimulator

    BackendSamplerV2(backend=BasicSimulator()).run([bell, bell], shots=50).result()
    assert _jobs(cap) == [("basic_simulator", "simulator", "sampler", "success", 100)]


def test_backend_estimator_is_one_job(cap: Capture) -> None:
    from qiskit import QuantumCircuit
    from qiskit.primitives import BackendEstimatorV2
    from qiskit.providers.basic_provider import BasicSimulator
    from qiskit.quantum_info import SparsePauliOp

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    result = BackendEstimatorV2(backend=BasicSimulator()).run([(qc, SparsePauliOp("ZZ"))]).result()
    shots = result[0].metadata["shots"]
    assert _jobs(cap) == [("basic_simulator", "simulator", "estimator", "success", shots)]


def test_a_backend_class_defined_after_instrument(cap: Capture, bell: Any) -> None:
    from qiskit.providers.basic_provider import BasicSimulator

    class MyLab(BasicSimulator):  # a provider's backend, created after instrument()
        def run(self, run_input: Any, **options: Any) -> Any:
            return super().run(run_input, **options)

    assert MyLab().run(bell, shots=8).result().success
    assert _jobs(cap) == [("basic_simulator", "simulator", "backend.run", "success", 8)]


def test_braket_local_backend(cap: Capture, bell: Any) -> None:
    """qiskit-braket-provider imported after instrument(): its BackendV2 is observed."""
    from qiskit_braket_provider import BraketLocalBackend

    backend = BraketLocalBackend()
    job = backend.run(bell, shots=30)
    assert sum(job.result().get_counts().values()) == 30
    [(name, _kind, primitive, outcome, shots)] = _jobs(cap)
    assert (name, primitive, outcome, shots) == (backend.name, "backend.run", "success", 30)
    # run by the Braket SDK's local simulator, as Braket's own LocalSimulator tasks are
    assert [e["provider"] for e in cap.job_events()] == ["braket"]
    assert cap.sample("quantum_jobs_in_flight", backend=backend.name, provider="braket") == 0
