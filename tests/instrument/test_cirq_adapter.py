"""Cirq sampler calls through the vendor-neutral core, on Cirq's real simulators."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest

import qobserve
from qobserve.testing import Capture, capture
from tests.conftest import require_module
from tests.instrument.conftest import instrumenting


@pytest.fixture
def cirq_instrumented() -> Iterator[Any]:
    require_module("cirq", "cirq")
    from qobserve.instrument.cirq_adapter import CirqInstrumentor

    with instrumenting(CirqInstrumentor()) as instrumentor:
        yield instrumentor


@pytest.fixture
def cap(cirq_instrumented: Any) -> Iterator[Capture]:
    with capture() as captured:
        yield captured


def _ghz(n: int = 3) -> Any:
    import cirq

    q = cirq.LineQubit.range(n)
    return cirq.Circuit(
        cirq.H(q[0]), *(cirq.CNOT(q[i], q[i + 1]) for i in range(n - 1)), cirq.measure(*q, key="m")
    )


def _jobs(cap: Capture, backend: str, backend_type: str, outcome: str = "success",
          error_type: str = "none", experiment: str = "__none__") -> float | None:  # fmt: skip
    return cap.sample(
        "quantum_jobs_total", backend=backend, provider="cirq", backend_type=backend_type,
        experiment=experiment, outcome=outcome, error_type=error_type,
    )  # fmt: skip


def test_run_is_one_job_not_three(cap: Capture) -> None:
    import cirq

    @qobserve.experiment("ghz")
    def run() -> Any:
        return cirq.Simulator(seed=1).run(_ghz(), repetitions=100)  # run calls run_sweep

    result = run()
    assert result.repetitions == 100
    assert _jobs(cap, "cirq_simulator", "simulator", experiment="ghz") == 1
    [event] = cap.job_events()
    assert (event["primitive"], event["shots"], event["num_qubits"], event["depth"]) == (
        "run", 100, 3, 4,  # H, CNOT, CNOT, measure: 4 moments
    )  # fmt: skip


def test_sweeps_count_every_point(cap: Capture) -> None:
    import cirq
    import sympy

    q = cirq.LineQubit(0)
    theta = sympy.Symbol("t")
    circuit = cirq.Circuit(cirq.rx(theta).on(q), cirq.measure(q, key="m"))
    sweep = cirq.Linspace("t", 0, 1, 7)
    results = cirq.Simulator(seed=2).run_sweep(circuit, sweep, repetitions=50)
    assert len(results) == 7
    points = iter([{"t": 0.1}, {"t": 0.2}])  # a one-shot iterator: the SDK still sees both
    assert len(cirq.Simulator(seed=2).run_sweep(circuit, points, repetitions=10)) == 2
    batch = cirq.Simulator(seed=2).run_batch([circuit, circuit], [sweep, {"t": 0.5}], repetitions=5)
    assert [len(b) for b in batch] == [7, 1]
    frame = cirq.Simulator(seed=2).sample(circuit, repetitions=3, params=sweep)
    assert len(frame) == 21
    shots = [(e["primitive"], e["shots"]) for e in cap.job_events()]
    assert shots == [("run_sweep", 350), ("run_sweep", 20), ("run_batch", 40), ("sample", 21)]
    assert cap.sample(
        "quantum_shots_total", backend="cirq_simulator", provider="cirq", backend_type="simulator",
        experiment="__none__",
    ) == 350 + 20 + 40 + 21  # fmt: skip


def test_noisy_density_matrix_is_an_emulator_and_async_is_seen(cap: Capture) -> None:
    import cirq

    noisy = cirq.DensityMatrixSimulator(noise=cirq.depolarize(0.01), seed=3)
    noisy.run(_ghz(2), repetitions=10)
    asyncio.run(cirq.Simulator(seed=3).run_async(_ghz(2), repetitions=4))
    assert _jobs(cap, "cirq_density_matrix_simulator", "emulator") == 1
    assert _jobs(cap, "cirq_simulator", "simulator") == 1


def test_results_are_unchanged_and_errors_are_the_sdks(cirq_instrumented: Any) -> None:
    import cirq

    with capture() as cap:
        observed = cirq.Simulator(seed=7).run(_ghz(), repetitions=64)
        with pytest.raises(ValueError) as err:
            cirq.Simulator().run(cirq.Circuit(cirq.H(cirq.LineQubit(0))), repetitions=-1)
    cirq_instrumented.uninstrument()
    bare = cirq.Simulator(seed=7).run(_ghz(), repetitions=64)
    with pytest.raises(ValueError) as bare_err:
        cirq.Simulator().run(cirq.Circuit(cirq.H(cirq.LineQubit(0))), repetitions=-1)
    cirq_instrumented.instrument()
    assert observed == bare
    assert str(err.value) == str(bare_err.value)
    assert _jobs(cap, "cirq_simulator", "simulator", "error", "invalid_input") == 1


def test_uninstrument_restores_every_sampler(cirq_instrumented: Any) -> None:
    import cirq

    assert cirq_instrumented.patched
    cirq_instrumented.uninstrument()
    assert not hasattr(cirq.Sampler.run, "__wrapped__")
    assert not hasattr(cirq.SimulatesSamples.run_sweep, "__wrapped__")
    cirq_instrumented.instrument()
