"""The instrumentor shape shared by the Braket, PennyLane and Cirq instrumentations: wrap some
submit methods with the core's :func:`~qobserve.instrument.submit.wrap_submit`, and undo it.

Example::

    class MySdkInstrumentor(PatchingInstrumentor):
        def instrumentation_dependencies(self):
            return ("mysdk >= 1.0",)

        def _patch(self, patcher, auto_idempotency):
            patcher.patch(MyDevice, "run", wrap_submit(describe_run, auto_idempotency))
"""

from __future__ import annotations

from typing import Any

from qobserve.exceptions import InputError
from qobserve.instrument.base import BaseInstrumentor, use_providers
from qobserve.instrument.idempotency import AUTO_SCOPES
from qobserve.instrument.patching import Patcher
from qobserve.telemetry import current_telemetry


def check_options(unknown: dict[str, Any], auto_idempotency: str) -> None:
    """Refuse ``instrument()`` options no instrumentor knows and a bad ``auto_idempotency``."""
    if unknown:
        raise TypeError(f"unknown instrument() option(s): {', '.join(sorted(unknown))}")
    if auto_idempotency not in AUTO_SCOPES:
        raise InputError(
            f"{auto_idempotency!r} is not one of {', '.join(AUTO_SCOPES)}",
            field="auto_idempotency",
        )


class PatchingInstrumentor(BaseInstrumentor):
    """``instrument(auto_idempotency="run")`` patches what :meth:`_patch` names;
    ``uninstrument()`` restores every original and resets the instrumentation state. The
    OpenTelemetry instrumentor options (``tracer_provider``, ``meter_provider``,
    ``skip_dep_check``) work as for :class:`~qobserve.instrument.QiskitInstrumentor`.

    ``auto_idempotency`` is the scope of automatic idempotency keys (``"run"``, ``"global"``
    or ``"off"``), as for :class:`~qobserve.instrument.QiskitInstrumentor`.
    """

    _patcher: Patcher

    def _instrument(
        self,
        *,
        auto_idempotency: str = "run",
        tracer_provider: Any = None,
        meter_provider: Any = None,
        **unknown: Any,
    ) -> None:
        check_options(unknown, auto_idempotency)
        use_providers(tracer_provider, meter_provider)
        self._patcher = Patcher()
        self._patch(self._patcher, auto_idempotency)

    def _patch(self, patcher: Patcher, auto_idempotency: str) -> None:
        """Apply this SDK's patches (what the installed version lacks is skipped)."""
        raise NotImplementedError

    @property
    def patched(self) -> tuple[str, ...]:
        """``module.Class.method`` of every wrapped method."""
        patcher = getattr(self, "_patcher", None)
        patches = patcher.patches if patcher is not None else ()
        return tuple(f"{p.owner.__module__}.{p.owner.__qualname__}.{p.name}" for p in patches)

    def _uninstrument(self, **kwargs: Any) -> None:
        self._patcher.restore()
        tel = current_telemetry()
        if tel is not None:
            tel.instrumentation.reset()
