"""Zero-code instrumentation: ``opentelemetry-instrument python script.py`` on a plain Qiskit
script that never imports qobserve finds qobserve's ``opentelemetry_instrumentor`` entry point
and records the job's spans and metrics on the providers it configured."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.otlp import OTLPReceiver, attributes

SCRIPT = Path(__file__).resolve().parents[1] / "data" / "otel" / "bell.py"
INSTRUMENT = Path(sys.executable).parent / "opentelemetry-instrument"


def _run(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(INSTRUMENT), *args, sys.executable, str(SCRIPT)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,  # the default event store goes under .qobserve/ here
        env={**os.environ, "OTEL_SERVICE_NAME": "bell-script", **env},
        check=False,
    )


def _json_documents(text: str) -> list[Any]:
    """The JSON documents the console exporters printed, one after the other."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while True:
        start = text.find("{", at)
        if start < 0:
            return found
        try:
            document, at = decoder.raw_decode(text, start)
        except json.JSONDecodeError:
            at = start + 1
            continue
        found.append(document)


def test_console_exporters_print_the_job_spans_and_metrics(tmp_path: Path) -> None:
    result = _run(
        tmp_path,
        "--traces_exporter", "console", "--metrics_exporter", "console",
        "--logs_exporter", "none",
        env={},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Instrumenting of qiskit failed" not in result.stderr
    documents = _json_documents(result.stdout)
    spans = {d["name"]: d for d in documents if "context" in d and "kind" in d}
    assert {"transpile fake_manila", "submit sampler fake_manila", "job fake_manila"} <= set(spans)
    job = spans["job fake_manila"]
    assert job["resource"]["attributes"]["service.name"] == "bell-script"
    assert job["attributes"]["quantum.shots"] == 256
    assert spans["submit sampler fake_manila"]["kind"] == "SpanKind.CLIENT"
    points = {
        metric["name"]: metric["data"]["data_points"]
        for d in documents
        for rm in d.get("resource_metrics", [])
        for sm in rm["scope_metrics"]
        if sm["scope"]["name"] == "qobserve"
        for metric in sm["metrics"]
    }
    # every outcome series exists from the first job, at 0: one of them counted the job
    (jobs,) = [p for p in points["quantum.jobs"] if p["value"]]
    assert jobs["value"] == 1 and jobs["attributes"]["outcome"] == "success"
    assert points["quantum.shots"][0]["value"] == 256
    assert points["quantum.job.duration"][0]["count"] == 1
    assert (tmp_path / ".qobserve" / "events.db").exists()  # the store stays on beside


def test_otlp_exporters_send_spans_metrics_and_job_events_to_one_collector(tmp_path: Path) -> None:
    with OTLPReceiver() as otlp:
        result = _run(
            tmp_path,
            "--traces_exporter", "otlp_proto_http", "--metrics_exporter", "otlp_proto_http",
            "--logs_exporter", "otlp_proto_http",
            env={"OTEL_EXPORTER_OTLP_ENDPOINT": otlp.url, "QOBSERVE_EVENT_LOGS": "true"},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr[-3000:]
        spans = otlp.spans()
        metrics = otlp.metric_names()
        logs = [record for scope, record in otlp.log_records() if scope == "qobserve"]
    names = [span.name for _, span in spans]
    assert {"transpile fake_manila", "submit sampler fake_manila", "job fake_manila"} <= set(names)
    assert {resource["service.name"] for resource, _ in spans} == {"bell-script"}
    assert len(names) == len({(s.trace_id, s.span_id) for _, s in spans})  # one exporter
    assert {"quantum.jobs", "quantum.job.duration", "quantum.shots"} <= metrics
    (job,) = logs  # the job event, beside the store
    assert job.event_name == "quantum.job"
    body = attributes(job.body.kvlist_value.values)
    assert body["backend"] == "fake_manila" and body["outcome"] == "success"
    assert body["shots"] == 256
    job_span = next(span for _, span in spans if span.name == "job fake_manila")
    assert job.trace_id == job_span.trace_id
