"""Shared pieces of the benchmarks: timing loops and the result row every benchmark returns.

Each ``benchmarks/bench_*.py`` module defines ``run() -> list[Result]``; ``python -m benchmarks``
runs them all (or the ones named on the command line) and prints one table.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Result:
    """One measured figure and the target it is held to."""

    name: str
    value: float
    unit: str
    target: str
    ok: bool
    detail: str = ""


def per_call_seconds(fn: Callable[[], object], *, number: int, repeat: int = 5) -> float:
    """Best-of-``repeat`` seconds per call of ``fn`` over ``number`` calls (noise only adds)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def interleaved_ratio(
    candidate: Callable[[], object], baseline: Callable[[], object], *, number: int, rounds: int = 7
) -> tuple[float, float, float]:
    """Median ratio candidate/baseline over ``rounds`` alternating runs, so drift in machine
    load hits both alike. Returns (ratio, candidate s/call, baseline s/call)."""
    ratios, cands, bases = [], [], []
    for _ in range(rounds):
        b = per_call_seconds(baseline, number=number, repeat=1)
        c = per_call_seconds(candidate, number=number, repeat=1)
        ratios.append(c / b)
        cands.append(c)
        bases.append(b)
    mid = rounds // 2
    return sorted(ratios)[mid], sorted(cands)[mid], sorted(bases)[mid]


def telemetry() -> Any:
    """The process's telemetry for a benchmark: an SDK tracer (no exporter), a fresh
    registry, a temporary store; as in bench_core."""
    from opentelemetry.sdk.trace import TracerProvider
    from prometheus_client import CollectorRegistry

    from qobserve.config import Config
    from qobserve.telemetry import Telemetry, _install

    tel = Telemetry(
        Config(tracing="none", store_path=f"{tempfile.mkdtemp()}/events.db"),
        registry=CollectorRegistry(),
    )
    tel.tracer = TracerProvider().get_tracer("bench")
    _install(tel)
    return tel


def best_batch(fn: Callable[[], Any], batches: int = 300, size: int = 20) -> float:
    """Seconds per call of ``fn``: the fastest of ``batches`` batches of ``size`` calls.

    Small batches, and the best of many, because the machine is shared: load and garbage
    collection only ever add time. Jobs a batch returns are finished after it, off the clock
    (a program holds a few jobs in flight, not thousands)."""
    best = float("inf")
    for _ in range(batches):
        out = []
        start = time.perf_counter()
        for _ in range(size):
            out.append(fn())
        best = min(best, (time.perf_counter() - start) / size)
        for item in out:
            finish = getattr(item, "result", None)
            if finish is not None:
                finish()
    return best
