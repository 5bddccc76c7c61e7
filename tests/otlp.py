"""A loopback OTLP/HTTP receiver (a collector stand-in) that decodes what it receives with
``opentelemetry-proto``: spans, metric data points and log records, by signal.

Example::

    with OTLPReceiver() as otlp:          # OTEL_EXPORTER_OTLP_ENDPOINT=otlp.url
        ...
        assert otlp.span_names() == ["experiment bell"]
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from typing import Any

from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from qobserve.servers import LoopbackHTTP

_MESSAGES: dict[str, Any] = {
    "/v1/traces": ExportTraceServiceRequest,
    "/v1/metrics": ExportMetricsServiceRequest,
    "/v1/logs": ExportLogsServiceRequest,
}


class OTLPReceiver(LoopbackHTTP):
    """Keeps every decoded export request, by path; answers 200 with an empty response."""

    def __init__(self) -> None:
        self.requests: dict[str, list[Any]] = {path: [] for path in _MESSAGES}
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                message = _MESSAGES.get(self.path)
                if message is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                decoded = message()
                decoded.ParseFromString(body)
                with receiver.lock:
                    receiver.requests[self.path].append(decoded)
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def spans(self) -> list[tuple[dict[str, Any], Any]]:
        """(resource attributes, span) of every span received."""
        with self.lock:
            requests = list(self.requests["/v1/traces"])
        return [
            (attributes(rs.resource.attributes), span)
            for request in requests
            for rs in request.resource_spans
            for ss in rs.scope_spans
            for span in ss.spans
        ]

    def span_names(self) -> list[str]:
        return [span.name for _, span in self.spans()]

    def metric_names(self) -> set[str]:
        with self.lock:
            requests = list(self.requests["/v1/metrics"])
        return {
            metric.name
            for request in requests
            for rm in request.resource_metrics
            for sm in rm.scope_metrics
            for metric in sm.metrics
        }

    def log_records(self) -> list[tuple[str, Any]]:
        """(instrumentation scope name, log record) of every log record received."""
        with self.lock:
            requests = list(self.requests["/v1/logs"])
        return [
            (sl.scope.name, record)
            for request in requests
            for rl in request.resource_logs
            for sl in rl.scope_logs
            for record in sl.log_records
        ]


def attributes(kvs: Any) -> dict[str, Any]:
    """OTLP ``KeyValue`` list as a dict of plain values."""
    out: dict[str, Any] = {}
    for kv in kvs:
        value = kv.value
        kind = value.WhichOneof("value")
        out[kv.key] = getattr(value, kind) if kind else None
    return out
