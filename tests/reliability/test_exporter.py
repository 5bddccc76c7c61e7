"""The exporter serves what it can: hostile provider values, slow clients, many scrapers.

Every test runs a real exporter (in this process, or the ``qobserve exporter`` command) and
talks to it over HTTP on 127.0.0.1.
"""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from qobserve.exporter import serve
from tests.exporter.http_client import get
from tests.exporter.providers import Changing, Hostile, NotAList, Unprintable

OPENMETRICS = "application/openmetrics-text; version=1.0.0"

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(url: str) -> Series:
    response = get(url + "/metrics")
    assert response.status == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.body.decode())
        for s in family.samples
    }


def _value(series: Series, name: str, **labels: str) -> float | None:
    return series.get((name, frozenset(labels.items())))


def _errors(series: Series, collector: str, backend: str) -> float:
    found = _value(series, "qobserve_collector_errors_total", collector=collector, backend=backend)
    return found or 0.0


def test_bad_provider_values_are_dropped_and_counted_and_the_rest_is_served() -> None:
    providers = [Changing(["qpu_a"]), Hostile(), NotAList(), Unprintable()]
    with serve(provider=providers, interval=3600) as exporter:
        exporter.poll_now()
        first = _scrape(exporter.url)
        assert get(exporter.url + "/metrics", headers={"Accept": OPENMETRICS}).status == 200
        exporter.poll_now()
        second = _scrape(exporter.url)

    # the healthy provider is served in full
    assert _value(first, "quantum_backend_up", backend="qpu_a") == 1.0
    assert _value(first, "quantum_backend_t1_seconds", backend="qpu_a", quantile="0.5")
    assert _value(first, "quantum_usage_consumed_seconds", instance="crn:test-instance") == 1234
    # ...and so is every valid value of the hostile one
    assert _value(first, "quantum_backend_up", backend="hostile_none") == 1.0
    assert _value(first, "quantum_backend_pending_jobs", backend="hostile_ok") == 4.0
    assert _value(first, "quantum_backend_qubits", backend="hostile_ok") == 2.0
    assert _value(first, "quantum_backend_t2_seconds", backend="hostile_ok", quantile="0.9")
    assert _value(first, "quantum_backend_gate_error_ratio", backend="hostile_ok", gate="cz",
                  quantile="0.5") == 0.003  # fmt: skip
    assert _value(first, "quantum_usage_limit_seconds", instance="crn:hostile") == 10.0

    labels = {value for _, pairs in first for _, value in pairs}
    assert "12345" not in labels and "7" not in labels and "None" not in labels
    assert _value(first, "quantum_backend_pending_jobs", backend="hostile_none") is None
    assert _value(first, "quantum_backend_t1_seconds", backend="hostile_ok", quantile="0.5") is None

    # each dropped value is an error of its collector, and again at every poll
    delta = {
        ("discovery", "hostile"): 1,  # the backend named 12345
        ("info", "hostile_none"): 1,  # processor_type=None
        ("status", "hostile_none"): 1,  # an infinite queue
        ("calibration", "hostile_ok"): 6,  # T1 with a text value, gate 7: 3 quantiles each
        ("usage", "hostile"): 1,  # instance=None
    }
    for (collector, backend), dropped in delta.items():
        assert _errors(first, collector, backend) >= dropped
        assert _errors(second, collector, backend) - _errors(first, collector, backend) == dropped
        # the call itself went fine: the collector is up
        assert _value(second, "qobserve_collector_up", collector=collector, backend=backend) == 1
    assert _errors(second, "status", "hostile_ok") == 0

    # backends() returning 42: that provider's discovery is down, nobody else's
    assert _value(second, "qobserve_collector_up", collector="discovery", backend="notalist") == 0
    assert _errors(second, "discovery", "notalist") >= 1
    assert _value(second, "qobserve_collector_up", collector="discovery", backend="changing") == 1
    # an error that cannot even be printed is a failed call, not a failed poll
    assert (
        _value(second, "qobserve_collector_up", collector="status", backend="unprintable_qpu") == 0
    )
