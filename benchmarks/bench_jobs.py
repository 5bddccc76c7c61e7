"""Cost of instrumentation on tiny jobs and of context propagation to worker threads.

- A 2-qubit Bell job on ``AerSimulator.run`` (100 shots, ``result()`` included), instrumented
  vs bare, interleaved rounds in one process; target ratio <= 1.10. Sweeps of tiny jobs are
  where per-job overhead shows.
- Context propagation per executor submission: what ``ThreadPoolExecutor.submit`` adds inside
  an experiment run (the snapshot at submission, and setting and restoring it around the
  callable in the worker), against calling the callable directly; target < 2 us.
"""

from __future__ import annotations

import statistics
import warnings

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
    ratios, bare, instrumented = [], [], []
    for _ in range(9):
        b = per_call_seconds(job, number=200, repeat=1)
        instrumentor.instrument(transpiler=False)
        try:
            i = per_call_seconds(job, number=200, repeat=1)
        finally:
            instrumentor.uninstrument()
        ratios.append(i / b)
        bare.append(b)
        instrumented.append(i)
    tel.flush()
    tel.shutdown()
    ratio = statistics.median(ratios)
    return Result(
        "Bell job on AerSimulator.run, instrumented / bare",
        ratio,
        "x",
        "<= 1.10",
        ratio <= 1.10,
        f"({statistics.median(instrumented) * 1e6:.0f} us vs "
        f"{statistics.median(bare) * 1e6:.0f} us per job)",
    )


def _propagation_cost() -> Result:
    from qobserve.context import _RUN, RunContext
    from qobserve.instrument.propagation import carried, snapshot

    def noop() -> None:
        return None

    def submission() -> None:  # what the patched submit and the worker add to one callable
        snap = snapshot()
        if snap is not None:
            carried(snap, noop)()

    token = _RUN.set(RunContext("bench", "bench-1"))
    try:
        added = []
        for _ in range(7):
            plain = per_call_seconds(noop, number=20_000, repeat=3)
            carry = per_call_seconds(submission, number=20_000, repeat=3)
            added.append(carry - plain)
    finally:
        _RUN.reset(token)
    cost = statistics.median(added)
    return Result(
        "context propagation per executor submission",
        cost * 1e6,
        "us",
        "< 2",
        cost < 2e-6,
        "(snapshot at submit, set and restore around the callable)",
    )


def run() -> list[Result]:
    return [_bell_ratio(), _propagation_cost()]
