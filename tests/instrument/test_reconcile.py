"""Jobs that outlive their process are stored as unfinished; ``qobserve events reconcile``
records their final outcome once, through the SDK's own client, against the local IBM API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qobserve.cli import main
from qobserve.instrument.reconcile import Reconciled, reconcile
from qobserve.testing import Capture, capture
from tests.braket_api import IONQ_ARN, FakeBraketAPI
from tests.instrument.conftest import cloud_job
from tests.instrument.ibm_api import FakeIBMAPI


def _lookup(backend: Any) -> Any:
    from qiskit_ibm_runtime import RuntimeJobV2

    service = backend._service
    return lambda job_id, _name: RuntimeJobV2(
        backend=backend, api_client=service.client, job_id=job_id, program_id="sampler",
        service=service, version=2,
    )  # fmt: skip


def test_jobs_outliving_the_process(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, cap: Capture, tmp_path: Path
) -> None:
    from qiskit_ibm_runtime import SamplerV2

    ids = []
    for _ in range(4):
        ibm_api.next_job = cloud_job(ibm_backend, "", states=["Queued"])
        ids.append(SamplerV2(mode=ibm_backend).run([isa_bell], shots=100).job_id())
    cap.telemetry.instrumentation.shutdown()  # the process exits with all four queued
    assert cap.sample("quantum_telemetry_incomplete_total", reason="unfinished") == 4
    assert [e["outcome"] for e in cap.job_events()] == ["unfinished"] * 4
    assert all(e["finished_at"] is None for e in cap.job_events())

    # later, on the server: one completed, one failed, one cancelled, one still queued
    done, failed, cancelled, queued = (ibm_api.jobs[i] for i in ids)
    done.states = ["Completed"]
    failed.states, failed.reason = ["Failed"], "Error in transpilation process."
    cancelled.states = ["Cancelled"]
    queued.polls = 0
    for job in (done, failed, cancelled):
        job.polls = 0
    store = cap.telemetry.store
    assert store is not None and store.flush()

    assert reconcile(store.path, _lookup(ibm_backend)) == Reconciled(1, 1, 1, 1)
    rows = {r[0]: r[1:] for r in store.query(
        "SELECT job_id, outcome, error_type, queue_seconds, execution_seconds, qpu_seconds, "
        "finished_at FROM job_events"
    )}  # fmt: skip
    assert rows[ids[0]] == ("success", "none", 30.0, 2.5, 2.0, "2026-11-21T10:00:32.500Z")
    assert rows[ids[1]][:2] == ("error", "job_failed")
    assert rows[ids[2]][:2] == ("cancelled", "cancelled")
    assert rows[ids[3]][:2] == ("unfinished", "none")

    # the ended jobs now count in the budgets' running totals, in the hour they finished
    totals = "SELECT scope, span, bucket, name, jobs, qpu_seconds FROM job_spend ORDER BY 1, 2, 4"
    spend = store.query(totals)
    assert ("t", "h", "2026-11-21T10", "", 3, 6.0) in spend
    assert ("b", "d", "2026-11-21", "ibm_fakecloud", 3, 6.0) in spend

    before = store.query("SELECT * FROM job_events ORDER BY rowid")
    again = reconcile(store.path, _lookup(ibm_backend))
    assert again == Reconciled(0, 0, 0, 1)  # only the queued one is looked up again
    assert store.query("SELECT * FROM job_events ORDER BY rowid") == before
    assert store.query(totals) == spend  # counted once


def test_cli_names_a_missing_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "none.db"
    assert main(["events", "reconcile", "--store", str(missing)]) == 2
    assert str(missing) in capsys.readouterr().err


def test_a_job_that_cannot_be_looked_up_does_not_stop_the_others(
    ibm_api: FakeIBMAPI,
    ibm_backend: Any,
    isa_bell: Any,
    cap: Capture,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The provider answers an error for one job's id: that job stays unfinished and is
    named, the jobs before and after it are reconciled, and the command exits 1."""
    from qiskit_ibm_runtime import SamplerV2

    from qobserve.instrument import reconcile as module

    ids = []
    for _ in range(3):
        ibm_api.next_job = cloud_job(ibm_backend, "", states=["Queued"])
        ids.append(SamplerV2(mode=ibm_backend).run([isa_bell], shots=100).job_id())
    cap.telemetry.instrumentation.shutdown()
    for i in ids:
        ibm_api.jobs[i].states, ibm_api.jobs[i].polls = ["Completed"], 0
    ibm_api.fail(f"/jobs/{ids[1]}", 500, "Internal error", times=100)
    store = cap.telemetry.store
    assert store is not None and store.flush()

    monkeypatch.setattr(module, "ibm_lookup", lambda: _lookup(ibm_backend))  # the stand-in
    assert main(["events", "reconcile", "--store", str(store.path)]) == 1
    out, err = capsys.readouterr()
    assert "completed 2, failed 0, cancelled 0, still unfinished 0, lookup failed 1" in out
    assert f"job {ids[1]} on ibm_fakecloud not looked up, left unfinished" in err
    assert "RequestsApiError" in err and "Traceback" not in err
    outcomes = dict(store.query("SELECT job_id, outcome FROM job_events"))
    assert outcomes == {ids[0]: "success", ids[1]: "unfinished", ids[2]: "success"}

    # once the provider answers again, a second run finishes the job it left
    ibm_api.recover()
    assert reconcile(store.path, _lookup(ibm_backend)) == Reconciled(1, 0, 0, 0)
    assert dict(store.query("SELECT job_id, outcome FROM job_events"))[ids[1]] == "success"


def test_braket_tasks_outliving_the_process(
    braket: Any, braket_devices: FakeBraketAPI, tmp_path: Path
) -> None:
    """Unfinished Braket tasks are looked up by ARN through the SDK's own ``AwsQuantumTask``
    (against the Braket stand-in); no IBM account is needed for them."""
    from braket.aws import AwsDevice
    from braket.circuits import Circuit

    with capture() as cap:
        braket_devices.next_task = {"states": ["QUEUED"]}
        device = AwsDevice(IONQ_ARN)
        arns = [device.run(Circuit().h(0).cnot(0, 1), shots=10).id for _ in range(4)]
        cap.telemetry.instrumentation.shutdown()  # the process exits with all four queued
        store = cap.telemetry.store
        assert store is not None and store.flush()
        assert [e["provider"] for e in cap.job_events()] == ["aws"] * 4

        # later, on the server: one completed, one failed, one cancelled, one still queued
        done, failed, cancelled, _queued = (braket_devices.tasks[a] for a in arns)
        done.states = ["COMPLETED"]
        failed.states, failed.failure_reason = ["FAILED"], "calibration drift"
        cancelled.cancelled = True
        assert main(["events", "reconcile", "--store", str(store.path)]) == 0
        rows = {r[0]: r[1:] for r in store.query(
            "SELECT job_id, outcome, error_type, finished_at FROM job_events"
        )}  # fmt: skip
    assert rows[arns[0]][:2] == ("success", "none")
    assert rows[arns[0]][2] is not None  # the task's endedAt
    assert rows[arns[1]][:2] == ("error", "job_failed")
    assert rows[arns[2]][:2] == ("cancelled", "cancelled")
    assert rows[arns[3]] == ("unfinished", "none", None)
