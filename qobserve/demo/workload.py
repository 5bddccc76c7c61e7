"""The demo's real workload: experiments on fake backends and Aer, with injected faults, and
the same benchmarks on the other SDKs installed (Amazon Braket, Cirq, PennyLane).

Everything runs through the real instrumentation (``instrument_all()``), Qiskit in
qiskit-ibm-runtime's local testing mode. Faults are the SDK's own exception classes, raised
by a fault-injecting subclass of a fake backend where the real backend would raise them
(inside the job), so they travel the same path as a real failure. One too-wide circuit is a
real failure, not an injected one.

Example::

    steps = build_workload()
    for step in steps:
        step.run()
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import qobserve

# H2 at 0.735 Angstrom in the 2-qubit parity mapping (STO-3G): a standard small VQE target
_H2_TERMS = [
    ("II", -1.052373245772859),
    ("IZ", 0.39793742484318045),
    ("ZI", -0.39793742484318045),
    ("ZZ", -0.01128010425623538),
    ("XX", 0.18093119978423156),
]


@dataclass
class Step:
    """One unit of the workload: what it is (for the progress bar) and how to run it."""

    label: str
    run: Callable[[], Any]
    #: the error type this step is expected to record, "none" when it should succeed
    expect: str = "none"


def _fault_factories() -> dict[str, Callable[[str], BaseException]]:
    """The SDK's exceptions, built as the SDK raises them, one per injected error type."""
    import requests
    from qiskit_ibm_runtime.api.exceptions import RequestsApiError
    from qiskit_ibm_runtime.exceptions import (
        IBMBackendApiError,
        IBMNotAuthorizedError,
        RuntimeInvalidStateError,
        RuntimeJobFailureError,
        RuntimeJobTimeoutError,
    )

    def network(_: str) -> BaseException:
        try:
            raise requests.exceptions.ConnectionError("Connection aborted.")
        except requests.exceptions.ConnectionError as exc:
            try:
                raise RequestsApiError(f"{exc}") from exc
            except RequestsApiError as wrapped:
                failure: BaseException = wrapped
                return failure

    return {
        "auth": lambda _: IBMNotAuthorizedError(
            "401 Client Error: Unauthorized for url: https://quantum.cloud.ibm.com/api/v1/jobs"
        ),
        "rate_limited": lambda _: RequestsApiError("429 Client Error: Too Many Requests", 429),
        "quota_exceeded": lambda _: RequestsApiError(
            "403 Client Error: Forbidden. You have exceeded the usage limit of your instance", 403
        ),
        "backend_unavailable": lambda b: IBMBackendApiError(f"Backend {b} is not operational"),
        "timeout": lambda _: RuntimeJobTimeoutError("Timed out waiting for job to complete"),
        "job_failed": lambda _: RuntimeJobFailureError(
            "Unable to retrieve job result. Error code 1517; Internal error in the QPU"
        ),
        "cancelled": lambda _: RuntimeInvalidStateError(
            "Unable to retrieve result for job. Job was cancelled."
        ),
        "network": network,
        "internal": lambda _: RuntimeError("unexpected state in the job manager"),
    }


def _chaotic(backend_cls: type) -> Any:
    """An instance of ``backend_cls`` whose next runs raise the faults queued on it."""

    class Chaotic(backend_cls):  # type: ignore[misc]  # qiskit's classes are untyped (Any)
        # on the class: local testing mode runs a deep copy of the backend, which shares it
        pending: list[BaseException] = []

        def run(self, run_input: Any, **options: Any) -> Any:
            if self.pending:
                raise self.pending.pop(0)
            return super().run(run_input, **options)

    return Chaotic()


