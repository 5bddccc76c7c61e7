"""Shared pieces of the benchmarks: timing loops and the result row every benchmark returns.

Each ``benchmarks/bench_*.py`` module defines ``run() -> list[Result]``; ``python -m benchmarks``
runs them all (or the ones named on the command line) and prints one table.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


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
