"""The instrumentor base: OpenTelemetry's ``BaseInstrumentor`` contract.

When ``opentelemetry-instrumentation`` is installed (extra ``qobserve[otel]``), qobserve's
instrumentors subclass its ``BaseInstrumentor``, so ``opentelemetry-instrument`` (through the
``opentelemetry_instrumentor`` entry points) and code written for contrib instrumentors treat
them alike. Without it, :class:`_Contract` behaves the same way: ``instrument()`` checks
:meth:`instrumentation_dependencies` unless ``skip_dep_check=True``, logs a conflict as an
error and instruments nothing (or raises ``DependencyConflictError`` with
``raise_exception_on_conflict=True``), warns on a second call. On top of either, qobserve's
base makes one instance per class and both calls thread-safe, and takes ``tracer_provider``
and ``meter_provider``.

Example::

    class MyInstrumentor(BaseInstrumentor):
        def instrumentation_dependencies(self) -> Collection[str]:
            return ("mysdk >= 2",)
        def _instrument(self, **kwargs: Any) -> None: ...
        def _uninstrument(self, **kwargs: Any) -> None: ...

    MyInstrumentor().instrument(tracer_provider=provider)
    MyInstrumentor().instrument()  # already instrumented: a warning, nothing else
"""

from __future__ import annotations

import abc
import importlib
import logging
import threading
from collections.abc import Collection
from typing import Any, ClassVar

logger = logging.getLogger("qobserve")


class DependencyConflictError(Exception):
    """An instrumented library is missing or outside the supported versions (raised by
    ``instrument(raise_exception_on_conflict=True)`` when opentelemetry-instrumentation is not
    installed; its own class of the same name otherwise)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def dependency_conflict(requirements: Collection[str]) -> str | None:
    """The first requirement not met, as opentelemetry-instrumentation words it; None when
    all are met."""
    from importlib.metadata import PackageNotFoundError, version

    from packaging.requirements import InvalidRequirement, Requirement

    for dep in requirements:
        try:
            req = Requirement(dep)
        except InvalidRequirement:
            return f'"{dep}" is not a valid requirement'
        try:
            found = version(req.name)
        except PackageNotFoundError:
            return (
                f'only instruments "{dep}", but no installed version was found, so nothing '
                "can be instrumented."
            )
        if not req.specifier.contains(found):
            return (
                f'only instruments "{dep}", but currently installed version '
                f'("{req.name} {found}") falls outside of that range, so nothing can be '
                "instrumented."
            )
    return None


class _Contract(abc.ABC):
    """opentelemetry-instrumentation's ``BaseInstrumentor`` behaviour, for when it is not
    installed."""

    _is_instrumented_by_opentelemetry = False

    @property
    def is_instrumented_by_opentelemetry(self) -> bool:
        return self._is_instrumented_by_opentelemetry

    @abc.abstractmethod
    def instrumentation_dependencies(self) -> Collection[str]:
        """Requirement strings (``"qiskit >= 1.3"``) of the instrumented library."""

    def _instrument(self, **kwargs: Any) -> Any:
        """Instrument the library."""
        return None

    @abc.abstractmethod
    def _uninstrument(self, **kwargs: Any) -> Any:
        """Undo :meth:`_instrument`."""

    def instrument(self, **kwargs: Any) -> Any:
        if self._is_instrumented_by_opentelemetry:
            logger.warning("Attempting to instrument while already instrumented")
            return None
        skip_dep_check = kwargs.pop("skip_dep_check", False)
        raise_exception_on_conflict = kwargs.pop("raise_exception_on_conflict", False)
        if not skip_dep_check:
            conflict = dependency_conflict(self.instrumentation_dependencies())
            if conflict:
                message = f"{type(self).__name__} {conflict}"
                if raise_exception_on_conflict:
                    raise DependencyConflictError(message)
                logger.error(message)
                return None
        result = self._instrument(**kwargs)
        self._is_instrumented_by_opentelemetry = True
        return result

    def uninstrument(self, **kwargs: Any) -> Any:
        if self._is_instrumented_by_opentelemetry:
            result = self._uninstrument(**kwargs)
            self._is_instrumented_by_opentelemetry = False
            return result
        logger.warning("Attempting to uninstrument while already uninstrumented")
        return None


def _contract_base() -> type:
    try:
        # imported by name: the module is untyped (it opts out of type checking)
        module = importlib.import_module("opentelemetry.instrumentation.instrumentor")
    except ImportError:
        return _Contract
    base: type = module.BaseInstrumentor
    return base


class BaseInstrumentor(_contract_base()):  # type: ignore[misc]
    """Instrument a library once per process; undo it exactly with :meth:`uninstrument`."""

    _instances: ClassVar[dict[type, BaseInstrumentor]] = {}
    _class_lock: ClassVar[threading.Lock] = threading.Lock()
    _lock: threading.RLock

    def __new__(cls, *args: Any, **kwargs: Any) -> BaseInstrumentor:
        # one instance per class (OpenTelemetry's keeps one per class attribute, which a
        # subclass would inherit from its parent)
        with BaseInstrumentor._class_lock:
            instance = BaseInstrumentor._instances.get(cls)
            if instance is None:
                instance = object.__new__(cls)
                instance._lock = threading.RLock()
                BaseInstrumentor._instances[cls] = instance
            return instance

    @property
    def is_instrumented(self) -> bool:
        """True between :meth:`instrument` and :meth:`uninstrument`."""
        return bool(self._is_instrumented_by_opentelemetry)

    def instrument(self, **kwargs: Any) -> Any:
        """Instrument the library (see the module docstring for the keyword arguments every
        instrumentor takes); a second call while instrumented warns and does nothing."""
        with self._lock:
            return super().instrument(**kwargs)

    def uninstrument(self, **kwargs: Any) -> Any:
        """Restore everything :meth:`instrument` changed."""
        with self._lock:
            return super().uninstrument(**kwargs)


def use_providers(tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Point qobserve's telemetry at the providers an instrumentor was given. Without a
    ``meter_provider``, a global one the application or ``opentelemetry-instrument`` set is
    used, as every OTel instrumentor does (the OTel metrics path is switched on for it)."""
    from qobserve.otel_metrics import global_meter_provider
    from qobserve.telemetry import adopt_providers

    if meter_provider is None:
        meter_provider = global_meter_provider()
    if tracer_provider is not None or meter_provider is not None:
        adopt_providers(tracer_provider, meter_provider)
