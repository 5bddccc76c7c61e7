"""Cost of instrumentation on tiny jobs and of context propagation to worker threads.

- A 2-qubit Bell job on ``AerSimulator.run`` (100 shots, ``result()`` included), instrumented
  vs bare: the best of 60 interleaved batches of 20 jobs each side, in one process (load on a
  shared machine only ever adds time, and a job is two threads handing work over); target
  ratio <= 1.10. Sweeps of tiny jobs are where per-job overhead shows.
- Context propagation per executor submission: what the patched ``ThreadPoolExecutor.submit``
  adds inside an experiment run (the snapshot at submission, and setting and restoring it
  around the callable in the worker), against the same submit unpatched, over an executor that
  runs the callable at once (a real pool's thread hand-off is noise far larger than the
  figure); target < 2 us.
"""

from __future__ import annotations

import statistics
import warnings
from typing import Any

from benchmarks.harness import Result, per_call_seconds, telemetry

warnings.filterwarnings("ignore", "The (Sampler|Estimator)V2 class is deprecated")


def _bell_ratio() -> Result:
    from qiskit import QuantumCircuit
    from qiskit_aer import AerSimulator

    from qobserve.instrument import QiskitInstrumentor

    tel = telemetry()
    aer = AerSimulator()
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()

    def job() -> None:
        aer.run(bell, shots=100).result()

    for _ in range(50):  # Aer's one-time set-up
        job()
    instrumentor = QiskitInstrumentor()
    bare, instrumented = [], []
    for _ in range(60):  # short interleaved batches: the best of each side is the least disturbed
        bare.append(per_call_seconds(job, number=20, repeat=1))
        instrumentor.instrument(transpiler=False)
        try:
            instrumented.append(per_call_seconds(job, number=20, repeat=1))
        finally:
            instrumentor.uninstrument()
    tel.flush()
    tel.shutdown()
    b, i = min(bare), min(instrumented)
    ratio = i / b
    return Result(
        "Bell job on AerSimulator.run, instrumented / bare",
        ratio,
        "x",
        "<= 1.10",
        ratio <= 1.10,
        f"({i * 1e6:.0f} us vs {b * 1e6:.0f} us per job, best of 60 interleaved batches of 20)",
    )


def _propagation_cost() -> Result:
    from qobserve.context import _RUN, RunContext
    from qobserve.instrument.propagation import _wrap_submit

    def noop() -> None:
        return None

    def executor_submit(_self: object, fn: Any) -> Any:  # an executor that runs at once
        return fn()

    patched = _wrap_submit(executor_submit)  # the patched ThreadPoolExecutor.submit

    def plain() -> None:
        executor_submit(None, noop)

    def carried() -> None:
        patched(None, noop)

    token = _RUN.set(RunContext("bench", "bench-1"))
    try:
        added = []
        for _ in range(7):
            base = per_call_seconds(plain, number=20_000, repeat=3)
            carry = per_call_seconds(carried, number=20_000, repeat=3)
            added.append(carry - base)
    finally:
        _RUN.reset(token)
    cost = statistics.median(added)
    return Result(
        "context propagation per executor submission",
        cost * 1e6,
        "us",
        "< 2",
        cost < 2e-6,
        "(the patched submit: snapshot, then set and restore around the callable)",
    )


def run() -> list[Result]:
    return [_bell_ratio(), _propagation_cost()]
