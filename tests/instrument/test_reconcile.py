"""Jobs that outlive their process are stored as unfinished; ``qobserve events reconcile``
records their final outcome once, through the SDK's own client, against the local IBM API."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qobserve.cli import main
from qobserve.instrument.reconcile import Reconciled, reconcile
from qobserve.testing import Capture
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
