"""A small instrumentor base in the style of OpenTelemetry's ``BaseInstrumentor``.

One instance per subclass (a singleton, as in OpenTelemetry), ``instrument()`` and
``uninstrument()`` idempotent and thread-safe. We do not depend on
``opentelemetry-instrumentation`` for these forty lines: that package pulls in its own
dependency checks and entry-point machinery that qobserve does not use.

Example::

    class MyInstrumentor(BaseInstrumentor):
        def _instrument(self, **kwargs: Any) -> None: ...
        def _uninstrument(self, **kwargs: Any) -> None: ...

    MyInstrumentor().instrument()
    MyInstrumentor().instrument()  # no-op
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection
from typing import Any, ClassVar

logger = logging.getLogger("qobserve")


class BaseInstrumentor:
    """Instrument a library once per process; undo it exactly with :meth:`uninstrument`."""

    _instances: ClassVar[dict[type, BaseInstrumentor]] = {}
    _class_lock: ClassVar[threading.Lock] = threading.Lock()

    def __new__(cls, *args: Any, **kwargs: Any) -> BaseInstrumentor:
        with BaseInstrumentor._class_lock:
            instance = BaseInstrumentor._instances.get(cls)
            if instance is None:
                instance = super().__new__(cls)
                instance._is_instrumented = False
                instance._lock = threading.RLock()
                BaseInstrumentor._instances[cls] = instance
            return instance

    _is_instrumented: bool
    _lock: threading.RLock

    @property
    def is_instrumented(self) -> bool:
        """True between :meth:`instrument` and :meth:`uninstrument`."""
        return self._is_instrumented

    def instrumentation_dependencies(self) -> Collection[str]:
        """Requirement strings of the instrumented library (informational)."""
        return ()

    def instrument(self, **kwargs: Any) -> None:
        """Instrument the library; a second call while instrumented does nothing."""
        with self._lock:
            if self._is_instrumented:
                logger.debug("%s: already instrumented", type(self).__name__)
                return
            self._instrument(**kwargs)
            self._is_instrumented = True

    def uninstrument(self, **kwargs: Any) -> None:
        """Restore everything :meth:`instrument` changed; does nothing when not instrumented."""
        with self._lock:
            if not self._is_instrumented:
                return
            self._uninstrument(**kwargs)
            self._is_instrumented = False

    def _instrument(self, **kwargs: Any) -> None:
        raise NotImplementedError

    def _uninstrument(self, **kwargs: Any) -> None:
        raise NotImplementedError
