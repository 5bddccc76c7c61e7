"""The HTTP server: content negotiation, health endpoints, scrapes that never poll."""

from __future__ import annotations

import gzip
import time

from qobserve.exporter import serve

from .http_client import get
from .providers import Changing, Stuck

OPENMETRICS = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
    "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)


def test_metrics_negotiates_the_format_and_compression() -> None:
    with serve(provider=Changing(["qpu_a"]), interval=3600) as exporter:
        exporter.poll_now()
        plain = get(exporter.url + "/metrics")
        assert plain.status == 200
        assert plain.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert b'quantum_backend_up{backend="qpu_a"} 1.0' in plain.body
        om = get(exporter.url + "/metrics", headers={"Accept": OPENMETRICS})
        assert om.headers["Content-Type"].startswith("application/openmetrics-text")
        assert om.body.endswith(b"# EOF\n")
        packed = get(
            exporter.url + "/metrics", headers={"Accept": OPENMETRICS, "Accept-Encoding": "gzip"}
        )
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.body) == om.body


def test_health_landing_page_head_and_not_found() -> None:
    with serve(provider=Changing(["qpu_a"]), interval=3600) as exporter:
        assert get(exporter.url + "/healthz").body == b"ok\n"
        landing = get(exporter.url + "/")
        assert landing.status == 200 and b"changing" in landing.body
        assert get(exporter.url + "/nope").status == 404
        exporter.poll_now()
        head = get(exporter.url + "/metrics", method="HEAD")
        full = get(exporter.url + "/metrics")
        assert head.status == 200 and head.body == b""
        assert int(head.headers["Content-Length"]) == len(full.body)


def test_scrapes_answer_at_once_while_a_poll_hangs(stuck: Stuck) -> None:
    with serve(provider=[Changing(["qpu_a"]), stuck], interval=3600, timeout=2.0) as exporter:
        deadline = time.monotonic() + 5
        while not stuck.hanging and time.monotonic() < deadline:
            time.sleep(0.01)
        assert stuck.hanging, "the first poll is under way"
        # Not ready until the first poll has finished; scrapes still answer, fast.
        assert get(exporter.url + "/readyz").status == 503
        start = time.monotonic()
        assert get(exporter.url + "/metrics").status == 200
        assert time.monotonic() - start < 0.5
        while get(exporter.url + "/readyz").status != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert get(exporter.url + "/readyz").status == 200
        body = get(exporter.url + "/metrics").body
        assert b'qobserve_collector_up{backend="stuck_qpu_1",collector="status"} 0.0' in body
        assert b'quantum_backend_up{backend="qpu_a"} 1.0' in body
