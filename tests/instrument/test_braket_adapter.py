"""Amazon Braket tasks through the vendor-neutral core: real LocalSimulator runs, and
``AwsDevice`` tasks through the SDK's own client against the loopback Braket/S3 stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qobserve
from qobserve.testing import Capture, capture
from tests.braket_api import (
    IONQ_ARN,
    PRICE_MODEL,
    SV1_ARN,
    FakeBraketAPI,
)


@pytest.fixture
def cap(braket: Any, tmp_path: Path) -> Iterator[Capture]:
    prices = tmp_path / "prices.yaml"
    prices.write_text(PRICE_MODEL)
    with capture(price_model=str(prices)) as captured:
        yield captured


def _bell() -> Any:
    from braket.circuits import Circuit

    return Circuit().h(0).cnot(0, 1)


def _jobs(cap: Capture, backend: str, backend_type: str, experiment: str, outcome: str,
          error_type: str) -> float | None:  # fmt: skip
    # local simulators are run by the SDK ("braket"), devices by Amazon Braket ("aws")
    provider = "braket" if backend.startswith("braket_") else "aws"
    return cap.sample(
        "quantum_jobs_total", backend=backend, provider=provider, backend_type=backend_type,
        experiment=experiment, outcome=outcome, error_type=error_type,
    )  # fmt: skip


def test_local_simulator_task_is_one_job(cap: Capture) -> None:
    from braket.devices import LocalSimulator

    @qobserve.experiment("bell")
    def run() -> Any:
        return LocalSimulator().run(_bell().cnot(1, 2), shots=100)

    task = run()
    assert sum(task.result().measurement_counts.values()) == 100
    assert _jobs(cap, "braket_sv", "simulator", "bell", "success", "none") == 1
    assert (
        cap.sample(
            "quantum_shots_total",
            backend="braket_sv",
            provider="braket",
            backend_type="simulator",
            experiment="bell",
        )
        == 100
    )
    [event] = cap.job_events()
    assert (event["job_id"], event["primitive"], event["shots"]) == (task.id, "run", 100)
    assert (event["num_circuits"], event["num_qubits"], event["depth"]) == (1, 3, 3)
    [job_span] = [s for s in cap.spans() if s.name == "job braket_sv"]
    assert job_span.attributes["quantum.job.id"] == task.id
    [submit_span] = [s for s in cap.spans() if s.name.startswith("submit ")]
    assert "server.address" not in submit_span.attributes  # it ran in this process


def test_results_are_unchanged_by_instrumentation(braket: Any) -> None:
    from braket.circuits import Circuit
    from braket.devices import LocalSimulator

    circuit = Circuit().h(0).rx(1, 0.3).cnot(0, 1).probability()
    with capture():
        observed = LocalSimulator().run(circuit, shots=0).result().values[0]
    braket.uninstrument()
    bare = LocalSimulator().run(circuit, shots=0).result().values[0]
    braket.instrument()
    assert list(observed) == list(bare)


def test_batch_and_noise(cap: Capture) -> None:
    from braket.devices import LocalSimulator

    batch = LocalSimulator().run_batch([_bell(), _bell()], shots=50)
    assert len(batch.results()) == 2
    assert _jobs(cap, "braket_sv", "simulator", "__none__", "success", "none") == 1
    noisy = _bell().depolarizing(0, 0.1)
    LocalSimulator("braket_dm").run(noisy, shots=20).result()
    assert _jobs(cap, "braket_dm", "emulator", "__none__", "success", "none") == 1
    events = cap.job_events()
    assert [(e["primitive"], e["num_circuits"], e["shots"]) for e in events] == [
        ("run_batch", 2, 100),
        ("run", 1, 20),
    ]


def test_invalid_circuit_is_invalid_input(cap: Capture) -> None:
    from braket.circuits import Circuit
    from braket.devices import LocalSimulator

    with pytest.raises(ValueError):
        LocalSimulator().run(Circuit(), shots=10)  # no instructions: the SDK refuses it
    assert _jobs(cap, "braket_sv", "simulator", "__none__", "error", "invalid_input") == 1


def test_aws_task_outcome_timing_and_cost_match_braket_tracker(
    braket_devices: FakeBraketAPI, cap: Capture
) -> None:
    from braket.aws import AwsDevice
    from braket.tracking import Tracker

    braket_devices.next_task = {"states": ["QUEUED", "RUNNING", "COMPLETED"]}
    device = AwsDevice(IONQ_ARN)
    with Tracker() as tracker:
        task = device.run(_bell(), shots=100, poll_interval_seconds=0.01)
        assert sum(task.result().measurement_counts.values()) == 100
    assert qobserve.flush()
    assert _jobs(cap, "ionq_forte_1", "qpu", "__none__", "success", "none") == 1
    [event] = cap.job_events()
    assert event["job_id"] == task.id
    assert event["shots"] == 100
    assert event["cost_usd"] == pytest.approx(float(tracker.qpu_tasks_cost()))
    assert event["cost_usd"] == pytest.approx(0.30 + 100 * 0.08)
    # Braket's API says when a task was created and ended, not when it started running: the
    # result() polls saw QUEUED -> RUNNING -> COMPLETED, and split queue and execution there
    assert event["queue_seconds"] >= 0 and event["execution_seconds"] >= 0
    [job] = [s for s in cap.spans() if s.name == "job ionq_forte_1"]
    children = {
        s.name: s for s in cap.spans() if s.parent and s.parent.span_id == job.context.span_id
    }
    assert set(children) == {"queue", "execute"}
    assert {s.attributes["qobserve.timing.source"] for s in children.values()} == {"local"}
    assert children["queue"].end_time == children["execute"].start_time
    assert [e.attributes["quantum.job.queue_position"] for e in job.events
            if e.name == "queue position"] == [1]  # fmt: skip
    # the CLIENT span names the Braket endpoint botocore sent the task to
    [submit_span] = [s for s in cap.spans() if s.name == "submit run ionq_forte_1"]
    host, port = braket_devices.url.removeprefix("http://").split(":")
    assert (submit_span.attributes["server.address"], submit_span.attributes["server.port"]) == (
        host, int(port)
    )  # fmt: skip


def test_task_never_seen_running_has_no_queue_split(
    braket_devices: FakeBraketAPI, cap: Capture
) -> None:
    from braket.aws import AwsDevice

    braket_devices.next_task = {"states": ["QUEUED", "COMPLETED"], "queue_position": "7"}
    task = AwsDevice(IONQ_ARN).run(_bell(), shots=10, poll_interval_seconds=0.01)
    assert task.state() == "QUEUED"
    assert task.result() is not None
    assert qobserve.flush()
    [event] = cap.job_events()
    assert event["queue_seconds"] is None and event["execution_seconds"] is None
    [job] = [s for s in cap.spans() if s.name == "job ionq_forte_1"]
    assert [e.attributes["quantum.job.queue_position"] for e in job.events
            if e.name == "queue position"] == [7]  # fmt: skip


def test_aws_run_batch_is_one_job_per_task(braket_devices: FakeBraketAPI, cap: Capture) -> None:
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    braket_devices.next_task = {"states": ["QUEUED", "RUNNING", "COMPLETED"]}
    ghz = Circuit().h(0).cnot(0, 1).cnot(1, 2)
    batch = AwsDevice(SV1_ARN).run_batch([_bell(), ghz, _bell()], shots=20,
                                         poll_interval_seconds=0.01)  # fmt: skip
    results = batch.results()
    assert [sum(r.measurement_counts.values()) for r in results] == [20, 20, 20]
    assert qobserve.flush()
    assert _jobs(cap, "sv1", "simulator", "__none__", "success", "none") == 3
    assert cap.sample("quantum_shots_total", backend="sv1", provider="aws",
                      backend_type="simulator", experiment="__none__") == 60  # fmt: skip
    events = cap.job_events()
    assert sorted(e["job_id"] for e in events) == sorted(t.id for t in batch.tasks)
    assert {(e["primitive"], e["provider"], e["shots"]) for e in events} == {
        ("run_batch", "aws", 20)
    }
    assert sorted(e["num_qubits"] for e in events) == [2, 2, 3]
    assert cap.sample("quantum_jobs_in_flight", backend="sv1", provider="aws") == 0


def test_failed_and_cancelled_tasks_return_none_and_are_recorded(
    braket_devices: FakeBraketAPI, cap: Capture
) -> None:
    from braket.aws import AwsDevice

    device = AwsDevice(IONQ_ARN)
    braket_devices.next_task = {
        "states": ["QUEUED", "FAILED"],
        "failure_reason": "calibration drift",
    }
    failed = device.run(_bell(), shots=10, poll_interval_seconds=0.01)
    assert failed.result() is None  # the SDK's behaviour: no exception
    braket_devices.next_task = {"states": ["QUEUED"]}
    cancelled = device.run(_bell(), shots=10, poll_interval_seconds=0.01)
    cancelled.cancel()
    assert cancelled.result() is None
    assert qobserve.flush()
    assert _jobs(cap, "ionq_forte_1", "qpu", "__none__", "error", "job_failed") == 1
    assert _jobs(cap, "ionq_forte_1", "qpu", "__none__", "cancelled", "cancelled") == 1
    spans = {s.attributes.get("quantum.job.id"): s for s in cap.spans() if s.name.startswith("job")}
    [failure] = [e for e in spans[failed.id].events if e.name == "exception"]
    assert "calibration drift" in failure.attributes["exception.message"]
    assert spans[cancelled.id].attributes["error.type"] == "cancelled"


def test_poll_timeout_leaves_the_task_running(braket_devices: FakeBraketAPI, cap: Capture) -> None:
    from braket.aws import AwsDevice, AwsQuantumTask

    braket_devices.next_task = {"states": ["QUEUED"] * 5 + ["COMPLETED"]}
    task = AwsDevice(IONQ_ARN).run(
        _bell(), shots=10, poll_timeout_seconds=0.05, poll_interval_seconds=0.02
    )
    assert task.result() is None  # polling gave up; the task is still queued
    assert cap.sample("quantum_jobs_in_flight", backend="ionq_forte_1", provider="aws") == 1
    assert _jobs(cap, "ionq_forte_1", "qpu", "__none__", "error", "timeout") is None
    again = AwsQuantumTask(task.id, poll_interval_seconds=0.01)
    assert again.result() is not None  # a new handle: not the submitted one, not followed
    assert task.state() == "COMPLETED"  # the followed handle sees the end
    assert qobserve.flush()
    assert _jobs(cap, "ionq_forte_1", "qpu", "__none__", "success", "none") == 1
    assert cap.sample("quantum_jobs_in_flight", backend="ionq_forte_1", provider="aws") == 0


def test_rejected_submission_is_classified(braket_devices: FakeBraketAPI, cap: Capture,
                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from botocore.exceptions import ClientError
    from braket.aws import AwsDevice

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    device = AwsDevice(SV1_ARN)
    braket_devices.fail("CreateQuantumTask", 402, "ServiceQuotaExceededException")
    with pytest.raises(ClientError):
        device.run(_bell(), shots=10)
    assert _jobs(cap, "sv1", "simulator", "__none__", "error", "quota_exceeded") == 1


def test_uninstrument_restores_the_sdk(braket: Any) -> None:
    from braket.aws import AwsDevice
    from braket.devices import LocalSimulator

    assert LocalSimulator.run is not LocalSimulator.run.__wrapped__  # type: ignore[attr-defined]
    braket.uninstrument()
    assert not hasattr(LocalSimulator.run, "__wrapped__")
    assert not hasattr(AwsDevice.run, "__wrapped__")
    from braket.aws.aws_quantum_task_batch import AwsQuantumTaskBatch

    assert not hasattr(AwsQuantumTaskBatch._create_task, "__wrapped__")
    braket.instrument()
    assert hasattr(AwsQuantumTaskBatch._create_task, "__wrapped__")


def test_future_is_not_needed_for_local_tasks(cap: Capture) -> None:
    """A local task's outcome is recorded even when nobody calls result()."""
    from braket.devices import LocalSimulator

    LocalSimulator().run(_bell(), shots=5)
    assert _jobs(cap, "braket_sv", "simulator", "__none__", "success", "none") == 1
    assert cap.sample("quantum_jobs_in_flight", backend="braket_sv", provider="braket") in (None, 0)
