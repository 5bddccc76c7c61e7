"""Every failure mode, classified, with the exceptions the SDK itself raises.

HTTP failures come from qiskit-ibm-runtime's own ``RetrySession`` talking to a local server
(so the SDK builds ``IBMNotAuthorizedError``, ``RequestsApiError`` with its status code and
the ``requests`` exception it wraps); job failures from real ``RuntimeJobV2`` objects and
real local jobs that fail on fake backends and Aer.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from qobserve.errors import classify
from qobserve.instrument.instrumentor import QiskitInstrumentor
from qobserve.testing import Capture
from tests.instrument.conftest import cloud_job
from tests.instrument.ibm_api import FakeIBMAPI, cloud_backend

QPU = {
    "backend": "ibm_fakecloud",
    "provider": "ibm",
    "backend_type": "qpu",
    "experiment": "__none__",
}


def submit(backend: Any, circuit: Any) -> Any:
    from qiskit_ibm_runtime import SamplerV2

    return SamplerV2(mode=backend).run([circuit], shots=10)


@pytest.mark.parametrize(
    ("status", "message", "error_type", "raised"),
    [
        (401, "Invalid token", "auth", "IBMNotAuthorizedError"),
        (403, "You are not allowed to use this instance", "auth", "IBMRuntimeError"),
        (403, "Instance usage limit exceeded for this period", "quota_exceeded", "IBMRuntimeError"),
        (429, "Too many requests", "rate_limited", "IBMRuntimeError"),
        (404, "Backend ibm_fakecloud not found", "backend_unavailable", "IBMRuntimeError"),
        # 5xx answers are retried by the SDK; when retries run out it raises RequestsApiError
        # without a status code, caused by requests' RetryError ("too many 503 responses")
        (503, "Service unavailable", "backend_unavailable", "IBMRuntimeError"),
        (500, "Internal server error", "backend_unavailable", "IBMRuntimeError"),
        (504, "Gateway timeout", "timeout", "IBMRuntimeError"),
        (400, "Invalid parameters", "invalid_input", "IBMRuntimeError"),
    ],
)  # fmt: skip
def test_rejected_submission(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, cap: Capture, status: int,
    message: str, error_type: str, raised: str,
) -> None:  # fmt: skip
    ibm_api.fail("/jobs", status, message)
    with pytest.raises(Exception) as info:
        submit(ibm_backend, isa_bell)
    assert type(info.value).__name__ == raised
    assert classify(info.value) == error_type
    assert cap.sample("quantum_jobs_total", **QPU, outcome="error", error_type=error_type) == 1
    assert (
        cap.sample("quantum_jobs_in_flight", backend="ibm_fakecloud", provider="ibm") is None
    )  # never in flight
    [event] = cap.job_events()
    assert (event["job_id"], event["idempotency_key"], event["duplicate"]) == ("", "", 0)
    # no job was created: the submit span alone carries the failure
    [span] = cap.spans()
    assert span.name == "submit sampler ibm_fakecloud"
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == error_type
    assert event["trace_id"] == format(span.context.trace_id, "032x")


@pytest.fixture
def dead_backend(isa_bell: Any) -> Iterator[Any]:
    """An IBM backend whose API went away after its calibration was fetched."""
    api = FakeIBMAPI()
    backend = cloud_backend(api)
    api.close()
    yield backend


@pytest.fixture
def slow_api() -> Iterator[tuple[FakeIBMAPI, Any]]:
    """A local API and an IBM backend whose client gives up reading after 0.2 s."""
    api = FakeIBMAPI()
    try:
        yield api, cloud_backend(api, timeout=0.2)
    finally:
        api.close()


def test_network_down(dead_backend: Any, isa_bell: Any, cap: Capture) -> None:
    with pytest.raises(Exception) as info:
        submit(dead_backend, isa_bell)
    context = info.value.__context__
    assert type(context).__name__ == "RequestsApiError" and context.status_code == -1
    assert type(context.__cause__).__name__ == "ConnectionError"
    assert cap.sample("quantum_jobs_total", **QPU, outcome="error", error_type="network") == 1


def test_status_poll_read_timeout(
    slow_api: tuple[FakeIBMAPI, Any], isa_bell: Any, cap: Capture
) -> None:  # fmt: skip
    """A status poll times out; the process ends before the job is seen again: timeout."""
    from qiskit_ibm_runtime.api.exceptions import RequestsApiError

    api, backend = slow_api
    api.next_job = cloud_job(backend, "", states=["Running"])
    job = submit(backend, isa_bell)
    api.delay = 0.5
    with pytest.raises(RequestsApiError, match="Read timed out"):
        job.status()
    cap.telemetry.instrumentation.shutdown()  # what the process's exit does
    assert cap.sample("quantum_jobs_total", **QPU, outcome="error", error_type="timeout") == 1


def test_client_wait_timeout_at_exit(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, cap: Capture,
    instrumented: QiskitInstrumentor,
) -> None:  # fmt: skip
    """The caller gave up waiting (RuntimeJobTimeoutError) and the process ends: timeout."""
    from qiskit_ibm_runtime.exceptions import RuntimeJobTimeoutError

    ibm_api.next_job = cloud_job(ibm_backend, "", states=["Running"])
    job = submit(ibm_backend, isa_bell)
    with pytest.raises(RuntimeJobTimeoutError):
        job.result(timeout=0.01, poll_interval=0.1)
    cap.telemetry.instrumentation.shutdown()  # what the process's exit does
    assert cap.sample("quantum_jobs_total", **QPU, outcome="error", error_type="timeout") == 1


def test_circuit_too_wide_for_the_backend(cap: Capture, fake_manila: Any) -> None:
    """SamplerV2 rejects a 7-qubit circuit for 5-qubit Manila before submitting."""
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    qc = QuantumCircuit(7)
    qc.h(0)
    qc.measure_all()
    with pytest.raises(IBMInputValueError, match="7 qubits"):
        SamplerV2(mode=fake_manila).run([qc])
    labels = {
        "backend": "fake_manila",
        "provider": "fake",
        "backend_type": "emulator",
        "experiment": "__none__",
    }
    assert (
        cap.sample("quantum_jobs_total", **labels, outcome="error", error_type="invalid_input") == 1
    )
    [event] = cap.job_events()
    assert (event["num_qubits"], event["job_id"]) == (7, "")


def test_local_job_that_fails_in_the_simulator(cap: Capture, fake_manila: Any, bell: Any) -> None:
    """The executor-based Sampler accepts a non-ISA circuit; the job fails in Aer."""
    from qiskit_aer import AerError
    from qiskit_ibm_runtime.executor_sampler import Sampler

    job = Sampler(mode=fake_manila).run([bell], shots=10)
    with pytest.raises(AerError):
        job.result()
    labels = {
        "backend": "fake_manila",
        "provider": "fake",
        "backend_type": "emulator",
        "experiment": "__none__",
    }
    assert cap.sample("quantum_jobs_total", **labels, outcome="error", error_type="job_failed") == 1
    [event] = cap.job_events()
    assert event["job_id"] == job.job_id() and event["shots"] is None


@pytest.mark.filterwarnings("ignore:Properties of fake_:UserWarning")
def test_backend_not_found() -> None:
    from qiskit_ibm_runtime.fake_provider.local_service import QiskitRuntimeLocalService

    with pytest.raises(Exception) as info:
        QiskitRuntimeLocalService().backend("fake_nowhere")
    assert type(info.value).__name__ == "QiskitBackendNotFoundError"
    assert classify(info.value) == "backend_unavailable"


def test_token_in_an_error_never_reaches_telemetry(
    ibm_api: FakeIBMAPI, ibm_backend: Any, isa_bell: Any, cap: Capture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    canary = "canary0token0e1f2a3b4c5d6e7f8091a2b3c4d5e6f7"
    monkeypatch.setenv("QISKIT_IBM_TOKEN", canary)
    ibm_api.fail("/jobs", 401, f"invalid token {canary} for instance")
    with pytest.raises(Exception, match=canary):  # the SDK's message carries it...
        submit(ibm_backend, isa_bell)
    [span] = cap.spans()
    text = repr([span.attributes, [(e.name, e.attributes) for e in span.events]])
    assert canary not in text and "[REDACTED]" in text  # ...the span does not
    assert canary not in repr(cap.job_events())
