"""The instrumented submit call of every SDK: the vendor-neutral core's entry point.

One user call is one job: the outermost instrumented call owns the submission and every
instrumented call it makes internally (the executor-based ``Sampler`` calls ``Executor.run``,
a fake backend's ``run`` calls ``AerSimulator.run``, a local primitive's worker calls
``backend.run``) passes straight through. The wrapped method returns exactly what the SDK
returns and raises exactly what it raises; telemetry that fails is counted and skipped.

Before the SDK is called, the pre-submission hooks of the telemetry's instrumentation state
run (:meth:`~qobserve.instrument.state.InstrumentationState.add_pre_submit`): budget
enforcement plugs in there, and an exception a hook raises reaches the caller, with nothing
submitted and nothing recorded as a job.

Example::

    def run(self, pubs, *args, **kwargs):
        return call(original, self, (pubs, *args), kwargs, describe_sampler)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from qobserve.instrument.adapter import Describe
from qobserve.instrument.jobs import TrackedJob
from qobserve.instrument.timing import SUBMISSION
from qobserve.telemetry import get_telemetry


class Recording:
    """An iterable handed to the SDK in place of a one-shot iterable (a generator of pubs):
    it yields the same items, in the same order, when the SDK iterates, and keeps them."""

    __slots__ = ("items", "source")

    def __init__(self, source: Iterable[Any]) -> None:
        self.source = source
        self.items: list[Any] = []

    def __iter__(self) -> Iterator[Any]:
        for item in self.source:
            self.items.append(item)
            yield item


def recorded(value: Any) -> tuple[Any, list[Any] | tuple[Any, ...]]:
    """(what to pass on, a sequence that holds or will hold the items) for an input that may
    be a one-shot iterable."""
    if isinstance(value, (list, tuple)):
        return value, value
    if value is None or not hasattr(value, "__iter__") or hasattr(value, "num_qubits"):
        return value, [value] if value is not None else []
    recording = Recording(value)
    return recording, recording.items


def call(
    original: Callable[..., Any],
    owner: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    describe: Describe,
    auto_scope: str = "run",
) -> Any:
    """Run ``original(owner, *args, **kwargs)`` as one observed submission."""
    if SUBMISSION.get() is not None:  # inside another submission, or inside a job's worker
        return original(owner, *args, **kwargs)
    tel = get_telemetry()
    try:
        submission, (args, kwargs) = describe(owner, args, kwargs)
        tracked = TrackedJob(tel, submission, auto_scope)
    except Exception as exc:
        tel.internal_error("instrument", exc)
        return original(owner, *args, **kwargs)
    for hook in tracked.state.pre_submit:
        try:
            hook(submission, tracked.experiment)
        except BaseException:
            tracked.refused()
            raise
    try:
        tracked.claim_key()
    except Exception as exc:
        tel.internal_error("instrument", exc)
    token = SUBMISSION.set(tracked)
    span_token = tracked.activate()
    try:
        job = original(owner, *args, **kwargs)
    except BaseException as exc:
        tracked.deactivate(span_token)
        SUBMISSION.reset(token)
        tracked.submit_failed(exc, submitted=submission.returns_result)
        raise
    tracked.deactivate(span_token)
    SUBMISSION.reset(token)
    if submission.returns_result:
        tracked.returned(job)
    else:
        tracked.submitted(job)
    return job


def wrap_submit(
    describe: Describe, auto_scope: str = "run"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A patch factory: wraps a submit method (``run``) with :func:`call`."""

    def factory(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            return call(original, self, args, kwargs, describe, auto_scope)

        return run

    return factory
