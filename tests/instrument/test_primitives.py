"""Primitives of both families on real fake backends and Aer: exact metrics, spans, events."""

from __future__ import annotations

import time
from typing import Any

import pytest
from opentelemetry.trace import SpanKind, StatusCode

import qobserve
from qobserve.testing import Capture


def job_labels(backend: str, kind: str, experiment: str) -> dict[str, str]:
    provider = {"fake_manila": "fake", "aer_simulator": "aer"}[backend]
    return {"backend": backend, "provider": provider, "backend_type": kind,
            "experiment": experiment}  # fmt: skip


def span_tree(cap: Capture) -> dict[str, list[str]]:
    """Span name -> names of its children."""
    spans = cap.spans()
    by_id = {s.context.span_id: s for s in spans}
    tree: dict[str, list[str]] = {s.name: [] for s in spans}
    for s in spans:
        if s.parent is not None and s.parent.span_id in by_id:
            tree[by_id[s.parent.span_id].name].append(s.name)
    return {k: sorted(v) for k, v in tree.items()}


def one_span(cap: Capture, name: str) -> Any:
    found = [s for s in cap.spans() if s.name == name]
    assert len(found) == 1, [s.name for s in cap.spans()]
    return found[0]


def test_sampler_v2_on_fake_backend(cap: Capture, fake_manila: Any, isa_bell: Any) -> None:
    from qiskit_ibm_runtime import SamplerV2

    @qobserve.experiment("bell")
    def bell() -> Any:
        return SamplerV2(mode=fake_manila).run([isa_bell], shots=300)

    job = bell()
    result = job.result()
    assert result[0].data.meas.num_shots == 300

    labels = job_labels("fake_manila", "emulator", "bell")
    ok = {**labels, "outcome": "success", "error_type": "none"}
    assert cap.sample("quantum_jobs_total", **ok) == 1
    assert cap.sample("quantum_shots_total", **labels) == 300
    assert cap.sample("quantum_job_duration_seconds_count", **labels) == 1
    bt = {"backend": "fake_manila", "provider": "fake", "backend_type": "emulator"}
    assert cap.sample("quantum_job_queue_seconds_count", **bt) == 1
    assert cap.sample("quantum_job_execution_seconds_count", **bt) == 1
    assert cap.sample("quantum_jobs_in_flight", backend="fake_manila", provider="fake") == 0
    assert cap.sample("qobserve_internal_errors_total", component="instrument") is None

    assert span_tree(cap) == {
        "experiment bell": ["submit sampler fake_manila"],
        "submit sampler fake_manila": ["job fake_manila"],
        "job fake_manila": ["execute", "queue"],
        "queue": [],
        "execute": [],
    }
    span = one_span(cap, "job fake_manila")
    submit = one_span(cap, "submit sampler fake_manila")
    assert submit.kind == SpanKind.CLIENT
    assert submit.attributes["quantum.job.id"] == job.job_id()
    attrs = span.attributes
    assert attrs["quantum.backend.name"] == "fake_manila"
    assert attrs["quantum.backend.type"] == "emulator"
    assert attrs["quantum.primitive"] == "sampler"
    assert attrs["quantum.job.id"] == job.job_id()
    assert attrs["quantum.shots"] == 300
    assert attrs["quantum.circuit.num_qubits"] == 2  # the qubits the Bell pair acts on
    assert attrs["quantum.circuit.width"] == isa_bell.num_qubits == 5  # FakeManila's width
    assert attrs["quantum.circuit.two_qubit_gates"] == 1
    assert attrs["quantum.circuit.depth"] == isa_bell.depth()
    assert attrs["quantum.experiment.name"] == "bell"
    assert attrs["qobserve.timing.source"] == "local"
    assert span.status.status_code == StatusCode.UNSET

    [event] = cap.job_events()
    [run] = cap.experiment_runs()
    assert event["job_id"] == job.job_id()
    assert event["run_id"] == run["run_id"] == attrs["qobserve.run_id"]
    assert event["trace_id"] == format(span.context.trace_id, "032x") == run["trace_id"]
    assert (event["experiment"], event["backend"], event["backend_type"]) == (
        "bell", "fake_manila", "emulator",
    )  # fmt: skip
    assert (event["primitive"], event["outcome"], event["error_type"]) == (
        "sampler", "success", "none",
    )  # fmt: skip
    assert (event["shots"], event["num_circuits"], event["num_qubits"], event["depth"]) == (
        300, 1, 2, isa_bell.depth(),
    )  # fmt: skip
    assert (event["two_qubit_gates"], event["retry"], event["execution_mode"]) == (1, 0, "job")
    assert event["calibration_at"] == "2024-05-27T18:27:23.000Z"  # FakeManila's snapshot
    assert event["queue_seconds"] + event["execution_seconds"] == pytest.approx(
        event["duration_seconds"], abs=0.01
    )
    # the job span runs from submission to the outcome; its children split that time
    assert abs(span.start_time - submit.start_time) < 1e7  # both at submission (10 ms)
    queue, execute = one_span(cap, "queue"), one_span(cap, "execute")
    assert span.start_time <= queue.start_time <= queue.end_time <= execute.start_time
    assert execute.end_time <= span.end_time
    assert (span.end_time - span.start_time) / 1e9 == pytest.approx(
        event["duration_seconds"], abs=0.01
    )
    assert event["submitted_at"] <= event["started_at"] <= event["finished_at"]
    assert event["idempotency_key"].startswith("auto:") and event["duplicate"] == 0
    # the job instance is back to what the SDK made: no hooks left on it
    assert not {"result", "status", "cancel"} & set(vars(job))


