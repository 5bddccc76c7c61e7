"""OpenSLO v1 (and v1alpha, as Sloth reads it) SLO documents."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from qobserve.rules.recording import recording_rules
from qobserve.rules.render import dump
from qobserve.slo import load
from qobserve.slo.model import EventSLI, TimeSliceSLI
from tests.rules.promtool import close_to, run_tests
from tests.slo.conftest import ANCHORS, Write, errors, load_quiet

GOOD = 'sum(rate(http_requests_total{code!~"5.."}[{{.window}}]))'
TOTAL = "sum(rate(http_requests_total[{{.window}}]))"


def prometheus_version(path: Path, **changes: object) -> str:
    """An upstream example with its placeholder sources made Prometheus queries."""
    doc = yaml.safe_load(path.read_text())
    ratio = doc["spec"]["indicator"]["spec"]["ratioMetric"]
    for key, query in (("good", GOOD), ("total", TOTAL)):
        ratio[key]["metricSource"] = {"type": "Prometheus", "spec": {"query": query}}
    doc["spec"].update(changes)
    return yaml.safe_dump(doc)


@pytest.mark.shared
def test_upstream_examples_are_refused_with_reasons() -> None:
    ratio = ANCHORS / "openslo" / "ratio-timeslices.yaml"
    slices = ANCHORS / "openslo" / "timeslices-slo.yaml"
    lines = errors(ratio, slices)
    metric = (
        "spec.indicator.spec.ratioMetric.{}.metricSource.type: 'Any' is not supported: "
        "qobserve reads Prometheus queries"
    )
    assert lines == [
        f"{ratio}: main-page: " + metric.format("good"),
        f"{ratio}: main-page: " + metric.format("total"),
        # the example's "1m" means one minute, not the month its comment intends
        f"{slices}: service-availability: spec.timeWindow[0].duration: 1m is not longer than "
        "the longest alert window (3d); use a period such as 7d, 28d or 30d",
        f"{slices}: service-availability: " + metric.format("good"),
        f"{slices}: service-availability: " + metric.format("total"),
    ]


@pytest.mark.shared
def test_ratio_timeslices(write: Write) -> None:
    path = write(prometheus_version(ANCHORS / "openslo" / "ratio-timeslices.yaml"))
    (slo,), notes = load_quiet(path)
    assert (slo.name, slo.service, slo.objective) == ("main-page", "web-shop", 0.99)
    assert slo.period == timedelta(weeks=2) and slo.format == "openslo/v1"
    assert isinstance(slo.sli, TimeSliceSLI) and slo.sli.slice == "1m"
    assert "[1m]" in slo.sli.good and "bool" not in slo.sli.good
    assert notes == [
        f"{path}: main-page: spec.objectives[0]: op/value apply to "
        "thresholdMetric only; ignored for a ratioMetric"
    ]


@pytest.mark.shared
def test_timeslices_with_two_objectives(write: Write) -> None:
    text = prometheus_version(
        ANCHORS / "openslo" / "timeslices-slo.yaml",
        timeWindow=[{"duration": "28d", "isRolling": False}],
    )
    slos, notes = load_quiet(write(text))
    assert [s.name for s in slos] == ["service-availability-0", "service-availability-1"]
    assert [s.objective for s in slos] == [0.995, 0.99]
    for slo in slos:
        assert isinstance(slo.sli, TimeSliceSLI) and slo.sli.good.endswith(">= bool 0.99")
    assert any("calendar-aligned window" in n for n in notes)


@pytest.mark.shared
def test_timeslice_ratio_counts_slices_under_target(write: Write, tmp_path: Path) -> None:
    """Slices whose good/total is under timeSliceTarget are bad; idle slices do not count."""
    text = prometheus_version(
        ANCHORS / "openslo" / "timeslices-slo.yaml", timeWindow=[{"duration": "28d"}]
    )
    slo = load_quiet(write(text))[0][1]  # timeSliceTarget 0.99
    # per minute: 100 ok | 50 of 100 ok | 99 of 100 ok | idle | 100 ok
    good, total = "0 100 150 249 249 349", "0 100 200 300 300 400"
    rules = dump({"groups": [{"name": "g", "rules": recording_rules(slo)}]})
    run_tests(
        tmp_path,
        {"r.yml": rules},
        [
            {
                "interval": "1m",
                "input_series": [
                    {"series": 'http_requests_total{code="200"}', "values": good},
                    {
                        "series": 'http_requests_total{code="500"}',
                        "values": " ".join(
                            str(int(t) - int(g))
                            for t, g in zip(total.split(), good.split(), strict=True)
                        ),
                    },
                ],
                "promql_expr_test": [
                    {
                        "expr": close_to(f'slo:sli_error:ratio_rate5m{{slo="{slo.name}"}}', 1 / 4),
                        "eval_time": "5m",
                        "exp_samples": [{"labels": f'{{slo="{slo.name}"}}', "value": 1}],
                    }
                ],
            }
        ],
        name="timeslices",
    )


@pytest.mark.shared
def test_v1alpha_as_sloth_reads_it() -> None:
    path = ANCHORS / "sloth" / "03-openslo-v1alpha" / "in-openslo.yaml"
    (slo,) = load([path])
    raw = yaml.safe_load(path.read_text())
    objective = raw["spec"]["objectives"][0]
    assert (slo.name, slo.objective, slo.period) == ("slo1", 0.999, timedelta(days=30))
    assert isinstance(slo.sli, EventSLI)
    assert slo.sli.params["good"] == objective["ratioMetrics"]["good"]["query"]
    assert slo.sli.total == objective["ratioMetrics"]["total"]["query"]


def test_plain_counter_selectors_and_indicator_refs(write: Write) -> None:
    write(
        """
        apiVersion: openslo/v1
        kind: SLI
        metadata: {name: jobs-ok}
        spec:
          ratioMetric:
            counter: true
            bad:
              metricSource: {type: prometheus, spec: {query: 'quantum_jobs_total{outcome="error"}'}}
            total: {metricSource: {metricSourceRef: prom, spec: {query: quantum_jobs_total}}}
        ---
        apiVersion: openslo/v1
        kind: DataSource
        metadata: {name: prom}
        spec: {type: Prometheus, connectionDetails: {url: http://prometheus:9090}}
        """,
        "sli.yaml",
    )
    path = write(
        """
        apiVersion: openslo/v1
        kind: SLO
        metadata: {name: jobs}
        spec:
          service: quantum
          indicatorRef: jobs-ok
          timeWindow: [{duration: 4w, isRolling: true}]
          budgetingMethod: Occurrences
          objectives: [{targetPercent: 99.5}]
        """,
        "slo.yaml",
    )
    (slo,) = load([path.parent])
    assert slo.objective == 0.995 and slo.period == timedelta(days=28)
    assert isinstance(slo.sli, EventSLI)
    assert slo.sli.bad == 'sum(rate(quantum_jobs_total{outcome="error"}[{{.window}}]))'
    assert slo.sli.total == "sum(rate(quantum_jobs_total[{{.window}}]))"


def test_mistakes(write: Write) -> None:
    path = write("""
        apiVersion: openslo/v1
        kind: SLO
        metadata: {name: a}
        spec:
          indicatorRef: missing
          timeWindow: [{duration: 28d}]
          objectives: [{target: 0.99}]
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata: {name: b}
        spec:
          indicator:
            spec: {thresholdMetric: {metricSource: {type: Prometheus, spec: {query: x}}}}
          timeWindow: [{duration: 28d}]
          budgetingMethod: Weekly
          objectives: [{target: 1.5}]
        ---
        apiVersion: openslo/v1
        kind: SLO
        metadata: {name: c}
        spec:
          indicator:
            spec:
              ratioMetric:
                counter: false
                good: {metricSource: {type: Prometheus, spec: {query: up}}}
                total: {metricSource: {type: Prometheus, spec: {query: 'rate(x[5m])'}}}
          timeWindow: [{duration: 28d}]
          objectives: [{target: 0.99}]
        """)
    p = f"{path}: "
    assert errors(path) == [
        p + "a: spec.indicatorRef: no OpenSLO SLI named 'missing' in the given files",
        p + "b: document[1].spec.budgetingMethod: must be one of Occurrences, Timeslices, "
        "RatioTimeslices, got 'Weekly'",
        p + "b: document[1].spec.indicator.spec.thresholdMetric: thresholdMetric is not "
        "supported: Prometheus counts events, use a ratioMetric of good (or bad) and total",
        p + "b: document[1].spec.objectives[0].target: must be strictly between 0 and 1, got 1.5",
        p + "c: document[2].spec.indicator.spec.ratioMetric.good.metricSource.spec.query: a "
        "gauge (counter: false) query must use the {{.window}} placeholder",
        p + "c: document[2].spec.indicator.spec.ratioMetric.total.metricSource.spec.query: a "
        "gauge (counter: false) query must use the {{.window}} placeholder",
    ]
