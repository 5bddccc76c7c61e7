"""Remote job lifecycle: the real SamplerV2, IBMBackend and RuntimeJobV2 against a local IBM
API; server timestamps, usage, cost, polling, failures, cancellation and exit."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

import qobserve
from qobserve.instrument.instrumentor import QiskitInstrumentor
from qobserve.testing import Capture, capture
from tests.instrument.conftest import cloud_job
from tests.instrument.ibm_api import FakeIBMAPI

QPU = {"backend": "ibm_fakecloud", "provider": "ibm", "backend_type": "qpu"}


def submit(backend: Any, circuit: Any, shots: int = 100, tags: list[str] | None = None) -> Any:
    from qiskit_ibm_runtime import SamplerV2

    sampler = SamplerV2(mode=backend)
    if tags:
        sampler.options.environment.job_tags = tags
    return sampler.run([circuit], shots=shots)


def requests_for(api: FakeIBMAPI, job_id: str, suffix: str) -> int:
    return sum(1 for _, path in api.requests if path.split("?")[0] == f"/jobs/{job_id}{suffix}")


def test_cloud_job_with_server_timestamps_and_cost(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, encoded_result: str,
    instrumented: QiskitInstrumentor, tmp_path: Path,
) -> None:  # fmt: skip
    prices = tmp_path / "prices.yaml"
    prices.write_text("backends:\n  ibm_*: {per_qpu_second: 1.6, per_shot: 0.001}\n")
    with capture(price_model=str(prices)) as cap:

        @qobserve.experiment("cloud-bell")
        def run() -> Any:
            ibm_api.next_job = cloud_job(ibm_backend, encoded_result)
            job = submit(ibm_backend, isa_bell, shots=100, tags=["team:a", "idempotency:k-1"])
            return job, job.result()

        job, result = run()
        assert instrumented.flush(10)
        labels = {**QPU, "experiment": "cloud-bell"}
        assert cap.sample("quantum_jobs_total", **labels, outcome="success", error_type="none") == 1
        assert cap.sample("quantum_job_queue_seconds_sum", **QPU) == 30.0
        assert cap.sample("quantum_job_execution_seconds_sum", **QPU) == 2.5
        assert cap.sample("quantum_job_queue_seconds_bucket", **QPU, le="30.0") == 1
        assert cap.sample("quantum_job_queue_seconds_bucket", **QPU, le="10.0") == 0
        be = {"backend": "ibm_fakecloud", "provider": "ibm", "experiment": "cloud-bell"}
        assert cap.sample("quantum_qpu_seconds_total", **be) == 2.0
        assert cap.sample("quantum_cost_usd_total", **be) == pytest.approx(2.0 * 1.6 + 100 * 0.001)
        assert cap.sample("quantum_shots_total", **labels) == result[0].data.meas.num_shots == 100

        [event] = cap.job_events()
        assert event["job_id"] == job.job_id()
        assert (event["started_at"], event["finished_at"]) == (
            "2026-11-21T10:00:30.000Z", "2026-11-21T10:00:32.500Z",
        )  # fmt: skip
        assert (event["queue_seconds"], event["execution_seconds"], event["qpu_seconds"]) == (
            30.0, 2.5, 2.0,
        )  # fmt: skip
        assert event["idempotency_key"] == "k-1"
        assert requests_for(ibm_api, job.job_id(), "/metrics") == 1  # exactly one extra request

        spans = {s.name: s for s in cap.spans()}
        span = spans["job ibm_fakecloud"]
        assert span.attributes["quantum.backend.type"] == "qpu"
        assert span.attributes["qobserve.timing.source"] == "server"
        queue, execute = spans["queue"], spans["execute"]
        assert queue.parent.span_id == execute.parent.span_id == span.context.span_id
        submit_span = spans["submit sampler ibm_fakecloud"]
        assert span.parent.span_id == submit_span.context.span_id
        # the CLIENT span names the API the SDK sent the job to, as semantic conventions ask
        host, port = ibm_api.url.removeprefix("http://").split(":")
        assert submit_span.kind.name == "CLIENT"
        server = submit_span.attributes["server.address"], submit_span.attributes["server.port"]
        assert server == (host, int(port))
        assert (queue.end_time - queue.start_time) / 1e9 == pytest.approx(30.0)
        assert (execute.end_time - execute.start_time) / 1e9 == pytest.approx(2.5)


def test_status_polling_then_result(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, encoded_result: str, cap: Capture,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    ibm_api.next_job = cloud_job(ibm_backend, encoded_result, states=["Queued", "Completed"])
    job = submit(ibm_backend, isa_bell)
    assert job.status() == "QUEUED"
    assert job.status() == "DONE"
    assert instrumented.flush(10)
    ok = {**QPU, "experiment": "__none__", "outcome": "success", "error_type": "none"}
    assert cap.sample("quantum_jobs_total", **ok) == 1
    assert job.result()[0].data.meas.num_shots == 100
    assert instrumented.flush(10)
    assert cap.sample("quantum_jobs_total", **ok) == 1
    [event] = cap.job_events()
    assert event["shots"] == 100  # the shots asked for: no result was fetched at DONE


@pytest.mark.parametrize(
    ("reason", "code", "error_type", "exception"),
    [
        ("Error code 1500; circuit execution failed", None, "job_failed", "RuntimeJobFailureError"),
        ("Instance usage limit exceeded: quota of 600 s reached", None, "quota_exceeded",
         "RuntimeJobFailureError"),
        ("Job ran longer than the maximum execution time", 1305, "timeout",
         "RuntimeJobMaxTimeoutError"),
    ],
)  # fmt: skip
def test_failed_cloud_jobs(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, cap: Capture,
    instrumented: QiskitInstrumentor, reason: str, code: int | None, error_type: str,
    exception: str,
) -> None:  # fmt: skip
    ibm_api.next_job = cloud_job(
        ibm_backend, "", states=["Failed"], reason=reason, reason_code=code
    )
    job = submit(ibm_backend, isa_bell)
    with pytest.raises(Exception) as raised:
        job.result()
    assert type(raised.value).__name__ == exception
    assert instrumented.flush(10)
    labels = {**QPU, "experiment": "__none__"}
    assert cap.sample("quantum_jobs_total", **labels, outcome="error", error_type=error_type) == 1
    assert cap.sample("quantum_shots_total", **labels) is None
    span = next(s for s in cap.spans() if s.name == "job ibm_fakecloud")
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == error_type


def test_failed_state_seen_by_status(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, cap: Capture,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    ibm_api.next_job = cloud_job(ibm_backend, "", states=["Failed"], reason="Error code 1500")
    job = submit(ibm_backend, isa_bell)
    assert job.status() == "ERROR"
    assert instrumented.flush(10)
    failed = {**QPU, "experiment": "__none__", "outcome": "error", "error_type": "job_failed"}
    assert cap.sample("quantum_jobs_total", **failed) == 1


def test_cancelled_cloud_job(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, cap: Capture,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    from qiskit_ibm_runtime.exceptions import RuntimeInvalidStateError

    ibm_api.next_job = cloud_job(ibm_backend, "", states=["Queued"])
    job = submit(ibm_backend, isa_bell)
    assert job.cancel() is None
    with pytest.raises(RuntimeInvalidStateError):
        job.result()
    assert instrumented.flush(10)
    cancelled = {**QPU, "experiment": "__none__", "outcome": "cancelled", "error_type": "cancelled"}
    assert cap.sample("quantum_jobs_total", **cancelled) == 1
    assert len(cap.job_events()) == 1


def test_client_timeout_then_success(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, encoded_result: str, cap: Capture,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    from qiskit_ibm_runtime.exceptions import RuntimeJobTimeoutError

    ibm_api.next_job = cloud_job(
        ibm_backend, encoded_result, states=["Running", "Running", "Completed"]
    )
    job = submit(ibm_backend, isa_bell)
    with pytest.raises(RuntimeJobTimeoutError):
        job.result(timeout=0.05, poll_interval=0.1)
    assert cap.job_events() == []  # the job runs on: no outcome yet
    job.result(poll_interval=0.1)
    assert instrumented.flush(10)
    ok = {**QPU, "experiment": "__none__", "outcome": "success", "error_type": "none"}
    assert cap.sample("quantum_jobs_total", **ok) == 1


def test_job_metrics_opt_out(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, encoded_result: str,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    with capture(job_metrics=False) as cap:
        ibm_api.next_job = cloud_job(ibm_backend, encoded_result)
        job = submit(ibm_backend, isa_bell)
        job.result()
        [event] = cap.job_events()  # recorded inline: nothing to wait for
        assert (event["queue_seconds"], event["execution_seconds"]) == (None, None)
        assert requests_for(ibm_api, job.job_id(), "/metrics") == 0
        span = next(s for s in cap.spans() if s.name == "job ibm_fakecloud")
        assert span.attributes["qobserve.timing.source"] == "none"


def test_failing_metrics_request_is_incomplete_telemetry(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, encoded_result: str, cap: Capture,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    ibm_api.next_job = cloud_job(ibm_backend, encoded_result)
    ibm_api.fail("/metrics", 500, "internal error")
    submit(ibm_backend, isa_bell).result()
    assert instrumented.flush(10)
    assert cap.sample("quantum_telemetry_incomplete_total", reason="job_metrics_failed") == 1
    ok = {**QPU, "experiment": "__none__", "outcome": "success", "error_type": "none"}
    assert cap.sample("quantum_jobs_total", **ok) == 1


def test_unfinished_jobs_at_exit(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, cap: Capture,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    """At exit, a job whose last poll was rate limited is recorded as such; a job nobody
    looked at counts as incomplete telemetry."""
    from qiskit_ibm_runtime.api.exceptions import RequestsApiError

    ibm_api.next_job = cloud_job(ibm_backend, "", states=["Running"])
    polled = submit(ibm_backend, isa_bell)
    ibm_api.fail(f"/jobs/{polled.job_id()}", 429, "Too many requests")
    with pytest.raises(RequestsApiError):
        polled.status()
    ibm_api.next_job = cloud_job(ibm_backend, "", states=["Running"])
    submit(ibm_backend, isa_bell)
    assert cap.sample("quantum_jobs_in_flight", backend="ibm_fakecloud", provider="ibm") == 2

    cap.telemetry.instrumentation.shutdown()  # what the process's exit does
    incomplete = [s for s in cap.spans() if s.attributes.get("qobserve.incomplete")]
    assert [s.name for s in incomplete] == ["job ibm_fakecloud"]
    limited = next(s for s in cap.spans() if s.attributes.get("error.type") == "rate_limited")
    assert [e.name for e in limited.events] == ["client error", "exception"]
    labels = {**QPU, "experiment": "__none__"}
    assert (
        cap.sample("quantum_jobs_total", **labels, outcome="error", error_type="rate_limited") == 1
    )
    assert cap.sample("quantum_telemetry_incomplete_total", reason="unfinished") == 1
    assert cap.sample("quantum_jobs_in_flight", backend="ibm_fakecloud", provider="ibm") == 0
    assert cap.telemetry.instrumentation.in_flight() == []


def test_cloud_executor_sampler_is_one_job(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, cap: Capture,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    """The executor-based Sampler submits through Executor.run: one job, a sampler job."""
    from qiskit_ibm_runtime.executor_sampler import Sampler

    ibm_api.next_job = cloud_job(ibm_backend, "", states=["Queued", "Completed"])
    job = Sampler(mode=ibm_backend).run([isa_bell, isa_bell], shots=100)
    assert job.status() == "QUEUED" and job.status() == "DONE"
    assert instrumented.flush(10)
    [event] = cap.job_events()
    assert (event["primitive"], event["num_circuits"], event["shots"]) == ("sampler", 2, 200)
    assert (event["backend_type"], event["queue_seconds"], event["execution_seconds"]) == (
        "qpu", 30.0, 2.5,
    )  # fmt: skip
    assert [s.name for s in cap.spans()].count("job ibm_fakecloud") == 1


def test_fidelity_of_a_cloud_job_checked_before_its_record(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, encoded_result: str, cap: Capture,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    """compare() right after result(): the record still waits for its metrics request."""
    from qobserve.instrument import compare

    ibm_api.next_job = cloud_job(ibm_backend, encoded_result)
    ibm_api.delay = 0.2  # the metrics request takes a while
    try:
        result = submit(ibm_backend, isa_bell).result()
        fidelity = compare(result[0], {"00": 1, "11": 1})  # a pub of the job's result
    finally:
        ibm_api.delay = 0.0
    assert instrumented.flush(10)
    [event] = cap.job_events()
    assert event["fidelity"] == pytest.approx(fidelity)
    labels = {"backend": "ibm_fakecloud", "experiment": "__none__"}
    assert cap.sample("quantum_result_fidelity_ratio_count", **labels) == 1
