"""The run context reaches worker threads: executor submissions and threads started in a run.

A job submitted from a worker thread belongs to the experiment run that handed the work over.
``ThreadPoolExecutor.submit`` (which ``map`` and ``loop.run_in_executor`` call) and
``threading.Thread.start`` take a snapshot of qobserve's own context at that moment (the run,
the idempotency key block, the current OpenTelemetry context, as OpenTelemetry's threading
instrumentation does) and the worker runs the callable with it, then restores its own. Only
these values are carried: the rest of the thread's context is untouched, and nothing at all is
done when there is nothing to carry. ``instrument(propagate_context=False)`` turns it off.

Example::

    with ThreadPoolExecutor() as pool:           # inside @qobserve.experiment("sweep")
        list(pool.map(lambda qc: backend.run(qc).result(), circuits))   # experiment="sweep"
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from opentelemetry import context as otel_context

from qobserve.context import _RUN
from qobserve.instrument.idempotency import _USER_KEY
from qobserve.instrument.patching import Patcher

Snapshot = tuple[Any, Any, Any]
#: set while an executor's submit runs: the worker threads it starts serve every later task,
#: so they must not keep this one's context
_IN_SUBMIT: ContextVar[bool] = ContextVar("qobserve_in_executor_submit", default=False)


def snapshot() -> Snapshot | None:
    """qobserve's context now, or None when there is nothing to carry."""
    run, key, otel = _RUN.get(), _USER_KEY.get(), otel_context.get_current()
    if run is None and key is None and not otel:
        return None
    return run, key, otel


def carried(snap: Snapshot, fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` run under ``snap``, the worker's own values restored after."""

    run, key, otel = snap

    def run_carried(*args: Any, **kwargs: Any) -> Any:
        run_token, key_token = _RUN.set(run), _USER_KEY.set(key)
        otel_token = otel_context.attach(otel)
        try:
            return fn(*args, **kwargs)
        finally:
            otel_context.detach(otel_token)
            _USER_KEY.reset(key_token)
            _RUN.reset(run_token)

    return run_carried


def _wrap_submit(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def submit(self: Any, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
        snap = snapshot()
        if snap is None:
            return original(self, fn, *args, **kwargs)
        token = _IN_SUBMIT.set(True)
        try:
            return original(self, carried(snap, fn), *args, **kwargs)
        finally:
            _IN_SUBMIT.reset(token)

    return submit


def _wrap_start(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def start(self: Any) -> Any:
        snap = None if _IN_SUBMIT.get() else snapshot()
        if snap is not None:
            # the thread's run() is looked up on the instance when it starts: shadow it there
            # for this one thread, whatever subclass it is, and remove the shadow when it ends
            run = carried(snap, self.run)

            def run_once() -> None:
                try:
                    run()
                finally:
                    vars(self).pop("run", None)

            self.run = run_once
        return original(self)

    return start


def patch_threads(patcher: Patcher) -> None:
    """Carry the context through ``ThreadPoolExecutor.submit`` and ``Thread.start``."""
    import concurrent.futures
    import threading

    patcher.patch(concurrent.futures.ThreadPoolExecutor, "submit", _wrap_submit)
    patcher.patch(threading.Thread, "start", _wrap_start)
