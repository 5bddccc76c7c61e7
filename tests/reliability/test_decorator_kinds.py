"""Item 9: ``@qobserve.experiment`` on generators, async generators, classmethods and
staticmethods: a generator's run spans its iteration."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Iterator

import pytest

import qobserve
from qobserve.context import current_run
from qobserve.testing import capture


def test_generator_stays_a_generator_function_and_its_run_spans_the_iteration() -> None:
    seen: list[str | None] = []

    @qobserve.experiment("gen")
    def gen(n: int) -> Iterator[int]:
        for i in range(n):
            run = current_run()
            seen.append(run.experiment if run else None)
            yield i

    assert inspect.isgeneratorfunction(gen)
    with capture() as cap:
        it = gen(3)
        assert cap.spans() == []  # nothing ran yet
        assert next(it) == 0
        assert current_run() is None  # the consumer's code is outside the run
        assert list(it) == [1, 2]
        assert seen == ["gen", "gen", "gen"]
        assert [s.name for s in cap.spans()] == ["experiment gen"]
        assert cap.sample("quantum_experiments_total", experiment="gen", outcome="success") == 1


def test_generator_failing_mid_iteration_is_an_error() -> None:
    @qobserve.experiment("gen-fails")
    def gen() -> Iterator[int]:
        yield 1
        raise ValueError("mid-iteration")

    with capture() as cap:
        it = gen()
        assert next(it) == 1
        with pytest.raises(ValueError, match="mid-iteration"):
            next(it)
        assert cap.sample("quantum_experiments_total", experiment="gen-fails", outcome="error") == 1
        assert (
            cap.sample("quantum_experiments_total", experiment="gen-fails", outcome="success")
            is None
        )


def test_generator_send_throw_and_return_value_pass_through() -> None:
    @qobserve.experiment("gen-send")
    def gen() -> Iterator[int]:
        total = 0
        while True:
            try:
                got = yield total
            except KeyError:
                total = -1
                continue
            if got is None:
                return total
            total += got

    with capture():
        it = gen()
        assert next(it) == 0
        assert it.send(5) == 5
        assert it.throw(KeyError("k")) == -1
        with pytest.raises(StopIteration) as stop:
            it.send(None)
        assert stop.value.value == -1


def test_generator_closed_early_is_not_an_error() -> None:
    @qobserve.experiment("gen-closed")
    def gen() -> Iterator[int]:
        yield from range(10)

    with capture() as cap:
        for i in gen():
            if i == 2:
                break
        assert (
            cap.sample("quantum_experiments_total", experiment="gen-closed", outcome="error")
            is None
        )
        assert len(cap.spans()) == 1


def test_async_generator_stays_one_and_failure_mid_iteration_is_an_error() -> None:
    @qobserve.experiment("agen")
    async def agen() -> AsyncIterator[int]:
        yield 1
        await asyncio.sleep(0)
        raise RuntimeError("async mid-iteration")

    assert inspect.isasyncgenfunction(agen)

    async def consume() -> list[int]:
        out = []
        async for v in agen():
            out.append(v)
        return out

    with capture() as cap:
        with pytest.raises(RuntimeError, match="async mid-iteration"):
            asyncio.run(consume())
        assert cap.sample("quantum_experiments_total", experiment="agen", outcome="error") == 1
        assert [s.name for s in cap.spans()] == ["experiment agen"]


def test_async_generator_completes_as_success() -> None:
    @qobserve.experiment("agen-ok")
    async def agen() -> AsyncIterator[str | None]:
        run = current_run()
        yield run.experiment if run else None

    async def consume() -> list[str | None]:
        return [v async for v in agen()]

    with capture() as cap:
        assert asyncio.run(consume()) == ["agen-ok"]
        assert cap.sample("quantum_experiments_total", experiment="agen-ok", outcome="success") == 1


class _Lab:
    @qobserve.experiment("cm")
    @classmethod
    def calibrate(cls, x: int) -> tuple[str, int]:
        return cls.__name__, x

    @qobserve.experiment("sm")
    @staticmethod
    def measure(x: int) -> int:
        return x * 2


def test_classmethod_and_staticmethod_below_the_decorator() -> None:
    with capture() as cap:
        assert _Lab.calibrate(3) == ("_Lab", 3)
        assert _Lab().calibrate(4) == ("_Lab", 4)
        assert _Lab.measure(5) == 10
        assert cap.sample("quantum_experiments_total", experiment="cm", outcome="success") == 2
        assert cap.sample("quantum_experiments_total", experiment="sm", outcome="success") == 1
