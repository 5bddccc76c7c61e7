"""The OTel metrics path against the prometheus_client path, in the same run.

- ``@experiment`` per call with ``metrics="otel"`` (an SDK MeterProvider with a reader) vs
  ``metrics="prometheus"``: same tracer (SDK, sampled: exemplars on both), no store.
- A job's metric samples (``Recorder.metrics``: jobs, duration, queue, execution histograms
  with exemplars, shots) on each path.

The OTel SDK aggregates in Python under a lock per instrument, prometheus_client in a few
attribute updates; the target says the OTel path stays within a small factor.
"""

from __future__ import annotations

from typing import Any

from benchmarks.harness import Result, interleaved_ratio


def _telemetry(metrics: str, tracer_provider: Any, meter_provider: Any) -> Any:
    from prometheus_client import CollectorRegistry

    from qobserve.config import Config
    from qobserve.telemetry import Telemetry

    return Telemetry(
        Config(metrics=metrics, store_path=None),
        registry=CollectorRegistry(),
        tracer_provider=tracer_provider,
        meter_provider=meter_provider if metrics == "otel" else None,
    )


def run() -> list[Result]:
    from opentelemetry.sdk.metrics import MeterProvider
    from opentelemetry.sdk.metrics.export import InMemoryMetricReader
    from opentelemetry.sdk.trace import TracerProvider

    import qobserve
    from qobserve.instrument.observation import JobObservation
    from qobserve.instrument.recorder import Recorder
    from qobserve.telemetry import _install
    from qobserve.tracing import trace_ids

    tracer_provider = TracerProvider()
    meter_provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    prom = _telemetry("prometheus", tracer_provider, meter_provider)
    otel = _telemetry("otel", tracer_provider, meter_provider)

    @qobserve.experiment("bench")
    def decorated() -> int:
        return 1

    def on(tel: Any) -> Any:
        def call() -> int:
            _install(tel)
            return decorated()

        return call

    exp_ratio, exp_otel, exp_prom = interleaved_ratio(on(otel), on(prom), number=10_000)

    span = tracer_provider.get_tracer("bench").start_span("submit sampler fake_manila")
    exemplar = trace_ids(span)[1]
    obs = JobObservation(backend="fake_manila", backend_type="emulator", primitive="sampler",
                         experiment="bench", outcome="success", duration_seconds=3.0,
                         queue_seconds=1.0, execution_seconds=2.0, shots=1024)  # fmt: skip
    prom_rec, otel_rec = Recorder(prom), Recorder(otel)
    job_ratio, job_otel, job_prom = interleaved_ratio(
        lambda: otel_rec.metrics(obs, exemplar), lambda: prom_rec.metrics(obs, exemplar),
        number=10_000,
    )  # fmt: skip
    _install(None)
    for tel in (prom, otel):
        tel.shutdown()
    meter_provider.shutdown()
    return [
        Result(
            "OTel metrics path vs prometheus_client, per @experiment call",
            exp_ratio,
            "x",
            "<= 3",
            exp_ratio <= 3,
            f"({exp_otel * 1e6:.2f} us vs {exp_prom * 1e6:.2f} us per call)",
        ),
        Result(
            "OTel metrics path vs prometheus_client, job metrics per job",
            job_ratio,
            "x",
            "<= 5",
            job_ratio <= 5,
            f"({job_otel * 1e6:.2f} us vs {job_prom * 1e6:.2f} us per job)",
        ),
    ]
