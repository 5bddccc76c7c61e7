"""Fixtures of the instrumentation tests: real fake backends, Aer, instrumented SDK, and a
local IBM API for cloud jobs."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from qobserve.instrument import QiskitInstrumentor
from qobserve.testing import Capture, capture
from tests.braket_api import (
    ALWAYS,
    IONQ_ARN,
    SV1_ARN,
    FakeBraketAPI,
    qpu_capabilities,
    simulator_capabilities,
)
from tests.conftest import require_module
from tests.instrument.ibm_api import FakeIBMAPI, FakeJob, cloud_backend

_HERE = Path(__file__).parent
# SamplerV2/EstimatorV2 are deprecated since qiskit-ibm-runtime 0.50 and still what most code
# uses: instrumenting them is the point of these tests
_DEPRECATED_V2 = pytest.mark.filterwarnings(
    "ignore:The (Sampler|Estimator)V2 class is deprecated:DeprecationWarning"
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(str(item.path)).parents:
            item.add_marker(_DEPRECATED_V2)


@pytest.fixture(scope="session")
def fake_manila() -> Any:
    """One FakeManilaV2 for the session: its noise model is built on first use (0.5 s)."""
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    return FakeManilaV2()


@pytest.fixture(scope="session")
def aer() -> Any:
    """An ideal AerSimulator, warmed up: Aer's first run does one-time set-up during which
    the job itself completes, which would make it look synchronous."""
    from qiskit import QuantumCircuit
    from qiskit_aer import AerSimulator

    simulator = AerSimulator()
    warm = QuantumCircuit(1)
    warm.measure_all()
    simulator.run(warm, shots=1).result()
    return simulator


@pytest.fixture
def gate() -> Iterator[Gate]:
    """Aer's job pool (one worker, shared by every AerJob) held busy until ``gate.open()``:
    Aer jobs submitted meanwhile wait in its queue. A merely slow circuit would not do: Aer
    holds the GIL while simulating, so the job may be over before the test looks."""
    held = Gate()
    try:
        yield held
    finally:
        held.open()


class Gate:
    """See the ``gate`` fixture."""

    def __init__(self) -> None:
        from qiskit_aer.jobs import utils

        self._released = threading.Event()
        utils.DEFAULT_EXECUTOR.submit(self._released.wait, 30)

    def open(self) -> None:
        self._released.set()


@pytest.fixture(scope="session")
def bell() -> Any:
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    return qc


@pytest.fixture(scope="session")
def isa_bell(fake_manila: Any, bell: Any) -> Any:
    """The Bell circuit transpiled for FakeManila (before instrumentation: no spans)."""
    from qiskit.transpiler import generate_preset_pass_manager

    return generate_preset_pass_manager(backend=fake_manila, optimization_level=1).run(bell)


_I = TypeVar("_I", bound=Any)


@contextlib.contextmanager
def instrumenting(instrumentor: _I) -> Iterator[_I]:
    """``instrumentor`` instrumented for the ``with`` block; every original restored after it."""
    instrumentor.instrument()
    try:
        yield instrumentor
    finally:
        instrumentor.uninstrument()


@pytest.fixture
def instrumented() -> Iterator[QiskitInstrumentor]:
    """The SDK instrumented for one test; every original restored after it."""
    with instrumenting(QiskitInstrumentor()) as instrumentor:
        yield instrumentor


@pytest.fixture
def cap(instrumented: QiskitInstrumentor) -> Iterator[Capture]:
    """Captured telemetry (fresh registry, in-memory spans, temporary store), instrumented."""
    with capture() as captured:
        yield captured
        instrumented.flush(10)


@pytest.fixture(scope="module")
def ibm_api() -> Iterator[FakeIBMAPI]:
    api = FakeIBMAPI()
    try:
        yield api
    finally:
        api.close()


@pytest.fixture(scope="module")
def ibm_backend(ibm_api: FakeIBMAPI) -> Any:
    """A real IBMBackend served by the local API (FakeManila's configuration)."""
    return cloud_backend(ibm_api)


@pytest.fixture(scope="module")
def encoded_result(fake_manila: Any, isa_bell: Any) -> str:
    """A real Sampler result, encoded as the IBM API returns it."""
    from qiskit_ibm_runtime import RuntimeEncoder, SamplerV2

    result = SamplerV2(mode=fake_manila).run([isa_bell], shots=100).result()
    return json.dumps(result, cls=RuntimeEncoder)


def wide(num_qubits: int) -> Any:
    """``num_qubits`` in superposition, measured (40 of them do not fit Aer's statevector)."""
    from qiskit import QuantumCircuit

    qc = QuantumCircuit(num_qubits)
    qc.h(range(num_qubits))
    qc.measure_all()
    return qc


def cloud_job(backend: Any, results: str, **kwargs: Any) -> FakeJob:
    """The next job the local API accepts, with server metrics for a 30 s queue and 2.5 s run."""
    kwargs.setdefault(
        "metrics",
        {
            "timestamps": {
                "created": "2026-11-21T10:00:00Z",
                "running": "2026-11-21T10:00:30Z",
                "finished": "2026-11-21T10:00:32.5Z",
            },
            "usage": {"qpu_charge_time_seconds": 2, "status": "complete"},
        },
    )
    return FakeJob(backend=backend.name, results=results, **kwargs)


@pytest.fixture
def braket() -> Iterator[Any]:
    """The Braket instrumentor, instrumented for the test."""
    require_module("braket.devices", "braket")
    from qobserve.instrument.braket_adapter import BraketInstrumentor

    with instrumenting(BraketInstrumentor()) as instrumentor:
        yield instrumentor


@pytest.fixture
def braket_devices(braket_api: FakeBraketAPI) -> FakeBraketAPI:
    """The Braket stand-in serving IonQ Forte 1 (a QPU, 2 tasks queued) and SV1."""
    braket_api.add_device(
        IONQ_ARN, "Forte 1", "IonQ", qpu_capabilities(IONQ_ARN, 3, None, ALWAYS), queue=2
    )
    braket_api.add_device(SV1_ARN, "SV1", "Amazon Braket", simulator_capabilities())
    return braket_api