def build_workload(*, outage_jobs: int = 0, outage_pause: float = 0.0) -> list[Step]:  # noqa: C901 - the demo's steps in the order they run
    """The demo's steps: benchmarks, a VQE loop, a sweep, faults, duplicates, divergence, and
    a three-job outage of fake_lima; ``outage_jobs`` more submissions to a fake_manila that is
    down follow, ``outage_pause`` seconds apart (``--live`` spreads them over scrapes)."""
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter
    from qiskit.quantum_info import SparsePauliOp
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_aer import AerSimulator
    from qiskit_ibm_runtime import EstimatorV2, SamplerV2
    from qiskit_ibm_runtime.fake_provider import FakeLimaV2, FakeManilaV2

    from qobserve.instrument import compare, idempotency_key

    manila, lima, aer = _chaotic(FakeManilaV2), _chaotic(FakeLimaV2), AerSimulator()
    faults = _fault_factories()

    def isa(circuit: QuantumCircuit, backend: Any) -> QuantumCircuit:
        return generate_preset_pass_manager(optimization_level=1, backend=backend).run(circuit)

    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    ghz = QuantumCircuit(5)
    ghz.h(0)
    for q in range(4):
        ghz.cx(q, q + 1)
    ghz.measure_all()
    ideal = {"bell": {"00": 0.5, "11": 0.5}, "ghz": {"00000": 0.5, "11111": 0.5}}

    @qobserve.experiment("bell-benchmark", validate=lambda fidelity: fidelity >= 0.8)
    def bell_benchmark(backend: Any, key: str | None = None) -> float:
        with idempotency_key(key) if key else contextlib.nullcontext():
            result = SamplerV2(mode=backend).run([isa(bell, backend)], shots=1024).result()
        return compare(result, ideal["bell"])

    @qobserve.experiment("ghz-5", validate=lambda fidelity: fidelity >= 0.5)
    def ghz_benchmark(backend: Any) -> float:
        result = SamplerV2(mode=backend).run([isa(ghz, backend)], shots=2048).result()
        return compare(result, ideal["ghz"])

    # acceptance too strict for a noisy 5-qubit device: runs end "invalid", results returned
    @qobserve.experiment("ghz-5-strict", validate=lambda fidelity: fidelity >= 0.99)
    def ghz_strict(backend: Any) -> float:
        result = SamplerV2(mode=backend).run([isa(ghz, backend)], shots=2048).result()
        return compare(result, ideal["ghz"])

    theta = [Parameter("a"), Parameter("b")]
    ansatz = QuantumCircuit(2)
    ansatz.ry(theta[0], 0)
    ansatz.ry(theta[1], 1)
    ansatz.cx(0, 1)
    hamiltonian = SparsePauliOp.from_list(_H2_TERMS)

    @qobserve.experiment("vqe-h2", validate=lambda energy: energy < -1.0)
    def vqe(iterations: int = 4) -> float:
        # coordinate descent with a shrinking step: a small, honest optimisation loop
        estimator = EstimatorV2(mode=manila)
        circuit = isa(ansatz, manila)
        observable = hamiltonian.apply_layout(circuit.layout)
        params, step, energy = [0.0, 0.0], 1.0, 0.0
        for _ in range(iterations):
            trials = [params] + [
                [p + (step if i == k else 0.0) * s for i, p in enumerate(params)]
                for k in range(2)
                for s in (1, -1)
            ]
            values = estimator.run([(circuit, observable, trials)]).result()[0].data.evs
            best = int(values.argmin())
            params, energy = trials[best], float(values[best])
            step /= 2
        return energy

    sweep_angle = Parameter("theta")
    sweep = QuantumCircuit(1)
    sweep.rx(sweep_angle, 0)
    sweep.measure_all()

    @qobserve.experiment("param-sweep")
    def param_sweep(points: int = 6) -> list[float]:
        ones = []
        for i in range(points):
            bound = sweep.assign_parameters({sweep_angle: 3.14159 * i / (points - 1)})
            counts = aer.run(bound, shots=512).result().get_counts()
            ones.append(counts.get("1", 0) / 512)
        return ones

    @qobserve.experiment("ghz-7-wide")
    def too_wide() -> Any:
        wide = QuantumCircuit(7)
        wide.h(0)
        for q in range(6):
            wide.cx(q, q + 1)
        wide.measure_all()
        # a real failure: 7 qubits on a 5-qubit device
        return SamplerV2(mode=manila).run([wide]).result()

    def faulty(error_type: str, backend: Any, run: Callable[[], Any]) -> Step:
        def inject_then_run() -> Any:
            backend.pending.append(faults[error_type](backend.name))
            return run()

        return Step(f"fault: {error_type} on {backend.name}", inject_then_run, error_type)

    steps = [
        Step("bell-benchmark on fake_manila", lambda: bell_benchmark(manila)),
        Step("bell-benchmark on fake_lima", lambda: bell_benchmark(lima)),
        Step("ghz-5 on fake_lima", lambda: ghz_benchmark(lima)),
        Step("ghz-5 on aer_simulator", lambda: ghz_benchmark(aer)),
        Step("ghz-5 with a 0.99 fidelity acceptance on fake_lima", lambda: ghz_strict(lima)),
        Step("vqe-h2 on fake_manila (4 iterations)", vqe),
        Step("param-sweep on aer_simulator (6 points)", param_sweep),
        Step(
            "duplicate submission (same idempotency key)",
            lambda: [bell_benchmark(manila, "bell-nightly-2026-11-21") for _ in range(2)],
        ),
        Step("real failure: 7-qubit circuit on 5-qubit fake_manila", too_wide, "invalid_input"),
    ]
    for error_type in faults:
        if error_type != "backend_unavailable":
            steps.append(faulty(error_type, manila, lambda: bell_benchmark(manila)))
    # an outage: fake_lima stops answering for three submissions in a row
    steps += [faulty("backend_unavailable", lima, lambda: ghz_benchmark(lima)) for _ in range(3)]

    def down_then_pause() -> Any:
        try:
            return bell_benchmark(manila)
        finally:
            time.sleep(outage_pause)

    steps += other_sdk_steps()
    steps += [faulty("backend_unavailable", manila, down_then_pause) for _ in range(outage_jobs)]
    return steps


