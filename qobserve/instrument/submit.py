"""The instrumented submit call shared by primitives and ``backend.run``.

One user call is one job: the outermost instrumented call owns the submission and every
instrumented call it makes internally (the executor-based ``Sampler`` calls ``Executor.run``,
a fake backend's ``run`` calls ``AerSimulator.run``, a local primitive's worker calls
``backend.run``) passes straight through. The wrapped method returns exactly what the SDK
returns and raises exactly what it raises; telemetry that fails is counted and skipped.

Example::

    def run(self, pubs, *args, **kwargs):
        return call(original, self, (pubs, *args), kwargs, describe_sampler)
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from qobserve.instrument.jobs import TrackedJob, ensure_exit_hook
from qobserve.instrument.timing import SUBMISSION
from qobserve.telemetry import Telemetry, get_telemetry

Args = tuple[tuple[Any, ...], dict[str, Any]]
#: builds the tracker of a call: (telemetry, self, args, kwargs) -> (tracker, args, kwargs),
#: the arguments to pass on possibly wrapped in a :class:`Recording`
Describe = Callable[[Telemetry, Any, tuple[Any, ...], dict[str, Any]], tuple[TrackedJob, Args]]


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
) -> Any:
    """Run ``original(owner, *args, **kwargs)`` as one observed submission."""
    if SUBMISSION.get() is not None:  # inside another submission, or inside a job's worker
        return original(owner, *args, **kwargs)
    tel = get_telemetry()
    ensure_exit_hook()
    try:
        tracked, (args, kwargs) = describe(tel, owner, args, kwargs)
    except Exception as exc:
        tel.internal_error("instrument", exc)
        return original(owner, *args, **kwargs)
    token = SUBMISSION.set(tracked)
    span_token = tracked.activate()
    try:
        job = original(owner, *args, **kwargs)
    except BaseException as exc:
        tracked.deactivate(span_token)
        SUBMISSION.reset(token)
        tracked.submit_failed(exc)
        raise
    tracked.deactivate(span_token)
    SUBMISSION.reset(token)
    tracked.submitted(job)
    return job


def wrap_submit(describe: Describe) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """A patch factory: wraps a submit method (``run``) with :func:`call`."""

    def factory(original: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(original)
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            return call(original, self, args, kwargs, describe)

        return run

    return factory
