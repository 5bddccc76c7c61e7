"""Qiskit instrumentation overhead.

- Per job, on a FakeManilaV2 Sampler job (local testing mode, 1024 shots of a Bell circuit):
  the time qobserve adds per job divided by the job's own time (median uninstrumented
  submit-to-result). Target < 1 %. What qobserve adds is measured exactly rather than as the
  difference of two noisy job timings: a stub Sampler that returns, at once, the real job's
  result for the same circuits and backend runs the complete instrumented lifecycle (submit
  span, job hooks, outcome, fingerprint, depth, job span, metrics, event), and the stub's
  uninstrumented time is subtracted. The A/B difference of real jobs is shown for reference.
- Per call on that no-op submit stub: the overhead instrumentation adds to ``run()`` against
  the overhead ``@qobserve.experiment`` adds to a trivial function, same process, same OTel SDK
  tracer, same registry and store, interleaved rounds. Target ratio <= 1.2. The job's outcome
  is recorded later (``result()``, a worker thread) and is timed in the per-job figure.
"""

from __future__ import annotations

import itertools
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from benchmarks.harness import Result, best_batch, telemetry

warnings.filterwarnings("ignore", "The (Sampler|Estimator)V2 class is deprecated")


class _StubJob:
    """A finished job: what a no-op submission returns."""

    _ids = itertools.count()

    def __init__(self, result: Any) -> None:
        self._job_id = f"stub-{next(self._ids)}"
        self._result = result

    def job_id(self) -> str:
        return self._job_id

    def result(self) -> Any:
        return self._result

    def status(self) -> str:
        return "DONE"

    def cancel(self) -> bool:
        return False


class _StubSampler:
    """Sampler-shaped: ``run(pubs, shots=...)`` returns a finished job immediately."""

    def __init__(self, backend: Any, result: Any) -> None:
        self._backend = backend
        self._result = result

    def run(self, pubs: Any, *, shots: int | None = None) -> _StubJob:  # noqa: ARG002 - BackendV2.run's signature
        return _StubJob(self._result)


def run() -> list[Result]:
    """Per-job and per-call overhead of the Qiskit instrumentation."""
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    import qobserve
    from qobserve.instrument import QiskitInstrumentor
    from qobserve.instrument.patching import Patcher
    from qobserve.instrument.primitives import PRIMITIVE_TARGETS
    from qobserve.instrument.submit import wrap_submit

    tel = telemetry()
    backend = FakeManilaV2()
    bell = QuantumCircuit(2)
    bell.h(0)
    bell.cx(0, 1)
    bell.measure_all()
    isa = generate_preset_pass_manager(optimization_level=1, backend=backend).run(bell)
    pubs, shots = [isa], 1024

    def real_job() -> float:
        start = time.perf_counter()
        SamplerV2(mode=backend).run(pubs, shots=shots).result()
        return time.perf_counter() - start

    real_job()  # builds the noise model once
    plain_real = [real_job() for _ in range(5)]

    result = SamplerV2(mode=backend).run(pubs, shots=shots).result()
    plain_stub = _StubSampler(backend, result)
    stub_cls = type("InstrumentedStub", (_StubSampler,), {})
    patcher = Patcher()
    sampler_describe = next(t for t in PRIMITIVE_TARGETS if t.cls == "SamplerV2").describe
    patcher.patch(stub_cls, "run", wrap_submit(sampler_describe))
    stub = stub_cls(backend, result)

    def lifecycle(sampler: Any) -> Callable[[], Any]:
        return lambda: sampler.run(pubs, shots=shots).result()

    per_job = best_batch(lifecycle(stub)) - best_batch(lifecycle(plain_stub))
    job_time = statistics.median(plain_real)

    # A/B of real jobs, interleaved so that load drift hits both alike
    instrumentor = QiskitInstrumentor()
    instrumented_real = []
    for _ in range(9):
        plain_real.append(real_job())
        instrumentor.instrument(transpiler=False)
        try:
            instrumented_real.append(real_job())
        finally:
            instrumentor.uninstrument()
    ab = statistics.median(instrumented_real) - statistics.median(plain_real)
    q1, _, q3 = statistics.quantiles(plain_real, n=4)

    @qobserve.experiment("bench")
    def decorated() -> int:
        return 1

    def trivial() -> int:
        return 1

    submit_ratios, submit_over, decorator_over = [], [], []
    for _ in range(5):
        dec = best_batch(decorated) - best_batch(trivial)
        sub = best_batch(lambda: stub.run(pubs, shots=shots)) - best_batch(
            lambda: plain_stub.run(pubs, shots=shots)
        )
        submit_ratios.append(sub / dec)
        submit_over.append(sub)
        decorator_over.append(dec)
    patcher.restore()
    tel.shutdown()

    ratio = statistics.median(submit_ratios)
    share = per_job / job_time
    return [
        Result(
            "instrumentation per FakeManilaV2 Sampler job",
            share * 100,
            "%",
            "< 1",
            share < 0.01,
            f"({per_job * 1e6:.0f} us of a {job_time * 1e3:.0f} ms job; A/B of real jobs "
            f"{ab * 1e3:+.1f} ms, interquartile range of plain jobs {(q3 - q1) * 1e3:.0f} ms)",
        ),
        Result(
            "submit overhead vs @experiment overhead",
            ratio,
            "x",
            "<= 1.2",
            ratio <= 1.2,
            f"({statistics.median(submit_over) * 1e6:.1f} us vs "
            f"{statistics.median(decorator_over) * 1e6:.1f} us per call)",
        ),
    ]
