"""Instrumentation overhead per job of the other SDKs, each on its local simulator.

Two jobs per SDK, the same circuit shape on each: ``n`` qubits, a Hadamard layer, then
``layers`` layers of RY rotations and a CNOT chain, measured (Braket ``LocalSimulator``
``braket_sv`` and ``cirq.Simulator``: 1000 shots) or the expectation of a 4-term observable
(a PennyLane QNode on ``default.qubit``, analytic):

- typical, 10 qubits x 10 layers: target < 1 % of the job;
- tiny, 4 qubits x 1 layer, for reference: a job of a few milliseconds, where the fixed cost
  of a job's telemetry (spans, metrics, event) is a few per cent.

As in ``bench_instrument``, what qobserve adds is measured exactly rather than as the
difference of two noisy job timings: a stub of the SDK's own class whose submit method returns
the real job's result at once runs the whole instrumented lifecycle (describe, submit span,
shape, fingerprint, job span, metrics, event), and the same stub's uninstrumented time is
subtracted; the figure is that time divided by the real job's (median, uninstrumented). An SDK
that is not installed is skipped.
"""

from __future__ import annotations

import importlib.util
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

from benchmarks.harness import Result, best_batch, telemetry

#: real jobs timed per SDK for the median
JOBS = 15
#: (qubits, layers, held to the target) of the two jobs
SIZES = ((10, 10, True), (4, 1, False))


def _share(
    name: str,
    target: bool,
    real: Callable[[], Any],
    plain: Callable[[], Any],
    instrumented: Callable[[], Any],
) -> Result:
    real()  # one-time set-up (imports, caches)
    times = []
    for _ in range(JOBS):
        start = time.perf_counter()
        real()
        times.append(time.perf_counter() - start)
    job = statistics.median(times)
    added = best_batch(instrumented, batches=100) - best_batch(plain, batches=100)
    share = added / job
    return Result(
        f"instrumentation per {name} job",
        share * 100,
        "%",
        "< 1" if target else "reference",
        share < 0.01 or not target,
        f"({added * 1e6:.0f} us of a {job * 1e3:.1f} ms job)",
    )


def _instrumented(cls: type, method: str, describe: Any) -> tuple[type, Any]:
    """A subclass of the stub ``cls`` whose ``method`` is wrapped as the instrumentor wraps
    the SDK's own, and the patcher that undoes it."""
    from qobserve.instrument.patching import Patcher
    from qobserve.instrument.submit import wrap_submit

    wrapped = type(f"Instrumented{cls.__name__}", (cls,), {})
    patcher = Patcher()
    patcher.patch(wrapped, method, wrap_submit(describe))
    return wrapped, patcher


def _angle(layer: int, qubit: int) -> float:
    return 0.1 * (qubit + 1) * (layer + 1)


def _braket(n: int, layers: int, target: bool) -> Result:
    from braket.circuits import Circuit
    from braket.devices import LocalSimulator

    from qobserve.instrument.braket_adapter import TARGETS

    circuit = Circuit()
    for q in range(n):
        circuit.h(q)
    for layer in range(layers):
        for q in range(n):
            circuit.ry(q, _angle(layer, q))
        for q in range(n - 1):
            circuit.cnot(q, q + 1)
    device = LocalSimulator()
    task = device.run(circuit, shots=1000)

    class Stub(LocalSimulator):  # type: ignore[misc]  # the SDK is untyped
        def run(self, *_args: Any, **_kwargs: Any) -> Any:
            return task

    describe = next(t[3] for t in TARGETS if t[1] == "LocalSimulator" and t[2] == "run")
    instrumented_cls, patcher = _instrumented(Stub, "run", describe)
    plain, instrumented = Stub(), instrumented_cls()
    try:
        return _share(
            f"Braket LocalSimulator ({n} qubits x {layers} layers, 1000 shots)",
            target,
            lambda: device.run(circuit, shots=1000).result(),
            lambda: plain.run(circuit, shots=1000),
            lambda: instrumented.run(circuit, shots=1000),
        )
    finally:
        patcher.restore()


def _pennylane(n: int, layers: int, target: bool) -> Result:
    import pennylane as qml
    from pennylane.devices import DefaultQubit

    from qobserve.instrument.pennylane_adapter import _describer

    observable = qml.Hamiltonian(
        [0.5, -0.3, 0.2, 0.1], [qml.Z(0) @ qml.Z(1), qml.X(1), qml.Z(2) @ qml.Z(3), qml.Y(3)]
    )

    def ansatz() -> None:
        for q in range(n):
            qml.Hadamard(wires=q)
        for layer in range(layers):
            for q in range(n):
                qml.RY(_angle(layer, q), wires=q)
            for q in range(n - 1):
                qml.CNOT(wires=[q, q + 1])

    device = qml.device("default.qubit", wires=n)

    @qml.qnode(device)  # type: ignore[untyped-decorator]  # PennyLane ships no hints
    def circuit() -> Any:
        ansatz()
        return qml.expval(observable)

    ops = qml.tape.make_qscript(ansatz)().operations
    tapes = (qml.tape.QuantumScript(ops, [qml.expval(observable)]),)
    results = device.execute(tapes)

    class Stub(DefaultQubit):  # type: ignore[misc]
        def execute(self, *_args: Any, **_kwargs: Any) -> Any:
            return results

    instrumented_cls, patcher = _instrumented(Stub, "execute", _describer("execute"))
    plain, instrumented = Stub(wires=n), instrumented_cls(wires=n)
    try:
        return _share(
            f"PennyLane QNode on default.qubit ({n} wires x {layers} layers, expval)",
            target,
            circuit,
            lambda: plain.execute(tapes),
            lambda: instrumented.execute(tapes),
        )
    finally:
        patcher.restore()


def _cirq(n: int, layers: int, target: bool) -> Result:
    import cirq

    from qobserve.instrument.cirq_adapter import _describer

    qubits = cirq.LineQubit.range(n)
    circuit = cirq.Circuit(cirq.H.on_each(*qubits))
    for layer in range(layers):
        circuit.append(cirq.ry(_angle(layer, i)).on(q) for i, q in enumerate(qubits))
        circuit.append(cirq.CNOT(a, b) for a, b in itertools.pairwise(qubits))
    circuit.append(cirq.measure(*qubits, key="m"))
    simulator = cirq.Simulator(seed=7)
    result = simulator.run(circuit, repetitions=1000)

    class Stub(cirq.Simulator):
        def run(self, *_args: Any, **_kwargs: Any) -> Any:
            return result

    instrumented_cls, patcher = _instrumented(Stub, "run", _describer("run"))
    plain, instrumented = Stub(), instrumented_cls()
    try:
        return _share(
            f"Cirq Simulator ({n} qubits x {layers} layers, 1000 repetitions)",
            target,
            lambda: simulator.run(circuit, repetitions=1000),
            lambda: plain.run(circuit, repetitions=1000),
            lambda: instrumented.run(circuit, repetitions=1000),
        )
    finally:
        patcher.restore()


def run() -> list[Result]:
    """Per-job overhead on each installed SDK's local simulator, a typical and a tiny job."""
    tel = telemetry()
    results = []
    for module, bench in (("braket.devices", _braket), ("pennylane", _pennylane), ("cirq", _cirq)):
        if importlib.util.find_spec(module) is not None:
            results += [bench(n, layers, target) for n, layers, target in SIZES]
    tel.shutdown()
    return results
