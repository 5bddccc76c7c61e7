"""Transpilation: one ``transpile {backend}`` span and one duration sample per user call.

Wrapped: ``StagedPassManager.run`` (what ``generate_preset_pass_manager(...).run`` calls) and
``qiskit.transpile``, which itself builds a preset pass manager and runs it: a re-entry guard
makes the outermost call the only one observed. ``generate_preset_pass_manager`` is wrapped
too, only to remember each pass manager's optimisation level and backend (in a weak
dictionary: the pass manager is not modified) for the spans of its later ``run`` calls.

Span attributes: ``quantum.transpile.optimization_level``, ``quantum.circuit.count``,
``quantum.transpile.input.depth`` / ``output.depth`` (deepest circuit),
``quantum.transpile.input.size`` / ``output.size`` (all circuits), ``quantum.backend.name``.

Example::

    pm = generate_preset_pass_manager(optimization_level=1, backend=backend)
    isa = pm.run(circuit)   # one span "transpile fake_manila", one histogram sample
"""

from __future__ import annotations

import functools
import inspect
import time
import weakref
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from qobserve import contract
from qobserve.errors import classify
from qobserve.instrument.backends import UNKNOWN, backend_name
from qobserve.instrument.inputs import MAX_WALK_OPS
from qobserve.telemetry import get_telemetry
from qobserve.tracing import mark_span_failed, trace_ids

_IN_TRANSPILE: ContextVar[bool] = ContextVar("qobserve_in_transpile", default=False)
# pass manager -> (optimisation level, backend name), filled by generate_preset_pass_manager
_PASS_MANAGERS: weakref.WeakKeyDictionary[Any, tuple[int | None, str]] = weakref.WeakKeyDictionary()


def wrap_pass_manager_run(original: Callable[..., Any]) -> Callable[..., Any]:
    """Patch factory for ``StagedPassManager.run``."""

    @functools.wraps(original)
    def run(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _IN_TRANSPILE.get():
            return original(self, *args, **kwargs)
        circuits = args[0] if args else kwargs.get("circuits")
        try:
            level, backend = _PASS_MANAGERS.get(self, (None, UNKNOWN))
        except TypeError:  # not weak-referenceable
            level, backend = None, UNKNOWN
        return _observed(lambda: original(self, *args, **kwargs), circuits, level, backend)

    return run


def wrap_transpile(original: Callable[..., Any]) -> Callable[..., Any]:
    """Patch factory for ``qiskit.transpile``."""
    signature = inspect.signature(original)

    @functools.wraps(original)
    def transpile(*args: Any, **kwargs: Any) -> Any:
        if _IN_TRANSPILE.get():
            return original(*args, **kwargs)
        try:
            bound = signature.bind_partial(*args, **kwargs).arguments
            circuits = bound.get("circuits")
            level = _resolved_level(bound.get("optimization_level"))
            backend = backend_name(bound.get("backend"))
        except Exception:  # a call the SDK will reject itself: let it
            return original(*args, **kwargs)
        return _observed(lambda: original(*args, **kwargs), circuits, level, backend)

    return transpile


def wrap_generate(original: Callable[..., Any]) -> Callable[..., Any]:
    """Patch factory for ``generate_preset_pass_manager``: remembers level and backend."""
    signature = inspect.signature(original)

    @functools.wraps(original)
    def generate_preset_pass_manager(*args: Any, **kwargs: Any) -> Any:
        pm = original(*args, **kwargs)
        try:
            bound = signature.bind_partial(*args, **kwargs).arguments
            level = bound.get("optimization_level")
            backend = bound.get("backend")
            if level is not None and not isinstance(level, int):  # legacy: backend first
                backend, level = level, None
            _PASS_MANAGERS[pm] = (_resolved_level(level), backend_name(backend))
        except Exception as exc:
            get_telemetry().internal_error("instrument", exc)
        return pm

    return generate_preset_pass_manager


def _resolved_level(level: Any) -> int | None:
    if isinstance(level, int):
        return level
    if level is not None:
        return None
    try:  # qiskit's default: the user config, else 2
        from qiskit.user_config import get_config

        value = get_config().get("transpile_optimization_level", 2)
        return value if isinstance(value, int) else 2
    except Exception:
        return 2


def _observed(run: Callable[[], Any], circuits: Any, level: int | None, backend: str) -> Any:
    tel = get_telemetry()
    span = None
    try:
        count, depth, size = _shape(circuits)
        tracer = tel.tracer
        if tracer is not None:
            span = tracer.start_span(f"transpile {backend}")
            attrs: dict[str, Any] = {
                "quantum.backend.name": backend,
                "quantum.circuit.count": count,
            }
            if level is not None:
                attrs["quantum.transpile.optimization_level"] = level
            if depth is not None:
                attrs["quantum.transpile.input.depth"] = depth
                attrs["quantum.transpile.input.size"] = size
            span.set_attributes(attrs)
    except Exception as exc:
        tel.internal_error("instrument", exc)
    token = _IN_TRANSPILE.set(True)
    start = time.perf_counter()
    try:
        out = run()
    except BaseException as exc:
        _IN_TRANSPILE.reset(token)
        _done(tel, span, backend, time.perf_counter() - start, None, exc)
        raise
    _IN_TRANSPILE.reset(token)
    _done(tel, span, backend, time.perf_counter() - start, out, None)
    return out


def _done(
    tel: Any, span: Any, backend: str, seconds: float, out: Any, exc: BaseException | None
) -> None:
    try:
        exemplar = None
        if span is not None:
            exemplar = trace_ids(span)[1]
            if exc is None:
                _, depth, size = _shape(out)
                if depth is not None:
                    span.set_attributes(
                        {
                            "quantum.transpile.output.depth": depth,
                            "quantum.transpile.output.size": size,
                        }
                    )
            else:
                mark_span_failed(span, exc, classify(exc))
            span.end()
        tel.metrics.observe(contract.TRANSPILE_DURATION, (backend,), seconds, exemplar)
    except Exception as err:
        tel.internal_error("instrument", err)


def _shape(circuits: Any) -> tuple[int, int | None, int]:
    """(number of circuits, deepest depth, total size); depth None when not measured."""
    items = circuits if isinstance(circuits, (list, tuple)) else [circuits]
    depth: int | None = None
    size = 0
    for circuit in items:
        data = getattr(circuit, "data", None)
        if data is None or not hasattr(circuit, "depth") or len(data) > MAX_WALK_OPS:
            continue
        depth = max(depth or 0, circuit.depth())
        size += circuit.size()
    return len(items), depth, size
