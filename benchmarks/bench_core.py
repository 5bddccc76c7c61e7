"""Telemetry core: ``@experiment`` overhead and event store ingest.

- ``@experiment`` on a trivial function vs the minimal hand-written equivalent (one OTel SDK
  span + the same counter and histogram observations with the same labels), same process,
  same tracer provider: target ratio <= 1.15.
- ``@experiment`` with tracing disabled: target <= 5 us per call.
- Event store ingest of job events through the background writer: target >= 50,000 events/s
  sustained, with peak memory bounded by the queue size (measured in a child process).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Result, interleaved_ratio, per_call_seconds


def _overhead() -> list[Result]:
    from opentelemetry.sdk.trace import TracerProvider
    from prometheus_client import CollectorRegistry, Counter, Histogram

    import qobserve
    from qobserve import contract
    from qobserve.config import Config
    from qobserve.telemetry import Telemetry, _install

    tracer = TracerProvider().get_tracer("bench")
    tmp = tempfile.mkdtemp()
    tel = Telemetry(
        Config(
            tracing="none", store_path=os.environ.get("QO_BENCH_STORE", f"{tmp}/events.db") or None
        ),
        registry=CollectorRegistry(),
    )
    tel.tracer = tracer
    _install(tel)

    @qobserve.experiment("bench")
    def decorated() -> int:
        return 1

    registry = CollectorRegistry()
    counter = Counter(
        contract.EXPERIMENTS_TOTAL.base_name, "h", ("experiment", "outcome"), registry=registry
    )
    hist = Histogram(
        contract.EXPERIMENT_DURATION.name,
        "h",
        ("experiment",),
        registry=registry,
        buckets=contract.DURATION_BUCKETS,
    )

    def by_hand() -> int:
        start = time.perf_counter()
        with tracer.start_as_current_span("experiment bench"):
            result = 1
        counter.labels("bench", "success").inc()
        hist.labels("bench").observe(time.perf_counter() - start)
        return result

    ratio, cand, base = interleaved_ratio(decorated, by_hand, number=20_000)
    tel.tracer = None
    disabled = per_call_seconds(decorated, number=50_000)
    tel.shutdown()
    return [
        Result(
            "experiment overhead vs hand-written span+metrics",
            ratio,
            "x",
            "<= 1.15",
            ratio <= 1.15,
            f"({cand * 1e6:.2f} us vs {base * 1e6:.2f} us per call)",
        ),
        Result(
            "experiment per call, tracing disabled",
            disabled * 1e6,
            "us",
            "<= 5",
            disabled * 1e6 <= 5,
        ),
    ]


_INGEST_CHILD = r"""
import json, sys, time
from qobserve.events import JobEvent
from qobserve.store import EventStore
n, path = int(sys.argv[1]), sys.argv[2]
store = EventStore(path, max_queue=100_000)
events = [JobEvent(job_id=f"j{i}", experiment="bench", run_id="r", backend="fake_manila",
                   backend_type="emulator", primitive="sampler", outcome="success",
                   submitted_at=1.7e9 + i, finished_at=1.7e9 + i + 1, duration_seconds=1.0,
                   shots=1024) for i in range(10_000)]
def rss_kib():  # current, not peak: ru_maxrss would hide growth below the start-up peak
    with open("/proc/self/status") as fh:
        return next(int(l.split()[1]) for l in fh if l.startswith("VmRSS:"))
rss0 = peak = rss_kib()
start = time.perf_counter()
added = 0
while added < n:
    for e in events:
        store.add_job(e)
    added += len(events)
    peak = max(peak, rss_kib())
    while len(store._queue) > 50_000:  # a steady producer: the queue must not overflow
        time.sleep(0.001)
store.flush(120)
elapsed = time.perf_counter() - start
peak = max(peak, rss_kib())
rows = store.query("SELECT count(*) FROM job_events")[0][0]
print(json.dumps({"elapsed": elapsed, "rows": rows, "dropped": store.dropped,
                  "rss_growth_mib": (peak - rss0) / 1024}))
"""


def _ingest(n: int = 1_000_000) -> list[Result]:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", _INGEST_CHILD, str(n), str(Path(tmp) / "events.db")],
            capture_output=True,
            text=True,
            check=True,
        )
    figures = json.loads(out.stdout)
    rate = figures["rows"] / figures["elapsed"]
    complete = figures["rows"] == n and figures["dropped"] == 0
    return [
        Result(
            "event store ingest",
            rate,
            "events/s",
            ">= 50000",
            rate >= 50_000 and complete,
            f"({figures['rows']} rows, {figures['dropped']} dropped)",
        ),
        Result(
            "event store memory growth over 1M events",
            figures["rss_growth_mib"],
            "MiB",
            "bounded (< 256)",
            figures["rss_growth_mib"] < 256,
        ),
    ]


def run() -> list[Result]:
    """All core benchmarks."""
    return _overhead() + _ingest()
