"""The instrumentor contract of opentelemetry-instrumentation's ``BaseInstrumentor``: the
dependency check, ``skip_dep_check``, ``raise_exception_on_conflict``, repeated calls and the
providers. Every test here also runs without opentelemetry-instrumentation installed (the last
test runs this file again in a process where it cannot be imported), so the fallback is held
to the same behaviour."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qobserve.instrument import QiskitInstrumentor
from qobserve.instrument.base import BaseInstrumentor
from qobserve.testing import capture

BLOCKED = os.environ.get("QOBSERVE_TEST_WITHOUT_OTEL_INSTRUMENTATION") == "1"
ROOT = Path(__file__).resolve().parents[2]


def _otel_base() -> Any:
    try:
        from opentelemetry.instrumentation.instrumentor import BaseInstrumentor as OTelBase
    except ImportError:
        return None
    return OTelBase


def _conflict_error() -> type[Exception]:
    try:
        from opentelemetry.instrumentation.dependencies import DependencyConflictError
    except ImportError:
        from qobserve.instrument.base import DependencyConflictError
    return DependencyConflictError


class Probe(BaseInstrumentor):
    requirements: tuple[str, ...] = ()
    calls: list[str] = []

    def instrumentation_dependencies(self) -> tuple[str, ...]:
        return self.requirements

    def _instrument(self, **kwargs: Any) -> None:
        self.calls.append(f"instrument {sorted(kwargs)}")

    def _uninstrument(self, **kwargs: Any) -> None:
        self.calls.append("uninstrument")


@pytest.fixture
def probe() -> Iterator[Probe]:
    found = Probe()
    found.calls.clear()
    yield found
    if found.is_instrumented:
        found.uninstrument()


def test_subclasses_the_otel_base_exactly_when_it_is_installed() -> None:
    base = _otel_base()
    assert (base is None) == BLOCKED
    if base is not None:
        assert isinstance(QiskitInstrumentor(), base)
    assert QiskitInstrumentor().instrumentation_dependencies() == ("qiskit >= 1.3",)


@pytest.mark.parametrize(
    ("requirement", "words"),
    [
        ("qobserve-no-such-sdk >= 1", "no installed version was found"),
        ("qiskit < 1", "falls outside of that range"),
    ],
)
def test_a_dependency_conflict_is_logged_and_nothing_is_instrumented(
    probe: Probe, requirement: str, words: str, caplog: pytest.LogCaptureFixture
) -> None:
    probe.requirements = (requirement,)
    with caplog.at_level(logging.ERROR):
        assert probe.instrument() is None
    assert not probe.is_instrumented and probe.calls == []
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "Probe" in record.getMessage() and words in record.getMessage()
    assert requirement in record.getMessage()


def test_raise_exception_on_conflict_raises(probe: Probe) -> None:
    probe.requirements = ("qiskit < 1",)
    with pytest.raises(_conflict_error()):
        probe.instrument(raise_exception_on_conflict=True)
    assert not probe.is_instrumented


def test_skip_dep_check_instruments_and_is_not_passed_on(probe: Probe) -> None:
    probe.requirements = ("qobserve-no-such-sdk >= 1",)
    probe.instrument(skip_dep_check=True, option=1)
    assert probe.is_instrumented and probe.calls == ["instrument ['option']"]


def test_met_dependencies_instrument_once_and_uninstrument_once(
    probe: Probe, caplog: pytest.LogCaptureFixture
) -> None:
    probe.requirements = ("qiskit >= 1.3",)
    with caplog.at_level(logging.WARNING):
        probe.uninstrument()
        probe.instrument()
        probe.instrument()
        probe.uninstrument()
    assert probe.calls == ["instrument []", "uninstrument"]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "Attempting to uninstrument while already uninstrumented",
        "Attempting to instrument while already instrumented",
    ]
    assert Probe() is probe


def test_instrument_takes_the_providers(fake_manila: Any) -> None:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
    from qiskit import QuantumCircuit, transpile
    from qiskit_ibm_runtime import SamplerV2

    spans, reader = InMemorySpanExporter(), InMemoryMetricReader()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    meter_provider = MeterProvider(metric_readers=[reader])
    circuit = QuantumCircuit(1)
    circuit.measure_all()
    instrumentor = QiskitInstrumentor()
    with capture(store_path=None):
        instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
        try:
            SamplerV2(mode=fake_manila).run([transpile(circuit, fake_manila)], shots=8).result()
            assert instrumentor.flush(10)
        finally:
            instrumentor.uninstrument()
    names = [s.name for s in spans.get_finished_spans()]
    assert "job fake_manila" in names
    data = reader.get_metrics_data()
    assert data is not None
    metrics = {
        m.name for rm in data.resource_metrics for sm in rm.scope_metrics for m in sm.metrics
    }
    assert {"quantum.jobs", "quantum.job.duration", "quantum.shots"} <= metrics
    meter_provider.shutdown()


@pytest.mark.skipif(BLOCKED, reason="this is the run without opentelemetry-instrumentation")
def test_the_fallback_behaves_the_same() -> None:
    script = (
        "import sys; sys.modules['opentelemetry.instrumentation'] = None\n"
        "import pytest\n"
        f"sys.exit(pytest.main(['-q', '-p', 'no:cacheprovider', {__file__!r}]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env={**os.environ, "QOBSERVE_TEST_WITHOUT_OTEL_INSTRUMENTATION": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
