"""The OTel metrics path: every contract metric through the OTel API, names that translate
back to the Prometheus names, one cardinality guard, exemplars with span and trace ids."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics_latest

import qobserve
from qobserve import contract
from qobserve.config import Config
from qobserve.telemetry import Telemetry, _install

#: one value per label of every instrumentation metric
LABEL_VALUES = {
    "backend": "fake_manila",
    "provider": "fake",
    "backend_type": "emulator",
    "experiment": "bell",
    "outcome": "success",
    "error_type": "none",
    "verdict": "pass",
    "reason": "unfinished",
    "component": "store",
    "label": "experiment",
    "budget": "vqe-monthly",
    "decision": "deny",
}


class Setup:
    def __init__(self, metrics: str, max_label_values: int = 100) -> None:
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.registry = CollectorRegistry()
        config = Config(metrics=metrics, store_path=None, max_label_values=max_label_values)
        self.tel = Telemetry(
            config,
            registry=self.registry,
            tracer_provider=self.tracer_provider,
            meter_provider=self.meter_provider,
        )

    def points(self) -> dict[str, list[Any]]:
        """OTel data points by instrument name."""
        data = self.reader.get_metrics_data()
        found: dict[str, list[Any]] = {}
        if data is None:
            return found
        for rm in data.resource_metrics:
            for sm in rm.scope_metrics:
                for metric in sm.metrics:
                    found.setdefault(metric.name, []).extend(metric.data.data_points)
        return found


@pytest.fixture
def make() -> Iterator[Any]:
    made: list[Setup] = []

    def build(metrics: str, **kwargs: Any) -> Setup:
        setup = Setup(metrics, **kwargs)
        made.append(setup)
        previous.append(_install(setup.tel))
        return setup

    previous: list[Any] = []
    yield build
    for setup, before in zip(made, previous, strict=True):
        _install(before)
        setup.tel.shutdown()
        setup.meter_provider.shutdown()


def _record_every_metric(tel: Telemetry) -> None:
    for spec in contract.INSTRUMENTATION_METRICS:
        values = tuple(LABEL_VALUES[label] for label in spec.labels)
        if spec.type == "histogram":
            tel.metrics.observe(spec, values, 0.95)
        else:
            tel.metrics.inc(spec, values, 2)


def test_otel_only_records_every_contract_metric_and_nothing_on_the_registry(make: Any) -> None:
    setup = make("otel")
    _record_every_metric(setup.tel)
    points = setup.points()
    assert set(points) == {spec.otel[0] for spec in contract.INSTRUMENTATION_METRICS}
    jobs = points["quantum.jobs"][0]
    assert jobs.value == 2 and dict(jobs.attributes) == {
        label: LABEL_VALUES[label] for label in contract.JOBS_TOTAL.labels
    }
    duration = points["quantum.job.duration"][0]
    assert tuple(duration.explicit_bounds) == contract.DURATION_BUCKETS
    assert tuple(points["quantum.result.fidelity_ratio"][0].explicit_bounds) == (
        contract.RATIO_BUCKETS
    )
    assert b"quantum_" not in generate_latest(setup.registry)


def test_default_is_the_prometheus_path_only() -> None:
    tel = Telemetry(Config(store_path=None), registry=CollectorRegistry())
    try:
        assert tel.metrics.otel is None and tel.metrics.prometheus
    finally:
        tel.shutdown()


def test_otel_names_translate_back_to_the_prometheus_names(make: Any) -> None:
    """Through opentelemetry-exporter-prometheus, the OTel path exposes the contract's series
    under the contract's names and types: rules and dashboards work unchanged."""
    setup = make("otel")
    registry = CollectorRegistry()
    reader = PrometheusMetricReader(registry=registry)
    provider = MeterProvider(metric_readers=[reader])
    setup.tel.use_providers(meter_provider=provider)
    _record_every_metric(setup.tel)
    try:
        families = {f.name: f for f in registry.collect()}
        for spec in contract.INSTRUMENTATION_METRICS:
            family = families.get(spec.base_name)
            assert family is not None, spec.name
            assert family.type == spec.type, spec.name
            names = {s.name for s in family.samples}
            if spec.type == "histogram":
                assert names == {f"{spec.name}_bucket", f"{spec.name}_count", f"{spec.name}_sum"}
                bounds = [s.labels["le"] for s in family.samples if s.name.endswith("_bucket")]
                assert [float(b) for b in bounds[:-1]] == list(spec.buckets or ())
            else:
                assert names == {spec.name}
            sample = family.samples[0]
            assert {k: sample.labels[k] for k in spec.labels} == {
                label: LABEL_VALUES[label] for label in spec.labels
            }
    finally:
        provider.shutdown()


