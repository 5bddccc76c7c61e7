"""Job events as OTel log records: opt-in, beside the store, to a loopback OTLP/HTTP
collector that decodes them with opentelemetry-proto."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from prometheus_client import CollectorRegistry

from qobserve.config import Config
from qobserve.events import TIME_COLUMNS
from qobserve.instrument import QiskitInstrumentor
from qobserve.telemetry import Telemetry, _install
from qobserve.testing import Capture
from tests.otlp import OTLPReceiver, attributes


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _bell(backend: Any) -> None:
    from qiskit import QuantumCircuit, transpile
    from qiskit_ibm_runtime import SamplerV2

    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    SamplerV2(mode=backend).run([transpile(circuit, backend)], shots=128).result()


def test_every_job_event_reaches_the_collector_as_a_log_record(
    fake_manila: Any, tmp_path: Path
) -> None:
    with OTLPReceiver() as otlp:
        provider = LoggerProvider()
        provider.add_log_record_processor(
            BatchLogRecordProcessor(OTLPLogExporter(endpoint=f"{otlp.url}/v1/logs"))
        )
        config = Config(event_logs=True, tracing="memory", store_path=str(tmp_path / "e.db"))
        tel = Telemetry(config, registry=CollectorRegistry(), logger_provider=provider)
        previous = _install(tel)
        instrumentor = QiskitInstrumentor()
        instrumentor.instrument()
        try:
            _bell(fake_manila)
            _bell(fake_manila)
            assert instrumentor.flush(10) and tel.flush(10)
            assert provider.force_flush(10_000)
            stored = Capture(tel).job_events()
            spans = tel.tracing.memory.get_finished_spans()
        finally:
            instrumentor.uninstrument()
            _install(previous)
            tel.shutdown()
            provider.shutdown()
        records = otlp.log_records()
    assert [scope for scope, _ in records] == ["qobserve", "qobserve"]
    bodies = [
        {
            kv.key: getattr(kv.value, kv.value.WhichOneof("value"))
            for kv in r.body.kvlist_value.values
        }
        for _, r in records
    ]
    assert len(stored) == 2
    for row, body, (_, record) in zip(stored, bodies, records, strict=True):
        assert record.event_name == "quantum.job"
        assert record.severity_text == "INFO"
        expected = {k: v for k, v in row.items() if v not in (None, "")}
        assert set(expected) <= set(body)
        for key, value in expected.items():
            if key in TIME_COLUMNS:  # the store rounds to the millisecond, the body truncates
                assert abs(_seconds(body[key]) - _seconds(value)) < 0.0015, key
            else:
                assert body[key] == (bool(value) if key in ("duplicate", "retry") else value), key
        assert attributes(record.attributes)["quantum.job.id"] == row["job_id"]
        submit = next(s for s in spans if s.name.startswith("submit ") and
                      format(s.context.trace_id, "032x") == row["trace_id"])  # fmt: skip
        assert record.trace_id.hex() == row["trace_id"]
        assert record.span_id.hex() == format(submit.context.span_id, "016x")


def test_event_logs_are_off_by_default() -> None:
    tel = Telemetry(Config(store_path=None), registry=CollectorRegistry())
    try:
        assert tel.event_logs is None
    finally:
        tel.shutdown()
