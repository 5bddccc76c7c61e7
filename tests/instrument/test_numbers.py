"""True numbers: executed shots of parameter sweeps, the qubits a circuit acts on, and
duplicates decided at submission (retries counted apart)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from qobserve.instrument import idempotency_key
from qobserve.testing import Capture
from tests.instrument.conftest import wide

SWEPT = {
    "backend": "fake_manila",
    "provider": "fake",
    "backend_type": "emulator",
    "experiment": "__none__",
}


def _swept(fake_manila: Any, measure: bool) -> Any:
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter
    from qiskit.transpiler import generate_preset_pass_manager

    theta = Parameter("theta")
    qc = QuantumCircuit(2)
    qc.rx(theta, 0)
    qc.cx(0, 1)
    if measure:
        qc.measure_all()
    return generate_preset_pass_manager(backend=fake_manila, optimization_level=1).run(qc)


def test_sampler_sweep_counts_every_parameter_set(cap: Capture, fake_manila: Any) -> None:
    from qiskit_ibm_runtime import SamplerV2

    isa = _swept(fake_manila, measure=True)
    SamplerV2(mode=fake_manila).run([(isa, np.linspace(0, 1, 7))], shots=500).result()
    [event] = cap.job_events()
    assert event["shots"] == 7 * 500
    assert cap.sample("quantum_shots_total", **SWEPT) == 3500
    [span] = [s for s in cap.spans() if s.name == "job fake_manila"]
    assert span.attributes["quantum.shots"] == 3500


def test_estimator_sweep_counts_every_parameter_set(cap: Capture, fake_manila: Any) -> None:
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import EstimatorV2

    isa = _swept(fake_manila, measure=False)
    observable = SparsePauliOp("ZZ").apply_layout(isa.layout)
    result = EstimatorV2(mode=fake_manila).run([(isa, observable, np.linspace(0, 1, 5))]).result()
    per_set = result[0].metadata["shots"]  # what the SDK reports for one parameter set
    [event] = cap.job_events()
    assert event["shots"] == 5 * per_set
    assert cap.sample("quantum_shots_total", **SWEPT) == 5 * per_set


def test_qubits_are_those_the_circuit_acts_on(cap: Capture) -> None:
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.fake_provider import FakeSherbrooke

    device = FakeSherbrooke()
    ghz = QuantumCircuit(4)
    ghz.h(0)
    for q in range(3):
        ghz.cx(q, q + 1)
    ghz.measure_all()
    isa = generate_preset_pass_manager(backend=device, optimization_level=1).run(ghz)
    SamplerV2(mode=device).run([isa], shots=50).result()
    [event] = cap.job_events()
    assert (event["num_qubits"], event["two_qubit_gates"]) == (4, isa.num_nonlocal_gates())
    [span] = [s for s in cap.spans() if s.name.startswith("job ")]
    assert span.attributes["quantum.circuit.num_qubits"] == 4
    assert span.attributes["quantum.circuit.width"] == 127


def _flags(cap: Capture) -> list[tuple[str, int, int]]:
    return [(e["outcome"], e["duplicate"], e["retry"]) for e in cap.job_events()]


def test_resubmitting_a_cancelled_job_is_a_retry(
    cap: Capture, aer: Any, bell: Any, gate: Any
) -> None:
    with idempotency_key("nightly"):
        first = aer.run(bell, shots=10)
        first.cancel()
        gate.open()
        aer.run(bell, shots=10).result()
        aer.run(bell, shots=10).result()  # after a success: a duplicate
    assert _flags(cap) == [("cancelled", 0, 0), ("success", 0, 1), ("success", 1, 0)]
    labels = {"backend": "aer_simulator", "provider": "aer", "experiment": "__none__"}
    assert cap.sample("quantum_job_retries_total", **labels) == 1
    assert cap.sample("quantum_job_duplicates_total", **labels) == 1


def test_resubmitting_a_failed_job_is_a_retry(cap: Capture, aer: Any) -> None:
    """The same failing circuit twice (automatic key): the second is a retry, no duplicate."""
    for _ in range(2):
        assert aer.run(wide(40), shots=1, method="statevector").result().success is False
    assert _flags(cap) == [("error", 0, 0), ("error", 0, 1)]
    labels = {"backend": "aer_simulator", "provider": "aer", "experiment": "__none__"}
    assert cap.sample("quantum_job_retries_total", **labels) == 1
    assert cap.sample("quantum_job_duplicates_total", **labels) == 0


def test_duplicates_are_decided_at_submission(cap: Capture, aer: Any, bell: Any, gate: Any) -> None:
    """The later submission, cancelled, is the duplicate; the first is never flagged."""
    with idempotency_key("once"):
        first = aer.run(bell, shots=10)
        second = aer.run(bell, shots=10)  # while the first is in flight
        second.cancel()
        gate.open()
        first.result()
    events = {e["outcome"]: (e["duplicate"], e["retry"]) for e in cap.job_events()}
    assert events == {"cancelled": (1, 0), "success": (0, 0)}


@pytest.mark.parametrize("option", ["seed_simulator", "shots"])
def test_a_different_run_option_is_another_job(
    cap: Capture, aer: Any, bell: Any, option: str
) -> None:
    base = {"shots": 10, "seed_simulator": 1}
    aer.run(bell, **base).result()
    aer.run(bell, **{**base, option: 2 if option == "seed_simulator" else 20}).result()
    aer.run(bell, **base).result()  # the same as the first: a duplicate
    assert [d for _, d, _ in _flags(cap)] == [0, 0, 1]
