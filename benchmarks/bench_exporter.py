"""The exporter over every qiskit-ibm-runtime fake backend.

- A scrape with summaries, rendered afresh (the first scrape after a poll: the payload is
  rebuilt from the poller's samples and encoded, then sent over HTTP): target < 100 ms.
- The same with per-qubit series (``--per-qubit``): target < 1 s.
- A scrape served from the cache (every later scrape until the next poll): reported.
- One poll of all fake backends with warm caches (backends and their calibration files
  loaded): target < 2 s. The cold first poll is reported too.
"""

from __future__ import annotations

import time
import urllib.request
from typing import Any

from benchmarks.harness import Result, per_call_seconds

OPENMETRICS = "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5"


def _scrape(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"Accept": OPENMETRICS})
    with urllib.request.urlopen(request, timeout=30) as resp:
        return bytes(resp.read())


def run() -> list[Result]:
    """Measure and return the exporter's figures."""
    from qobserve.collectors import create_provider
    from qobserve.exporter import serve

    fake = create_provider("fake")
    results = []
    start = time.perf_counter()
    backends = len(fake.backends())
    with serve(provider=fake, interval=3600, timeout=60) as exporter:
        cold = exporter.poll_now()
        cold_s = time.perf_counter() - start
        results.append(
            Result(
                "cold start and first poll, all fake backends",
                cold_s,
                "s",
                "< 30 s",
                cold_s < 30,
                f"{backends} backends, {cold.succeeded} calls",
            )
        )
        warm = per_call_seconds(exporter.poll_now, number=1, repeat=5)
        results.append(
            Result(
                "poll, all fake backends, warm caches",
                warm,
                "s",
                "< 2 s",
                warm < 2.0,
                f"{backends} backends",
            )
        )
    results += _scrapes(fake, per_qubit=False, target=0.1)
    results += _scrapes(fake, per_qubit=True, target=1.0)
    return results


def _scrapes(fake: Any, *, per_qubit: bool, target: float) -> list[Result]:
    """A scrape rendered afresh and one from the cache, over HTTP."""
    from qobserve.exporter import serve

    label = "per-qubit" if per_qubit else "summaries"
    with serve(provider=fake, interval=3600, per_qubit=per_qubit) as exporter:
        exporter.poll_now()
        samples = exporter.poller.samples()
        url = exporter.url + "/metrics"

        def fresh_scrape() -> bytes:
            exporter.cache.publish(samples)  # drops the rendered payload, as a poll does
            return _scrape(url)

        size = len(fresh_scrape())
        seconds = per_call_seconds(fresh_scrape, number=3, repeat=5)
        cached = per_call_seconds(lambda: _scrape(url), number=20, repeat=5)
    return [
        Result(
            f"scrape, all fake backends, {label}, rendered afresh",
            seconds * 1000,
            "ms",
            f"< {target * 1000:g} ms",
            seconds < target,
            f"{len(samples)} samples, {size / 1e6:.2f} MB",
        ),
        Result(
            f"scrape, all fake backends, {label}, from the cache",
            cached * 1000,
            "ms",
            "< 20 ms",
            cached < 0.02,
        ),
    ]
