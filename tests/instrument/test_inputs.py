"""Inputs: shots asked for, circuit shape and a fingerprint stable across processes."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np

from qobserve.instrument.adapter import Shape
from qobserve.instrument.inputs import Inputs

_ANSATZ = """
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from qiskit.quantum_info import SparsePauliOp
import numpy as np

def ansatz():
    a, b = Parameter("a"), Parameter("b")
    qc = QuantumCircuit(2)
    qc.ry(a, 0)
    qc.rz(b, 1)
    qc.cx(0, 1)
    return qc

def pubs(values=(0.1, 0.2)):
    return [(ansatz(), SparsePauliOp.from_list([("ZZ", 1.0), ("XI", 0.5)]), np.array(values))]
"""


def _namespace() -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(_ANSATZ, namespace)
    return namespace


def test_fingerprint_is_stable_across_objects_and_processes() -> None:
    ns = _namespace()
    first = Inputs.from_pubs("estimator", ns["pubs"]()).fingerprint("estimator", "fake_manila")
    # fresh Parameter objects carry fresh UUIDs: the fingerprint must not see them
    again = Inputs.from_pubs("estimator", ns["pubs"]()).fingerprint("estimator", "fake_manila")
    assert first == again
    child = subprocess.run(
        [sys.executable, "-c", _ANSATZ + "\nfrom qobserve.instrument.inputs import Inputs\n"
         "print(Inputs.from_pubs('estimator', pubs()).fingerprint('estimator', 'fake_manila'))"],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    assert child.stdout.strip() == first


def test_fingerprint_sees_what_matters() -> None:
    ns = _namespace()

    def key(pubs: Any, primitive: str = "estimator", backend: str = "fake_manila") -> str:
        return Inputs.from_pubs(primitive, pubs).fingerprint(primitive, backend)

    base = key(ns["pubs"]())
    assert key(ns["pubs"]((0.1, 0.3))) != base
    assert key(ns["pubs"](), backend="fake_kyiv") != base
    assert key(ns["pubs"](), primitive="sampler") != base
    observable = ns["pubs"]()[0][1]
    other = ns["ansatz"]()
    other.cx(1, 0)
    assert key([(other, observable)]) != key([(ns["ansatz"](), observable)])


def test_requested_shots_and_shape(bell: Any) -> None:
    from qiskit.primitives.containers.sampler_pub import SamplerPub

    pubs = [bell, (bell, None, 300), SamplerPub.coerce(bell, 50)]
    assert Inputs.from_pubs("sampler", pubs, shots=100).requested_shots() == 450
    assert Inputs.from_pubs("sampler", [bell], default_shots=4096).requested_shots() == 4096
    assert Inputs.from_pubs("sampler", [bell]).requested_shots() is None  # the service decides
    assert Inputs.from_pubs("estimator", [(bell, "ZZ")]).requested_shots() is None
    assert Inputs.from_circuits([bell, bell], 10).requested_shots() == 20
    shape = Inputs.from_circuits(bell, None).shape()
    assert (shape.num_qubits, shape.depth) == (bell.num_qubits, bell.depth())
    assert Inputs.from_pubs("sampler", []).shape() == Shape(0)


def test_arrays_hash_by_value() -> None:
    a = Inputs("circuits", [np.arange(4.0)]).fingerprint()
    assert a == Inputs("circuits", [np.arange(4.0)]).fingerprint()
    assert a != Inputs("circuits", [np.arange(4.0).reshape(2, 2)]).fingerprint()


def test_shape_matches_qiskit() -> None:
    """Depth, qubits acted on and two-qubit gates, from the fingerprint's own walk, are
    qiskit's, barriers and control flow included."""
    from qiskit import QuantumCircuit
    from qiskit.circuit.random import random_circuit

    flow = QuantumCircuit(3, 2)
    flow.h(0)
    flow.barrier()
    flow.cx(0, 1)
    flow.delay(100, 2)
    flow.measure([0, 1], [0, 1])
    with flow.if_test((flow.clbits[0], 1)):
        flow.x(2)
    circuits = [
        flow,
        *(random_circuit(5, 6, max_operands=3, measure=True, seed=s) for s in range(20)),
    ]
    for qc in circuits:
        shape = Inputs.from_circuits(qc, 10).shape()
        acted = {
            q for i in qc.data if i.operation.name not in ("barrier", "delay") for q in i.qubits
        }
        pairs = sum(1 for i in qc.data if len(i.qubits) == 2 and not i.clbits)
        assert (shape.depth, shape.num_qubits, shape.two_qubit_gates) == (
            qc.depth(),
            len(acted),
            pairs,
        )


def test_fingerprint_format_is_kept(bell: Any) -> None:
    """Automatic keys stored by earlier versions still match the same submission; a numpy
    float angle is the same angle as a Python float."""
    from qiskit import QuantumCircuit

    def rotated(angle: Any) -> str:
        qc = QuantumCircuit(1)
        qc.rx(angle, 0)
        return Inputs.from_circuits(qc, 10).fingerprint()

    assert rotated(np.float64(0.25)) == rotated(0.25)
    key = Inputs.from_circuits(bell, 100).fingerprint(
        "backend.run", "aer_simulator", {"shots": 100}
    )
    assert key == "c8f411babeac0988d3e826f10ff4162732f1d1ab3360e4994e73801dd9cb1408"