def test_estimator_v2_on_aer_is_simulator(cap: Capture, aer: Any) -> None:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import EstimatorV2

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    result = EstimatorV2(mode=aer).run([(qc, SparsePauliOp("ZZ"))]).result()
    executed = result[0].metadata["shots"]

    labels = job_labels("aer_simulator", "simulator", "__none__")
    assert cap.sample("quantum_jobs_total", **labels, outcome="success", error_type="none") == 1
    assert cap.sample("quantum_shots_total", **labels) == executed
    [event] = cap.job_events()
    assert (event["primitive"], event["shots"], event["depth"]) == ("estimator", executed, 2)
    assert one_span(cap, "job aer_simulator").attributes["quantum.primitive"] == "estimator"


def test_executor_sampler_is_one_job(cap: Capture, fake_manila: Any, isa_bell: Any) -> None:
    """The executor-based Sampler calls Executor.run and, in its worker, Aer's primitives and
    backend.run: one user call is still one job."""
    from qiskit_ibm_runtime.executor_sampler import Sampler

    job = Sampler(mode=fake_manila).run([isa_bell, isa_bell], shots=64)
    result = job.result()
    assert [pub.data.meas.num_shots for pub in result] == [64, 64]

    labels = job_labels("fake_manila", "emulator", "__none__")
    assert cap.sample("quantum_jobs_total", **labels, outcome="success", error_type="none") == 1
    assert cap.sample("quantum_shots_total", **labels) == 128
    assert [s.name for s in cap.spans() if s.name.startswith("job ")] == ["job fake_manila"]
    [event] = cap.job_events()
    assert (event["primitive"], event["num_circuits"], event["shots"]) == ("sampler", 2, 128)


def test_executor_estimator_and_executor(cap: Capture, aer: Any) -> None:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import Executor, QuantumProgram
    from qiskit_ibm_runtime.executor_estimator import Estimator

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    Estimator(mode=aer).run([(qc, SparsePauliOp("ZZ"))]).result()
    measured = qc.copy()
    measured.measure_all()
    program = QuantumProgram(shots=20)
    program.append_circuit_item(measured)
    program.append_circuit_item(measured)
    Executor(mode=aer).run(program).result()

    events = {e["primitive"]: e for e in cap.job_events()}
    assert set(events) == {"estimator", "executor"}
    assert events["executor"]["shots"] == 40 and events["executor"]["num_circuits"] == 2
    labels = job_labels("aer_simulator", "simulator", "__none__")
    assert cap.sample("quantum_jobs_total", **labels, outcome="success", error_type="none") == 2


def test_status_polling_records_without_result(cap: Capture, aer: Any, bell: Any) -> None:
    from qiskit_ibm_runtime import SamplerV2

    job = SamplerV2(mode=aer).run([bell], shots=10)
    for _ in range(500):  # bounded: a 10-shot Aer job takes milliseconds
        if job.status().name == "DONE":
            break
        time.sleep(0.01)
    labels = job_labels("aer_simulator", "simulator", "__none__")
    # recorded by the time status() said DONE
    assert cap.sample("quantum_jobs_total", **labels, outcome="success", error_type="none") == 1
    job.result()
    assert cap.sample("quantum_jobs_total", **labels, outcome="success", error_type="none") == 1


