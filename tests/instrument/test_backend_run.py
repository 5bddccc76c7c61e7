"""``backend.run`` on Aer, Aer with a noise model, fake and generic backends; real failing,
cancelled and slow local jobs."""

from __future__ import annotations

import concurrent.futures
import time
from typing import Any

import pytest
from opentelemetry.trace import StatusCode

from qobserve.testing import Capture
from tests.instrument.conftest import Gate, wide


def outcomes(cap: Capture) -> list[tuple[str, str, str, str]]:
    return [
        (e["backend"], e["backend_type"], e["outcome"], e["error_type"]) for e in cap.job_events()
    ]


@pytest.mark.parametrize(
    ("make", "name", "kind", "provider"),
    [
        ("aer", "aer_simulator", "simulator", "aer"),
        ("noisy_aer", "aer_simulator_from(fake_manila)", "emulator", "aer"),
        ("fake", "fake_manila", "emulator", "fake"),
        ("generic", "generic_backend_5q", "emulator", "fake"),
        ("basic", "basic_simulator", "simulator", "qiskit"),
    ],
)
def test_backend_types(
    cap: Capture, make: str, name: str, kind: str, provider: str, fake_manila: Any, isa_bell: Any
) -> None:
    from qiskit.providers.basic_provider import BasicSimulator
    from qiskit.providers.fake_provider import GenericBackendV2
    from qiskit_aer import AerSimulator

    backend = {
        "basic": lambda: BasicSimulator(),
        "aer": lambda: AerSimulator(),
        "noisy_aer": lambda: AerSimulator.from_backend(fake_manila),
        "fake": lambda: fake_manila,
        "generic": lambda: GenericBackendV2(5, seed=1),
    }[make]()
    result = backend.run(isa_bell, shots=50).result()
    assert result.success and result.results[0].shots == 50

    labels = {"backend": name, "provider": provider, "backend_type": kind, "experiment": "__none__"}
    assert cap.sample("quantum_jobs_total", **labels, outcome="success", error_type="none") == 1
    assert cap.sample("quantum_shots_total", **labels) == 50
    # a fake backend runs on an internal AerSimulator: still one job, named after the fake
    assert outcomes(cap) == [(name, kind, "success", "none")]
    assert [e["provider"] for e in cap.job_events()] == [provider]
    assert len([s for s in cap.spans() if s.name.startswith("job ")]) == 1


def test_failed_simulation_is_job_failed(cap: Capture, aer: Any) -> None:
    """40 qubits of statevector cannot fit in memory: Aer returns a failed Result."""
    result = aer.run(wide(40), shots=1, method="statevector").result()
    assert result.success is False

    labels = {
        "backend": "aer_simulator",
        "provider": "aer",
        "backend_type": "simulator",
        "experiment": "__none__",
    }
    assert cap.sample("quantum_jobs_total", **labels, outcome="error", error_type="job_failed") == 1
    assert cap.sample("quantum_shots_total", **labels) is None
    [span] = [s for s in cap.spans() if s.name == "job aer_simulator"]
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "job_failed"
    assert "Insufficient memory" in span.events[-1].attributes["exception.message"]


def test_cancelled_queued_job(cap: Capture, aer: Any, bell: Any, gate: Gate) -> None:
    """A job waiting in Aer's pool can be cancelled."""
    queued = aer.run(bell, shots=10)
    assert queued.cancel() is True
    with pytest.raises(concurrent.futures.CancelledError):
        queued.result()
    gate.open()
    aer.run(bell, shots=10).result()

    labels = {
        "backend": "aer_simulator",
        "provider": "aer",
        "backend_type": "simulator",
        "experiment": "__none__",
    }
    assert (
        cap.sample("quantum_jobs_total", **labels, outcome="cancelled", error_type="cancelled") == 1
    )
    assert cap.sample("quantum_jobs_total", **labels, outcome="success", error_type="none") == 1
    assert cap.sample("quantum_jobs_in_flight", backend="aer_simulator", provider="aer") == 0
    cancelled = [e for e in cap.job_events() if e["outcome"] == "cancelled"]
    assert cancelled[0]["job_id"] == queued.job_id()
    assert cancelled[0]["started_at"] is None  # it never ran


def test_client_timeout_is_not_the_outcome(
    cap: Capture, aer: Any, bell: Any, gate: Gate
) -> None:  # fmt: skip
    """result(timeout) that expires leaves the job running; its real outcome is recorded."""
    job = aer.run(bell, shots=10)
    with pytest.raises(concurrent.futures.TimeoutError):
        job.result(timeout=0.01)
    assert cap.job_events() == []  # still queued: no outcome yet
    gate.open()
    assert job.result().success
    assert outcomes(cap) == [("aer_simulator", "simulator", "success", "none")]
    [event] = cap.job_events()
    assert event["queue_seconds"] >= 0.01  # it waited in the pool at least that long
    [span] = [s for s in cap.spans() if s.name == "job aer_simulator"]
    assert [e.name for e in span.events] == ["client error"]
    assert span.events[0].attributes["error.type"] == "timeout"


def test_already_finished_job(cap: Capture, aer: Any, bell: Any) -> None:
    """Recorded when the worker finishes, before anyone asks; asking later adds nothing."""
    job = aer.run(bell, shots=10)
    labels = {
        "backend": "aer_simulator",
        "provider": "aer",
        "backend_type": "simulator",
        "experiment": "__none__",
    }
    ok = {**labels, "outcome": "success", "error_type": "none"}
    for _ in range(500):
        if cap.sample("quantum_jobs_total", **ok) == 1:
            break
        time.sleep(0.01)
    assert outcomes(cap) == [("aer_simulator", "simulator", "success", "none")]
    assert job.result().success
    assert len(cap.job_events()) == 1