def other_sdk_steps() -> list[Step]:
    """The same Bell benchmark on Amazon Braket's ``LocalSimulator`` and on Cirq's
    ``Simulator``, and a PennyLane QNode (the H2 energy at one point): one step for each SDK
    that is installed, so the report and dashboards compare several providers."""
    from qobserve.instrument.sdks import installed_sdks

    sdks, steps = installed_sdks(), []
    if "braket" in sdks:

        @qobserve.experiment("bell-benchmark")
        def braket_bell() -> Any:
            from braket.circuits import Circuit
            from braket.devices import LocalSimulator

            task = LocalSimulator().run(Circuit().h(0).cnot(0, 1), shots=1024)
            return task.result().measurement_counts

        steps.append(Step("bell-benchmark on braket_sv (Amazon Braket LocalSimulator)",
                          braket_bell))  # fmt: skip
    if "cirq" in sdks:

        @qobserve.experiment("bell-benchmark")
        def cirq_bell() -> Any:
            import cirq

            a, b = cirq.LineQubit.range(2)
            circuit = cirq.Circuit(cirq.H(a), cirq.CNOT(a, b), cirq.measure(a, b, key="m"))
            return cirq.Simulator(seed=7).run(circuit, repetitions=1024).histogram(key="m")

        steps.append(Step("bell-benchmark on cirq_simulator (Cirq)", cirq_bell))
    if "pennylane" in sdks:

        @qobserve.experiment("vqe-h2")
        def pennylane_energy() -> float:
            import pennylane as qml

            observable = qml.Hamiltonian(
                [c for _, c in _H2_TERMS],
                [qml.pauli.string_to_pauli_word(p) for p, _ in _H2_TERMS],
            )

            @qml.qnode(qml.device("default.qubit", wires=2))  # type: ignore[untyped-decorator]  # PennyLane ships no hints
            def energy(a: float, b: float) -> Any:
                qml.RY(a, wires=0)
                qml.RY(b, wires=1)
                qml.CNOT(wires=[0, 1])
                return qml.expval(observable)

            return float(energy(0.2, -0.1))

        steps.append(Step("vqe-h2 energy on default.qubit (PennyLane QNode)", pennylane_energy))
    return steps
