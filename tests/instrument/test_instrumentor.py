"""instrument() / uninstrument(): idempotent, exact restoration, options."""

from __future__ import annotations

import concurrent.futures
import inspect
import sqlite3
import subprocess
import sys
import threading
import types
from pathlib import Path
from typing import Any

import pytest

from qobserve.exceptions import InputError
from qobserve.instrument import QiskitInstrumentor
from qobserve.instrument.base import BaseInstrumentor
from qobserve.instrument.instrumentor import _subclasses
from qobserve.instrument.primitives import BACKEND_BASE, PRIMITIVE_TARGETS, REFERENCE_TARGETS


def snapshot() -> dict[tuple[int, str], Any]:
    """Every attribute instrumentation may touch: class dicts of the targets and every
    module-level binding of transpile / generate_preset_pass_manager (by identity)."""
    import qiskit
    import qiskit.compiler.transpiler
    import qiskit.transpiler.passmanager
    from qiskit.primitives.primitive_job import PrimitiveJob
    from qiskit_aer.jobs.aerjob import AerJob

    classes = [t.load() for t in (*PRIMITIVE_TARGETS, *REFERENCE_TARGETS, BACKEND_BASE)]
    base = BACKEND_BASE.load()
    assert base is not None
    classes += _subclasses(base)
    classes += [concurrent.futures.ThreadPoolExecutor, threading.Thread]  # context propagation
    classes += [AerJob, PrimitiveJob, qiskit.transpiler.passmanager.StagedPassManager]
    state: dict[tuple[int, str], Any] = {}
    for cls in classes:
        assert cls is not None
        for name, value in vars(cls).items():
            state[(id(cls), name)] = value
    functions = {qiskit.transpile, qiskit.transpiler.generate_preset_pass_manager}
    for module in list(sys.modules.values()):
        if isinstance(module, types.ModuleType):
            for name, value in list(vars(module).items()):
                if any(value is f for f in functions):
                    state[(id(module), name)] = value
    return state


def test_uninstrument_restores_every_original_exactly() -> None:
    before = snapshot()
    instrumentor = QiskitInstrumentor()
    instrumentor.instrument()
    try:
        during = snapshot()
        changed = [k for k in during.keys() | before.keys() if during.get(k) is not before.get(k)]
        assert len(changed) == len(instrumentor.patched) >= 12
    finally:
        instrumentor.uninstrument()
    after = snapshot()
    assert after.keys() == before.keys()  # nothing added to (or left in) any class or module
    assert all(after[key] is before[key] for key in before)


def test_instrument_twice_is_a_no_op() -> None:
    instrumentor = QiskitInstrumentor()
    assert QiskitInstrumentor() is instrumentor  # one per process, as in OpenTelemetry
    instrumentor.instrument()
    try:
        first = snapshot()
        patched = instrumentor.patched
        QiskitInstrumentor().instrument()
        assert instrumentor.patched == patched
        second = snapshot()
        assert all(second[key] is first[key] for key in first)
    finally:
        instrumentor.uninstrument()
    instrumentor.uninstrument()  # twice: nothing to do
    assert not instrumentor.is_instrumented


def test_wrappers_keep_signature_and_wrapped() -> None:
    from qiskit_ibm_runtime import SamplerV2

    original = SamplerV2.__dict__["run"]
    instrumentor = QiskitInstrumentor()
    instrumentor.instrument()
    try:
        wrapped = SamplerV2.__dict__["run"]
        assert wrapped is not original and wrapped.__wrapped__ is original
        assert inspect.signature(wrapped) == inspect.signature(original)
        assert (wrapped.__name__, wrapped.__doc__) == (original.__name__, original.__doc__)
    finally:
        instrumentor.uninstrument()


def test_options_select_what_is_wrapped() -> None:
    instrumentor = QiskitInstrumentor()
    instrumentor.instrument(primitives=False, transpiler=False)
    try:
        assert not any("Sampler" in p or "transpile" in p for p in instrumentor.patched)
        assert any(p.endswith("AerBackend.run") for p in instrumentor.patched)
    finally:
        instrumentor.uninstrument()


def test_bad_options_raise_and_leave_nothing_patched() -> None:
    instrumentor = QiskitInstrumentor()
    with pytest.raises(InputError, match="auto_idempotency"):
        instrumentor.instrument(auto_idempotency="sometimes")
    with pytest.raises(TypeError, match="unknown"):
        instrumentor.instrument(primitive=True)
    assert not instrumentor.is_instrumented and instrumentor.patched == ()


def test_base_instrumentor_contract() -> None:
    calls: list[str] = []

    class Probe(BaseInstrumentor):
        def instrumentation_dependencies(self) -> tuple[str, ...]:
            return ()

        def _instrument(self, **kwargs: Any) -> None:
            calls.append(f"instrument {kwargs}")

        def _uninstrument(self, **kwargs: Any) -> None:
            calls.append("uninstrument")

    probe = Probe()
    probe.uninstrument()
    probe.instrument(x=1)
    Probe().instrument(x=2)
    probe.uninstrument()
    probe.uninstrument()
    assert calls == ["instrument {'x': 1}", "uninstrument"]
    assert Probe() is probe and Probe() is not QiskitInstrumentor()


_EXIT_CHILD = r"""
import sys, warnings
warnings.simplefilter("ignore")
import qobserve
from qobserve.instrument import QiskitInstrumentor
from qiskit import QuantumCircuit
from qiskit_ibm_runtime import SamplerV2
from qiskit_ibm_runtime.api.exceptions import RequestsApiError
from tests.instrument.ibm_api import FakeIBMAPI, FakeJob, cloud_backend

QiskitInstrumentor().instrument()            # before configure(): must not pre-empt it
qobserve.configure(store_path=sys.argv[1])
api = FakeIBMAPI()
backend = cloud_backend(api)
circuit = QuantumCircuit(2)
circuit.measure_all()
api.next_job = FakeJob(backend=backend.name, states=["Running"])
job = SamplerV2(mode=backend).run([circuit], shots=10)
api.fail("/jobs/", 429, "Too many requests")
try:
    job.status()
except RequestsApiError:
    print("rate limited while running")
"""


def test_job_unfinished_at_exit_reaches_the_store(repo_root: Path, tmp_path: Path) -> None:
    """The process ends while a cloud job runs and its last poll was rate limited: the exit
    hook records it, before the telemetry shuts down, in the store the user configured."""
    store = tmp_path / "events.db"
    out = subprocess.run(
        [sys.executable, "-c", _EXIT_CHILD, str(store)],
        capture_output=True, text=True, timeout=120, check=True, cwd=repo_root,
    )  # fmt: skip
    assert out.stdout.strip() == "rate limited while running"
    assert "keeping the first configuration" not in out.stderr
    with sqlite3.connect(store) as db:
        rows = db.execute("SELECT backend, outcome, error_type FROM job_events").fetchall()
    assert rows == [("ibm_fakecloud", "error", "rate_limited")]
