"""@qobserve.experiment: transparent wrapping, outcomes, run context, spans and metrics."""

from __future__ import annotations

import asyncio
import inspect
import traceback

import pytest
from hypothesis import given
from hypothesis import strategies as st

import qobserve
from qobserve.context import current_run
from qobserve.testing import capture

anything = st.one_of(
    st.none(),
    st.integers(),
    st.text(),
    st.lists(st.integers()),
    st.dictionaries(st.text(), st.integers()),
    st.binary(),
)
exceptions = st.sampled_from([ValueError, KeyError, RuntimeError, TimeoutError, OSError])


@given(value=anything)
def test_returns_the_very_same_object(value: object) -> None:
    @qobserve.experiment("same")
    def fn() -> object:
        return value

    with capture(store_path=None, tracing="none"):
        assert fn() is value


@given(exc_type=exceptions, message=st.text())
def test_raises_the_very_same_exception_with_its_traceback(
    exc_type: type[Exception], message: str
) -> None:
    raised = exc_type(message)

    def inner() -> None:
        raise raised

    @qobserve.experiment("raises")
    def fn() -> None:
        inner()

    with capture(store_path=None, tracing="none"), pytest.raises(exc_type) as info:
        fn()
    assert info.value is raised
    frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert frames[-2:] == ["fn", "inner"]  # the user's frames are intact, innermost last


def test_signature_name_doc_and_wrapped_are_preserved() -> None:
    def original(a: int, b: str = "x", *, c: float = 1.0) -> str:
        """Doc."""
        return f"{a}{b}{c}"

    wrapped = qobserve.experiment("sig")(original)
    assert inspect.signature(wrapped) == inspect.signature(original)
    assert wrapped.__name__ == "original" and wrapped.__doc__ == "Doc."
    assert wrapped.__wrapped__ is original  # type: ignore[attr-defined]


def test_async_function_stays_a_coroutine_function_and_is_measured() -> None:
    @qobserve.experiment("async-exp")
    async def fn(x: int) -> int:
        await asyncio.sleep(0)
        assert current_run() is not None
        return x + 1

    assert inspect.iscoroutinefunction(fn)
    with capture() as cap:
        assert asyncio.run(fn(1)) == 2
    assert cap.sample("quantum_experiments_total", experiment="async-exp", outcome="success") == 1
    assert [s.name for s in cap.spans()] == ["experiment async-exp"]


def test_outcomes_success_error_invalid_cancelled() -> None:
    @qobserve.experiment("ok")
    def ok() -> int:
        return 3

    @qobserve.experiment("bad", validate=lambda r: r > 10)
    def invalid() -> int:
        return 3

    @qobserve.experiment("crashy-validator", validate=lambda r: r["missing"])
    def validator_raises() -> dict[str, int]:
        return {}

    @qobserve.experiment("err")
    def err() -> None:
        raise TimeoutError("backend did not answer")

    @qobserve.experiment("cancel")
    async def cancelled() -> None:
        raise asyncio.CancelledError()

    with capture() as cap:
        assert ok() == 3
        assert invalid() == 3  # an invalid result is still returned to the caller
        assert validator_raises() == {}
        with pytest.raises(TimeoutError):
            err()
        with pytest.raises(asyncio.CancelledError):
            asyncio.run(cancelled())
        runs = {r["experiment"]: r for r in cap.experiment_runs()}
    expected = {
        "ok": ("success", "none"),
        "bad": ("invalid", "invalid_result"),
        "crashy-validator": ("invalid", "invalid_result"),
        "err": ("error", "timeout"),
        "cancel": ("cancelled", "cancelled"),
    }
    for name, (outcome, error_type) in expected.items():
        assert cap.sample("quantum_experiments_total", experiment=name, outcome=outcome) == 1
        assert (runs[name]["outcome"], runs[name]["error_type"]) == (outcome, error_type)
    spans = {s.name: s for s in cap.spans()}
    failed = spans["experiment err"]
    assert failed.status.status_code.name == "ERROR"
    assert failed.attributes["error.type"] == "timeout"
    assert spans["experiment ok"].status.status_code.name == "UNSET"


def test_duration_histogram_and_trace_id_exemplar() -> None:
    @qobserve.experiment("timed")
    def fn() -> None:
        pass

    with capture() as cap:
        fn()
        span = cap.spans()[0]
        trace_id = format(span.context.trace_id, "032x")
        assert cap.sample("quantum_experiment_duration_seconds_count", experiment="timed") == 1
        assert cap.experiment_runs()[0]["trace_id"] == trace_id
        from prometheus_client.openmetrics.exposition import generate_latest

        text = generate_latest(cap.registry).decode()
    assert f'trace_id="{trace_id}"' in text  # the latency bucket links to the trace


def test_jobs_inherit_the_run_id_of_the_enclosing_experiment() -> None:
    seen: list[str] = []

    @qobserve.experiment("inner")
    def inner() -> None:
        run = current_run()
        assert run is not None
        seen.append(run.run_id)

    @qobserve.experiment("outer")
    def outer() -> None:
        run = current_run()
        assert run is not None and run.experiment == "outer"
        inner()
        assert current_run() == run  # restored after the nested run
        seen.append(run.run_id)

    with capture() as cap:
        outer()
        outer()
        runs = cap.experiment_runs()
    assert current_run() is None
    assert len(set(seen)) == 4  # every run has its own id
    assert {r["run_id"] for r in runs} == set(seen)
    # the inner span is a child of the outer span
    spans = {s.name: s for s in cap.spans()[:2]}
    assert spans["experiment inner"].parent.span_id == spans["experiment outer"].context.span_id


def test_experiment_label_cardinality_is_capped() -> None:
    with capture(max_label_values=3) as cap:
        for i in range(5):
            qobserve.experiment(f"exp-{i}")(lambda: None)()
    assert cap.sample("quantum_experiments_total", experiment="exp-2", outcome="success") == 1
    assert cap.sample("quantum_experiments_total", experiment="__other__", outcome="success") == 2
    assert cap.sample("qobserve_label_overflow_total", label="experiment") == 2


def test_empty_name_is_a_usage_error() -> None:
    with pytest.raises(TypeError):
        qobserve.experiment("")
