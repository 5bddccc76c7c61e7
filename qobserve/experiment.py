"""``@qobserve.experiment``: one span, one run record and the experiment SLI metrics per call.

The wrapper returns exactly what the function returns and raises exactly what it raises;
telemetry that fails is counted and skipped. Jobs submitted inside a run inherit its name and
``run_id`` through a context variable.

Example::

    @qobserve.experiment("bell-state", validate=lambda counts: counts.get("00", 0) > 400)
    def bell(shots: int = 1024) -> dict[str, int]:
        ...
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import AsyncGenerator, Callable, Generator
from typing import Any, TypeVar, cast

from opentelemetry import context as otel_context
from opentelemetry import trace

from qobserve import contract
from qobserve.context import _RUN, RunContext, new_run_id
from qobserve.errors import InvalidResultError, classify, describe
from qobserve.events import ExperimentRun
from qobserve.telemetry import Telemetry, get_telemetry
from qobserve.tracing import mark_span_failed, trace_ids

F = TypeVar("F", bound=Callable[..., Any])
Validator = Callable[[Any], bool]


class _Run:
    """State of one run between start and finish (slots: it is created per call)."""

    __slots__ = ("name", "run_id", "span", "start", "tel", "tokens", "wall")

    def __init__(self, tel: Telemetry, name: str) -> None:
        self.tel = tel
        self.name = name
        self.run_id = new_run_id()
        self.span: Any = None
        self.tokens: Any = None
        tracer = tel.tracer
        if tracer is not None:
            # one attribute, set after start: passing attributes= to start_span costs 2.4 us
            # against 0.8 us; the run id is linked the other way (the stored run has the trace id)
            self.span = span = tracer.start_span(f"experiment {name}")
            span.set_attribute("quantum.experiment.name", name)
        self.wall = time.time()
        self.start = time.perf_counter()

    def enter(self) -> None:
        """Make this run (and its span) current in the calling context."""
        otel_token = None
        if self.span is not None:
            otel_token = otel_context.attach(trace.set_span_in_context(self.span))
        self.tokens = (_RUN.set(RunContext(self.name, self.run_id)), otel_token)

    def leave(self) -> None:
        """Undo :meth:`enter`; never raises, safe to call when not entered."""
        tokens, self.tokens = self.tokens, None
        if tokens is None:
            return
        try:
            _RUN.reset(tokens[0])
        except Exception as exc:  # e.g. a token made in another context
            self.tel.internal_error("experiment", exc)
        if tokens[1] is not None:
            otel_context.detach(tokens[1])  # logs, never raises

    def finish(self, exc: BaseException | None, result: Any, validate: Validator | None) -> None:
        """Leave the run, end its span and record its outcome; never raises (failures are
        counted). The span is ended and the context restored whatever else fails."""
        duration = time.perf_counter() - self.start
        self.leave()
        span, self.span = self.span, None
        try:
            self._record(span, duration, exc, result, validate)
        except Exception as err:
            self.tel.internal_error("experiment", err)
        finally:
            if span is not None and span.is_recording():
                span.end()

    def _record(
        self,
        span: Any,
        duration: float,
        exc: BaseException | None,
        result: Any,
        validate: Validator | None,
    ) -> None:
        if exc is None and validate is not None:
            exc = _check(validate, result)
        if exc is None:
            outcome, error_type = "success", "none"
        else:
            error_type = classify(exc)
            outcome = (
                "cancelled"
                if error_type == "cancelled"
                else "invalid"
                if error_type == "invalid_result"
                else "error"
            )
        tel, trace_id = self.tel, ""
        exemplar = None
        if span is not None:
            trace_id, exemplar = trace_ids(span)
            if exc is not None:
                mark_span_failed(span, exc, error_type)
            span.end()
        m = tel.metrics
        # the exemplar goes on the duration histogram, where latency panels link to traces;
        # on the counter too it would cost another 1.5 us per run
        m.inc(contract.EXPERIMENTS_TOTAL, (self.name, outcome))
        m.observe(contract.EXPERIMENT_DURATION, (self.name,), duration, exemplar)
        if tel.store is not None:
            tel.store.add_run(
                ExperimentRun(
                    self.run_id,
                    self.name,
                    outcome,
                    error_type,
                    self.wall,
                    self.wall + duration,
                    duration,
                    trace_id,
                )
            )


def _check(validate: Validator, result: Any) -> BaseException | None:
    """The validation failure of ``result`` as an exception object, or None when it passes.

    A validator that raises marks the run invalid too: its author meant "not acceptable".
    """
    try:
        ok = bool(validate(result))  # bool() here: an array's truth value raises
    except Exception as exc:
        return InvalidResultError(f"validate raised {describe(exc)}")
    return None if ok else InvalidResultError("result failed validation")


def _start(name: str) -> _Run | None:
    try:
        tel = get_telemetry()
    except Exception:  # not even a fallback: run the function unobserved
        return None
    try:
        return _Run(tel, name)
    except Exception as exc:
        tel.internal_error("experiment", exc)
        return None


def experiment(name: str, *, validate: Validator | None = None) -> Callable[[F], F]:  # noqa: C901 - one branch per kind of callable, read top to bottom
    """Decorate a function, coroutine function, generator or async generator function (also
    above ``@classmethod`` / ``@staticmethod``) as an experiment named ``name``.

    Each call records one ``experiment {name}`` span, one ``quantum_experiments_total``
    sample with its outcome (``success``, ``error``, ``cancelled``, or ``invalid`` when
    ``validate(result)`` is false), its duration, and one experiment run in the event store.
    The run of a generator spans its iteration: it starts at the first ``next()``, is current
    only while the generator's own code runs, and ends when the generator returns (``validate``
    gets the return value), raises, or is closed early (a success: the consumer stopped).

    Example:

    >>> @experiment("squares")
    ... def squares(n: int):
    ...     yield from (i * i for i in range(n))
    >>> list(squares(3))
    [0, 1, 4]
    """
    if not isinstance(name, str) or not name:
        raise TypeError("experiment name must be a non-empty string")

    def decorate(fn: F) -> F:  # noqa: C901 - one branch per kind of callable
        if isinstance(fn, (classmethod, staticmethod)):
            return cast(F, type(fn)(decorate(fn.__func__)))
        if inspect.isasyncgenfunction(fn):
            return cast(F, _wrap_async_generator(fn, name, validate))
        if inspect.isgeneratorfunction(fn):
            return cast(F, _wrap_generator(fn, name, validate))
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                run = _start(name)
                if run is not None:
                    run.enter()
                try:
                    result = await fn(*args, **kwargs)
                except BaseException as exc:
                    if run is not None:
                        run.finish(exc, None, None)
                    raise
                if run is not None:
                    run.finish(None, result, validate)
                return result

            return cast(F, async_wrapper)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            run = _start(name)
            if run is not None:
                run.enter()
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                if run is not None:
                    run.finish(exc, None, None)
                raise
            if run is not None:
                run.finish(None, result, validate)
            return result

        return cast(F, wrapper)

    return decorate


def _wrap_generator(
    fn: Callable[..., Generator[Any, Any, Any]], name: str, validate: Validator | None
) -> Callable[..., Generator[Any, Any, Any]]:
    # drives the generator step by step (PEP 380's expansion of ``yield from``) so that the
    # run is current only inside the generator's code, never in the consumer's between yields
    @functools.wraps(fn)
    def gen_wrapper(*args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
        gen = fn(*args, **kwargs)
        run = _start(name)
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            if run is not None:
                run.enter()
            try:
                value = gen.send(sent) if thrown is None else gen.throw(thrown)
            except StopIteration as stop:
                if run is not None:
                    run.finish(None, stop.value, validate)
                return stop.value
            except BaseException as exc:
                if run is not None:
                    run.finish(exc, None, None)
                raise
            if run is not None:
                run.leave()
            try:
                sent, thrown = (yield value), None
            except GeneratorExit:
                _close(gen.close, run)
                raise
            except BaseException as exc:
                thrown = exc

    return gen_wrapper


def _wrap_async_generator(  # noqa: C901 - asend/athrow/aclose, as the protocol has them
    fn: Callable[..., AsyncGenerator[Any, Any]], name: str, validate: Validator | None
) -> Callable[..., AsyncGenerator[Any, Any]]:
    @functools.wraps(fn)
    async def agen_wrapper(*args: Any, **kwargs: Any) -> AsyncGenerator[Any, Any]:
        agen = fn(*args, **kwargs)
        run = _start(name)
        sent: Any = None
        thrown: BaseException | None = None
        while True:
            if run is not None:
                run.enter()
            try:
                if thrown is None:
                    value = await agen.asend(sent)
                else:
                    value = await agen.athrow(thrown)
            except StopAsyncIteration:
                if run is not None:
                    run.finish(None, None, validate)
                return
            except BaseException as exc:
                if run is not None:
                    run.finish(exc, None, None)
                raise
            if run is not None:
                run.leave()
            try:
                sent, thrown = (yield value), None
            except GeneratorExit:
                await agen.aclose()
                if run is not None:
                    run.finish(None, None, None)
                raise
            except BaseException as exc:
                thrown = exc

    return agen_wrapper


def _close(close: Callable[[], None], run: _Run | None) -> None:
    """Close an inner generator the consumer stopped early, inside the run."""
    if run is None:
        close()
        return
    run.enter()
    try:
        close()
    except BaseException as exc:
        run.finish(exc, None, None)
        raise
    run.finish(None, None, None)
