"""Per-instance hooks on a job's ``result``, ``status`` and ``cancel`` (as the adapter names
them: Braket's status method is ``state``), and its ``progress`` method where the adapter has
one (Braket's ``metadata``, which every poll reads).

A hook is set as an instance attribute of the job object the SDK returned (so it shadows the
class's method for that job only), calls the original bound method, returns or raises exactly
what it does, and reports what it saw to the job's tracker. :func:`remove` deletes the hooks
again, leaving the instance as the SDK made it.

Example::

    hooks = install(tracked, job, {"result": "result", "status": "status", "cancel": "cancel"})
    ...
    remove(job, hooks)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qobserve.instrument.jobs import TrackedJob

#: set while a hooked ``result()`` runs: its own status polls are not separate observations
_IN_RESULT: ContextVar[bool] = ContextVar("qobserve_in_result", default=False)


class Hook:
    """A job method replaced on one instance: calls the original and reports to the tracker."""

    __slots__ = ("__wrapped__", "kind", "name", "tracked")

    def __init__(
        self, tracked: TrackedJob, kind: str, name: str, original: Callable[..., Any]
    ) -> None:
        self.tracked = tracked
        self.kind = kind  # the role: "result", "status", "cancel" or "progress"
        self.name = name  # the method's name on the job
        self.__wrapped__ = original

    def __getattr__(self, attr: str) -> Any:  # __name__, __doc__, ... of the original
        if attr == "__wrapped__":
            raise AttributeError(attr)
        return getattr(self.__wrapped__, attr)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        kind, tracked = self.kind, self.tracked
        if kind == "result":
            token = _IN_RESULT.set(True)
            try:
                value = self.__wrapped__(*args, **kwargs)
            except BaseException as exc:
                _IN_RESULT.reset(token)
                _report(tracked.observed_error, tracked, exc)
                raise
            _IN_RESULT.reset(token)
            _report(tracked.observed_result, tracked, value)
            return value
        if kind == "progress":  # every poll, result()'s own too: transitions are timings
            value = self.__wrapped__(*args, **kwargs)
            _report(tracked.observed_progress, tracked, value)
            return value
        if kind == "status":
            try:
                value = self.__wrapped__(*args, **kwargs)
            except BaseException as exc:  # a failed poll: the caller's error, not the job's
                if not _IN_RESULT.get():
                    _report(tracked.observed_poll_error, tracked, exc)
                raise
            if not _IN_RESULT.get():
                _report(tracked.observed_status, tracked, value)
            return value
        value = self.__wrapped__(*args, **kwargs)  # a cancel() that raises cancelled nothing
        _report(tracked.observed_cancel, tracked, value)
        return value


def install(tracked: TrackedJob, job: Any, methods: Mapping[str, str]) -> tuple[Hook, ...]:
    """Hook ``job``'s methods (role -> method name) that exist; returns the hooks."""
    hooks = []
    for kind, name in methods.items():
        original = getattr(job, name, None)
        if callable(original):
            hook = Hook(tracked, kind, name, original)
            setattr(job, name, hook)
            hooks.append(hook)
    return tuple(hooks)


def remove(job: Any, hooks: tuple[Hook, ...]) -> None:
    """Delete ``hooks`` from ``job`` (those still in place)."""
    state = getattr(job, "__dict__", {})
    for hook in hooks:
        if state.get(hook.name) is hook:
            del state[hook.name]


def _report(observe: Callable[[Any], None], tracked: TrackedJob, value: Any) -> None:
    try:
        observe(value)
    except Exception as exc:  # telemetry never reaches the caller
        tracked.tel.internal_error("instrument", exc)