def test_both_paths_fold_the_same_values_and_count_the_overflow_once(make: Any) -> None:
    setup = make("both", max_label_values=1)

    for name in ("a", "b", "c"):
        qobserve.experiment(name)(lambda: None)()
    prom = setup.registry.get_sample_value
    assert prom("quantum_experiments_total", {"experiment": "a", "outcome": "success"}) == 1
    assert prom("quantum_experiments_total", {"experiment": "__other__", "outcome": "success"}) == 2
    assert prom("qobserve_label_overflow_total", {"label": "experiment"}) == 2
    points = setup.points()
    by_experiment = {p.attributes["experiment"]: p.value for p in points["quantum.experiments"]}
    assert by_experiment == {"a": 1, "__other__": 2}
    assert [p.value for p in points["qobserve.label.overflow"]] == [2]


def test_exemplars_carry_span_and_trace_id_on_both_paths(make: Any) -> None:
    setup = make("both")

    qobserve.experiment("bell")(lambda: None)()
    span = setup.spans.get_finished_spans()[0]
    trace_id = format(span.context.trace_id, "032x")
    span_id = format(span.context.span_id, "016x")
    text = openmetrics_latest(setup.registry).decode()  # exemplars are OpenMetrics-only
    line = next(x for x in text.splitlines() if "quantum_experiment_duration_seconds_bucket" in x
                and "#" in x)  # fmt: skip
    assert f'trace_id="{trace_id}"' in line and f'span_id="{span_id}"' in line
    point = setup.points()["quantum.experiment.duration"][0]
    exemplars = [e for e in point.exemplars if e is not None]
    assert [(format(e.trace_id, "032x"), format(e.span_id, "016x")) for e in exemplars] == [
        (trace_id, span_id)
    ]


def test_job_metrics_reach_the_otel_path_with_exemplars(make: Any) -> None:
    from qobserve.instrument.observation import JobObservation
    from qobserve.instrument.recorder import Recorder

    setup = make("otel")
    span = setup.tracer_provider.get_tracer("t").start_span("submit sampler fake_manila")
    obs = JobObservation(backend="fake_manila", backend_type="emulator", primitive="sampler",
                         experiment="bell", outcome="error", error_type="timeout", job_id="j1",
                         duration_seconds=3.0, queue_seconds=1.0, execution_seconds=2.0,
                         shots=1024, qpu_seconds=2.0, cost_usd=0.5, submit_span=span)  # fmt: skip
    Recorder(setup.tel).record(obs)
    points = setup.points()
    # every outcome series of the backend x experiment exists from its first job, at 0
    (jobs,) = [p for p in points["quantum.jobs"] if p.value]
    assert jobs.attributes["outcome"] == "error" and jobs.attributes["error_type"] == "timeout"
    assert {p.value for p in points["quantum.jobs"]} == {0, 1}
    assert [p.value for p in points["quantum.shots"]] == [1024]
    assert [p.value for p in points["quantum.qpu"]] == [2.0]
    assert [p.value for p in points["quantum.cost"]] == [0.5]
    (duration,) = points["quantum.job.duration"]
    assert duration.sum == 3.0
    assert {e.span_id for e in duration.exemplars} == {span.get_span_context().span_id}


def test_in_flight_gauge_goes_up_and_down_on_the_otel_path(make: Any) -> None:
    setup = make("otel")
    m = setup.tel.metrics
    m.inc(contract.JOBS_IN_FLIGHT, ("fake_manila", "fake"))
    m.inc(contract.JOBS_IN_FLIGHT, ("fake_manila", "fake"))
    m.dec(contract.JOBS_IN_FLIGHT, ("fake_manila", "fake"))
    assert [p.value for p in setup.points()["quantum.jobs.in_flight"]] == [1]
