"""PennyLane device executions through the vendor-neutral core, on real devices."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import qobserve
from qobserve.testing import Capture, capture
from tests.conftest import require_module
from tests.instrument.conftest import instrumenting


@pytest.fixture
def pl_instrumented() -> Iterator[Any]:
    require_module("pennylane", "pennylane")
    from qobserve.instrument.pennylane_adapter import PennyLaneInstrumentor

    with instrumenting(PennyLaneInstrumentor()) as instrumentor:
        yield instrumentor


@pytest.fixture
def cap(pl_instrumented: Any) -> Iterator[Capture]:
    with capture() as captured:
        yield captured


def _qnode(device: Any, shots: int | None) -> Any:
    import pennylane as qml

    @qml.set_shots(shots)
    @qml.qnode(device, diff_method="parameter-shift")
    def circuit(x: Any) -> Any:
        qml.RX(x, wires=0)
        qml.CNOT(wires=[0, 1])
        qml.CNOT(wires=[1, 2])
        return qml.expval(qml.PauliZ(2))

    return circuit


def _jobs(cap: Capture, backend: str, backend_type: str, experiment: str = "__none__",
          outcome: str = "success", error_type: str = "none") -> float | None:  # fmt: skip
    return cap.sample(
        "quantum_jobs_total", backend=backend, provider="pennylane", backend_type=backend_type,
        experiment=experiment, outcome=outcome, error_type=error_type,
    )  # fmt: skip


def test_a_qnode_call_is_one_job(cap: Capture) -> None:
    import pennylane as qml

    circuit = _qnode(qml.device("default.qubit", wires=3), 200)

    @qobserve.experiment("vqe-step")
    def step() -> Any:
        return circuit(0.4)

    step()
    assert _jobs(cap, "default.qubit", "simulator", "vqe-step") == 1
    [event] = cap.job_events()
    assert (event["primitive"], event["shots"], event["num_circuits"]) == ("execute", 200, 1)
    assert (event["num_qubits"], event["depth"]) == (3, 3)
    [span] = [s for s in cap.spans() if s.name == "job default.qubit"]
    assert span.attributes["quantum.pennylane.analytic"] is False


def test_analytic_and_broadcast_shots(cap: Capture) -> None:
    import numpy as np
    import pennylane as qml

    dev = qml.device("default.qubit", wires=3)
    _qnode(dev, None)(0.4)  # analytic: no shots
    _qnode(dev, 100)(np.array([0.1, 0.2, 0.3, 0.4, 0.5]))  # broadcast over 5 parameter sets
    shots = [e["shots"] for e in cap.job_events()]
    assert shots == [None, 500]
    spans = [s for s in cap.spans() if s.name == "job default.qubit"]
    assert [s.attributes["quantum.pennylane.analytic"] for s in spans] == [True, False]


def test_parameter_shift_gradient_runs_are_counted_as_what_ran(cap: Capture) -> None:
    import pennylane as qml
    from pennylane import numpy as pnp

    circuit = _qnode(qml.device("default.qubit", wires=3), 100)
    qml.grad(circuit)(pnp.array(0.4, requires_grad=True))
    # the forward pass, then the two shifted tapes of the parameter-shift rule
    assert [(e["num_circuits"], e["shots"]) for e in cap.job_events()] == [(1, 100), (2, 200)]
    assert _jobs(cap, "default.qubit", "simulator") == 2


def test_mixed_state_device_is_an_emulator_and_lightning_a_simulator(cap: Capture) -> None:
    import pennylane as qml

    _qnode(qml.device("default.mixed", wires=3), 50)(0.2)
    require_module("pennylane_lightning", "pennylane")
    _qnode(qml.device("lightning.qubit", wires=3), 50)(0.2)
    assert _jobs(cap, "default.mixed", "emulator") == 1
    assert _jobs(cap, "lightning.qubit", "simulator") == 1


def test_results_and_errors_are_unchanged(pl_instrumented: Any) -> None:
    import pennylane as qml

    from qobserve.errors import classify

    dev = qml.device("default.qubit", wires=3)
    samples_without_shots = qml.tape.QuantumScript([qml.H(0)], [qml.sample(wires=0)])
    with capture() as cap:
        observed = _qnode(dev, None)(0.7)
        with pytest.raises(NotImplementedError) as err:
            dev.execute(samples_without_shots)
    pl_instrumented.uninstrument()
    bare = _qnode(dev, None)(0.7)
    with pytest.raises(NotImplementedError) as bare_err:
        dev.execute(samples_without_shots)
    pl_instrumented.instrument()
    assert observed == bare
    assert type(err.value) is type(bare_err.value) and err.value.args == bare_err.value.args
    kind = classify(err.value)
    assert _jobs(cap, "default.qubit", "simulator", outcome="error", error_type=kind) == 1
