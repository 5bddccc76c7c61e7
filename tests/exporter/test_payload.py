"""The cached /metrics payload and its two exposition formats."""

from __future__ import annotations

import gzip
import platform

from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families as parse_text

import qobserve
from qobserve import contract
from qobserve.collectors.base import Sample, sample
from qobserve.exporter.payload import PayloadCache, build_families

OPENMETRICS = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"

SAMPLES: list[Sample] = [
    sample(contract.BACKEND_UP, 1, "fake_kyiv"),
    sample(contract.BACKEND_T1, 2.5e-4, "fake_kyiv", "p50"),
    sample(contract.BACKEND_GATE_ERROR, 0.0071, "fake_kyiv", "ecr", "p90"),
    sample(contract.COLLECTOR_ERRORS_TOTAL, 3, "status", "fake_kyiv"),
    sample(contract.BACKEND_INFO, 1, "fake_kyiv", "fake", "Eagle r3", "1.2.4"),
]


def _values(families: object) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value for f in families for s in f.samples}  # type: ignore[attr-defined]


def test_both_formats_carry_the_same_samples_with_contract_names() -> None:
    cache = PayloadCache()
    cache.publish(SAMPLES)
    text, text_type = cache.render("")
    om, om_type = cache.render(OPENMETRICS)
    assert text_type.startswith("text/plain; version=0.0.4")
    assert om_type.startswith("application/openmetrics-text; version=1.0.0")
    assert om.endswith(b"# EOF\n") and not text.endswith(b"# EOF\n")
    from_text = _values(parse_text(text.decode()))
    assert from_text == _values(parse_om(om.decode()))
    assert (
        from_text[
            ("qobserve_collector_errors_total", (("backend", "fake_kyiv"), ("collector", "status")))
        ]
        == 3
    )
    assert (
        from_text[
            (
                "quantum_backend_gate_error_ratio",
                (("backend", "fake_kyiv"), ("gate", "ecr"), ("stat", "p90")),
            )
        ]
        == 0.0071
    )
    assert b"# HELP quantum_backend_up " + contract.BACKEND_UP.help.encode() in text


def test_payload_is_rendered_once_per_publish() -> None:
    cache = PayloadCache()
    cache.publish(SAMPLES)
    first, _ = cache.render("")
    assert cache.render("")[0] is first
    cache.publish(SAMPLES[:1])
    second, _ = cache.render("")
    assert second is not first and b"quantum_backend_t1_seconds" not in second


def test_gzip_body_is_the_plain_body_compressed() -> None:
    cache = PayloadCache()
    cache.publish(SAMPLES)
    plain, _ = cache.render(OPENMETRICS)
    packed, _ = cache.render(OPENMETRICS, gzipped=True)
    assert gzip.decompress(packed) == plain


def test_families_follow_the_contract_order_and_skip_empty_ones() -> None:
    names = [f.name for f in build_families(reversed(SAMPLES))]
    order = [m.base_name for m in contract.EXPORTER_METRICS]
    assert names == sorted(names, key=order.index)
    assert "quantum_backend_pending_jobs" not in names


def test_a_repeated_series_keeps_its_first_value() -> None:
    families = build_families(
        [sample(contract.BACKEND_UP, 1, "a"), sample(contract.BACKEND_UP, 0, "a")]
    )
    assert [(s.labels, s.value) for s in families[0].samples] == [({"backend": "a"}, 1.0)]


def test_the_exporter_registry_is_not_the_process_default() -> None:
    from prometheus_client import REGISTRY, generate_latest

    cache = PayloadCache()
    cache.publish(SAMPLES)
    assert cache.registry is not REGISTRY

    def contract_lines(body: bytes) -> list[bytes]:  # process_* values move between renders
        return [line for line in body.splitlines() if b"quantum_" in line]

    assert contract_lines(generate_latest(cache.registry)) == contract_lines(cache.render("")[0])
    assert b"quantum_backend_up{" not in generate_latest(REGISTRY)
    assert b"qobserve_exporter_build_info" not in generate_latest(REGISTRY)


def test_the_exporter_serves_its_build_info_and_process_metrics() -> None:
    cache = PayloadCache()
    cache.publish(())  # before the first poll: the exporter itself is already described
    body = cache.render("")[0].decode()
    (info,) = (f for f in parse_text(body) if f.name == "qobserve_exporter_build_info")
    assert [(s.labels, s.value) for s in info.samples] == [
        ({"version": qobserve.__version__, "python_version": platform.python_version()}, 1.0)
    ]
    for name in ("process_cpu_seconds_total", "process_resident_memory_bytes", "python_info"):
        assert f"\n{name}" in body, name


def test_a_format_once_scraped_is_rendered_by_publish_not_by_the_next_scrape() -> None:
    cache = PayloadCache()
    collected = 0
    families = cache._collector.collect

    def counting() -> object:
        nonlocal collected
        collected += 1
        return families()

    cache._collector.collect = counting  # type: ignore[method-assign]
    cache.publish(SAMPLES)
    assert collected == 0  # nobody asked for a format yet: nothing rendered ahead
    cache.render(OPENMETRICS, gzipped=True)
    assert collected == 1
    cache.publish(SAMPLES[:1])
    assert collected == 2  # rendered in publish (the poller's thread) ...
    packed, content_type = cache.render(OPENMETRICS, gzipped=True)
    assert collected == 2  # ... so the scrape only copies bytes
    assert content_type.startswith("application/openmetrics-text")
    assert b"quantum_backend_t1_seconds" not in gzip.decompress(packed)


def test_a_scrape_never_waits_for_a_publish_that_is_rendering() -> None:
    import threading

    cache = PayloadCache()
    cache.publish(SAMPLES)
    old, _ = cache.render("")  # the text format is now rendered at every publish
    release, rendering = threading.Event(), threading.Event()

    class Slow:
        """A collector that holds the next render until released (a huge payload)."""

        blocking = False

        def collect(self) -> list[object]:
            if self.blocking:
                rendering.set()
                release.wait(30)
            return []

    slow = Slow()
    cache.registry.register(slow)  # type: ignore[arg-type]
    slow.blocking = True
    publisher = threading.Thread(target=cache.publish, args=(SAMPLES[:1],))
    publisher.start()
    assert rendering.wait(30)
    got: list[bytes] = []
    scrape = threading.Thread(target=lambda: got.append(cache.render("")[0]))
    scrape.start()
    scrape.join(10)
    try:
        assert not scrape.is_alive(), "the scrape waited for the render"
        assert got == [old]  # the previous poll's bytes, until the new ones are ready
    finally:
        release.set()
        publisher.join(30)
        scrape.join(30)
    slow.blocking = False
    assert b"quantum_backend_t1_seconds" not in cache.render("")[0]
