"""Library etiquette: the application's tracer provider wins over qobserve's own settings and
``OTEL_*`` variables; ``tracer_provider=`` is the one override. Each case runs in a fresh
interpreter, because a global tracer provider can be set only once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.otlp import OTLPReceiver

ROOT = Path(__file__).resolve().parent.parent

APP = """
import json, sys
import warnings
warnings.simplefilter("ignore", DeprecationWarning)
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

# the application's own provider and its one exporter (endpoint from OTEL_EXPORTER_OTLP_*)
provider = TracerProvider(resource=Resource.create({"service.name": "vqe-app"}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
trace.set_tracer_provider(provider)

import qobserve
from qiskit import QuantumCircuit, transpile
from qiskit_ibm_runtime import SamplerV2
from qiskit_ibm_runtime.fake_provider import FakeManilaV2
from qobserve.instrument import QiskitInstrumentor

tel = qobserve.configure(store_path=None, **json.loads(sys.argv[1]))
QiskitInstrumentor().instrument()

@qobserve.experiment("bell")
def bell():
    backend = FakeManilaV2()
    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    return SamplerV2(mode=backend).run([transpile(circuit, backend)], shots=64).result()

bell()
assert qobserve.flush(10)
provider.shutdown()
print(json.dumps({"mode": tel.tracing.mode, "own_provider": tel.tracing.provider is not None}))
"""


def _run(script: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        env={**os.environ, **env},
        check=False,
    )


@pytest.mark.parametrize("settings", [{}, {"tracing": "otlp"}])
def test_an_app_provider_and_an_otlp_endpoint_give_one_provider_and_one_exporter(
    settings: dict[str, str],
) -> None:
    with OTLPReceiver() as otlp:
        result = _run(APP, json.dumps(settings), env={"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.url})
        assert result.returncode == 0, result.stderr[-3000:]
        spans = otlp.spans()
    assert json.loads(result.stdout.splitlines()[-1]) == {"mode": "global", "own_provider": False}
    names = [span.name for _, span in spans]
    assert "experiment bell" in names and "job fake_manila" in names
    assert any(name.startswith("submit ") for name in names)
    assert any(name.startswith("transpile ") for name in names)
    # everything under the application's resource: no second provider, no second exporter
    assert {resource["service.name"] for resource, _ in spans} == {"vqe-app"}
    assert len(names) == len(set((span.trace_id, span.span_id) for _, span in spans))


OVERRIDE = """
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

def provider():
    memory = InMemorySpanExporter()
    p = TracerProvider()
    p.add_span_processor(SimpleSpanProcessor(memory))
    return p, memory

app, app_spans = provider()
trace.set_tracer_provider(app)
mine, my_spans = provider()

import qobserve
qobserve.configure(store_path=None, tracer_provider=mine)
qobserve.experiment("bell")(lambda: None)()
print(len(app_spans.get_finished_spans()), [s.name for s in my_spans.get_finished_spans()])
"""


def test_tracer_provider_argument_is_the_one_override() -> None:
    result = _run(OVERRIDE, env={})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split() == ["0", "['experiment", "bell']"]


LATE = """
import qobserve
tel = qobserve.configure(store_path=None, tracing="global")
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
memory = InMemorySpanExporter()
p = TracerProvider()
p.add_span_processor(SimpleSpanProcessor(memory))
trace.set_tracer_provider(p)
qobserve.experiment("bell")(lambda: None)()
print([s.name for s in memory.get_finished_spans()])
"""


def test_global_mode_follows_a_provider_set_later() -> None:
    result = _run(LATE, env={})
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "['experiment bell']"