def test_job_nobody_looks_at_is_recorded(cap: Capture, aer: Any, bell: Any) -> None:
    """A local job is recorded when it finishes, without result() or status()."""
    from qiskit_ibm_runtime import SamplerV2

    SamplerV2(mode=aer).run([bell], shots=10)
    labels = job_labels("aer_simulator", "simulator", "__none__")
    ok = {**labels, "outcome": "success", "error_type": "none"}
    for _ in range(500):
        if cap.sample("quantum_jobs_total", **ok) == 1:
            break
        time.sleep(0.01)
    assert cap.sample("quantum_jobs_total", **ok) == 1
    assert cap.sample("quantum_jobs_in_flight", backend="aer_simulator", provider="aer") == 0


def test_generator_of_pubs_is_passed_through(cap: Capture, aer: Any, bell: Any) -> None:
    from qiskit_ibm_runtime import SamplerV2

    result = SamplerV2(mode=aer).run((c for c in [bell, bell]), shots=5).result()
    assert len(result) == 2
    [event] = cap.job_events()
    assert (event["num_circuits"], event["shots"]) == (2, 10)


@pytest.fixture(scope="module")
def session_backend(ibm_api: Any) -> Any:
    """An IBMBackend served by the local API whose service opens real sessions and batches."""
    from tests.instrument.ibm_api import cloud_backend

    return cloud_backend(ibm_api, sessions=True)


@pytest.fixture(scope="module")
def estimate(fake_manila: Any, isa_bell: Any) -> tuple[Any, Any, str]:
    """(circuit, observable, a real Estimator result encoded as the IBM API returns it),
    made before the module's tests instrument anything."""
    import json

    from qiskit.quantum_info import SparsePauliOp
    from qiskit_ibm_runtime import EstimatorV2, RuntimeEncoder

    observable = SparsePauliOp("ZZ").apply_layout(isa_bell.layout)
    circuit = isa_bell.remove_final_measurements(inplace=False)
    result = EstimatorV2(mode=fake_manila).run([(circuit, observable)]).result()
    return circuit, observable, json.dumps(result, cls=RuntimeEncoder)


def test_session_and_batch_modes_and_result_changing_options(
    cap: Capture, ibm_api: Any, session_backend: Any, encoded_result: str, isa_bell: Any,
    estimate: tuple[Any, Any, str],
) -> None:  # fmt: skip
    """A Sampler in a Session (gate twirling, dynamical decoupling) and an Estimator in a
    Batch (resilience level 2, no measurement twirling), submitted through the real client to
    the local IBM API: mode, session / batch id and options on the job span and in the event."""
    from qiskit_ibm_runtime import Batch, EstimatorV2, SamplerV2, Session

    from tests.instrument.conftest import cloud_job

    unmeasured, observable, estimated = estimate
    with Session(backend=session_backend) as session:
        ibm_api.next_job = cloud_job(session_backend, encoded_result)
        sampler = SamplerV2(mode=session)
        sampler.options.twirling.enable_gates = True
        sampler.options.dynamical_decoupling.enable = True
        sampler.run([isa_bell], shots=100).result()
    with Batch(backend=session_backend) as batch:
        ibm_api.next_job = cloud_job(session_backend, estimated)
        estimator = EstimatorV2(mode=batch)
        estimator.options.resilience_level = 2
        estimator.options.twirling.enable_measure = False
        estimator.run([(unmeasured, observable)]).result()
    assert ibm_api.sessions[session.session_id]["mode"] == "dedicated"
    assert ibm_api.sessions[batch.session_id]["mode"] == "batch"

    columns = ("primitive", "execution_mode", "session_id", "resilience_level",
               "twirling_gates", "twirling_measure", "dynamical_decoupling")  # fmt: skip
    events = [tuple(e[c] for c in columns) for e in cap.job_events()]
    assert events == [
        ("sampler", "session", session.session_id, None, 1, None, 1),
        ("estimator", "batch", batch.session_id, 2, None, 0, None),
    ]
    spans = [s for s in cap.spans() if s.name.startswith("job ")]
    modes = [
        {
            k: v
            for k, v in s.attributes.items()
            if k.startswith(("quantum.options.", "quantum.execution."))
        }
        for s in spans
    ]
    assert modes == [
        {
            "quantum.execution.mode": "session",
            "quantum.execution.session_id": session.session_id,
            "quantum.options.twirling.gates": True,
            "quantum.options.dynamical_decoupling": True,
        },
        {
            "quantum.execution.mode": "batch",
            "quantum.execution.session_id": batch.session_id,
            "quantum.options.resilience_level": 2,
            "quantum.options.twirling.measure": False,
        },
    ]
