"""Every SDK instrumentation qobserve has, and the one call that instruments those installed.

Example::

    from qobserve.instrument import instrument_all

    instrument_all()        # ['braket', 'cirq', 'pennylane', 'qiskit'] where all are installed
"""

from __future__ import annotations

import importlib.util
from typing import Any

from qobserve.instrument.base import BaseInstrumentor
from qobserve.instrument.braket_adapter import BraketInstrumentor
from qobserve.instrument.cirq_adapter import CirqInstrumentor
from qobserve.instrument.instrumentor import QiskitInstrumentor
from qobserve.instrument.pennylane_adapter import PennyLaneInstrumentor

#: SDK name -> (module whose presence says it is installed, instrumentor class)
SDKS: dict[str, tuple[str, type[BaseInstrumentor]]] = {
    "braket": ("braket.devices", BraketInstrumentor),
    "cirq": ("cirq", CirqInstrumentor),
    "pennylane": ("pennylane", PennyLaneInstrumentor),
    "qiskit": ("qiskit", QiskitInstrumentor),
}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a parent package is missing or broken
        return False


def installed_sdks() -> list[str]:
    """The names of the SDKs of :data:`SDKS` that are installed, sorted (nothing imported)."""
    return [name for name, (module, _) in sorted(SDKS.items()) if _installed(module)]


def instrument_all(**options: Any) -> list[str]:
    """Instrument every installed SDK (``options``, e.g. ``auto_idempotency``, go to each);
    returns the names of those instrumented, sorted. SDKs that are absent are skipped."""
    done = installed_sdks()
    for name in done:
        SDKS[name][1]().instrument(**options)
    return done


def uninstrument_all() -> None:
    """Undo :func:`instrument_all` (and any single instrumentor's ``instrument()``)."""
    for _, instrumentor in SDKS.values():
        instrumentor().uninstrument()
