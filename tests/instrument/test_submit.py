"""Wrapped calls return exactly what the SDK returns and raise exactly what it raises;
telemetry that fails never reaches the caller."""

from __future__ import annotations

import traceback
from pathlib import Path
from typing import Any

import pytest

from qobserve.instrument import QiskitInstrumentor
from qobserve.instrument.recorder import Recorder
from qobserve.testing import Capture, capture
from tests.instrument.conftest import Gate

AER_OK = {"backend": "aer_simulator", "provider": "aer", "backend_type": "simulator",
          "experiment": "__none__", "outcome": "success", "error_type": "none"}  # fmt: skip


def test_returns_the_sdks_objects(cap: Capture, aer: Any, bell: Any) -> None:
    from qiskit_aer.jobs import AerJob
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.fake_provider.local_runtime_job import LocalRuntimeJob

    job = SamplerV2(mode=aer).run([bell], shots=10)
    assert type(job) is LocalRuntimeJob
    result = job.result()
    assert result is job.result() is job._future.result()
    aer_job = aer.run(bell, shots=10)
    assert type(aer_job) is AerJob
    assert aer_job.result() is aer_job._future.result()
    # once finished, the instances carry nothing of ours
    plain = SamplerV2.__dict__["run"].__wrapped__(SamplerV2(mode=aer), [bell], shots=10)
    plain.result()
    assert set(vars(job)) == set(vars(plain))


def test_raises_the_very_exception(cap: Capture, aer: Any, bell: Any) -> None:
    from qiskit_ibm_runtime import SamplerV2

    raised: list[BaseException] = []

    def pubs() -> Any:
        yield bell
        raised.append(KeyError("pub source broke"))
        raise raised[-1]

    with pytest.raises(KeyError) as info:
        SamplerV2(mode=aer).run(pubs())
    assert info.value is raised[0]
    assert traceback.extract_tb(info.value.__traceback__)[-1].name == "pubs"


def test_sdk_error_is_unchanged(fake_manila: Any, instrumented: QiskitInstrumentor) -> None:
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime import SamplerV2

    too_wide = QuantumCircuit(7)
    too_wide.measure_all()
    with capture(), pytest.raises(Exception) as wrapped:
        SamplerV2(mode=fake_manila).run([too_wide])
    instrumented.uninstrument()
    with pytest.raises(Exception) as plain:
        SamplerV2(mode=fake_manila).run([too_wide])
    assert type(wrapped.value) is type(plain.value) and wrapped.value.args == plain.value.args
    innermost = traceback.extract_tb(wrapped.value.__traceback__)[-1]
    assert innermost.filename == traceback.extract_tb(plain.value.__traceback__)[-1].filename
    assert "qiskit_ibm_runtime" in innermost.filename


def test_failing_recording_never_reaches_the_caller(
    cap: Capture, aer: Any, bell: Any, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("metrics backend down")

    monkeypatch.setattr(Recorder, "metrics", broken)
    result = aer.run(bell, shots=10).result()
    assert result.success
    assert cap.sample("qobserve_internal_errors_total", component="instrument") == 1
    assert cap.sample("quantum_telemetry_incomplete_total", reason="record_failed") == 1
    assert cap.sample("quantum_jobs_in_flight", backend="aer_simulator", provider="aer") == 0


def test_failing_tracer_never_reaches_the_caller(
    cap: Capture, aer: Any, bell: Any, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("tracer broken")

    monkeypatch.setattr(cap.telemetry.tracer, "start_span", broken)
    assert aer.run(bell, shots=10).result().success
    assert cap.sample("qobserve_internal_errors_total", component="instrument") >= 1
    assert cap.sample("quantum_jobs_total", **AER_OK) is None  # unobserved, not broken


def test_unwritable_store_and_no_tracing(
    aer: Any, bell: Any, instrumented: QiskitInstrumentor, tmp_path: Path
) -> None:  # fmt: skip
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with capture(store_path=str(blocker / "events.db"), tracing="none") as cap:
        assert aer.run(bell, shots=10).result().success
        assert cap.sample("quantum_jobs_total", **AER_OK) == 1
        assert cap.sample("qobserve_internal_errors_total", component="store") == 1
        assert cap.spans() == []


def test_job_in_flight_at_uninstrument_still_finishes(
    aer: Any, bell: Any, gate: Gate, instrumented: QiskitInstrumentor
) -> None:  # fmt: skip
    with capture() as cap:
        job = aer.run(bell, shots=10)
        instrumented.uninstrument()
        gate.open()
        assert job.result().success
        assert cap.sample("quantum_jobs_total", **AER_OK) == 1
        assert not {"result", "status", "cancel"} & set(vars(job))
