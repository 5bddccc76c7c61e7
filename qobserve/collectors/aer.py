"""The Aer provider: the local qiskit-aer simulators (``backend_type="simulator"``).

Ideal simulators are always up, have no queue and publish no calibration, so they expose
``quantum_backend_up``, ``quantum_backend_pending_jobs``, ``quantum_backend_qubits`` and
``quantum_backend_info`` only. Handy to watch the simulators a team's jobs run on alongside
the QPUs, with one dashboard.

Example::

    provider = AerProvider()
    [ref.name for ref in provider.backends()][:2]   # ['aer_simulator', 'aer_simulator_statevector']
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

# Imported when the provider is created (see the note in qobserve.collectors.fake).
from qiskit_aer import AerSimulator

from qobserve.collectors.provider import SIMULATOR, BackendRef, BackendStatus, Calibration
from qobserve.collectors.qiskit_backend import (
    backend_ref,
    calibration_from_backend,
    status_from_backend,
)


class AerProvider:
    """An ``AerSimulator`` for each simulation method it offers."""

    name = "aer"

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._backends: dict[str, Any] = {}
        self._refs: list[BackendRef] = []

    def backends(self) -> Sequence[BackendRef]:
        """Every Aer simulator method as a backend."""
        with self._lock:
            if not self._backends:
                # One backend per AerSimulator method (the legacy qasm/statevector/unitary
                # simulators are deprecated aliases). Local objects that never change: built
                # once.
                found = [AerSimulator(method=m) for m in AerSimulator().available_methods()]
                self._backends = {b.name: b for b in found}
                self._refs = [
                    backend_ref(
                        b, provider=self.name, backend_type=SIMULATOR, processor_type="simulator"
                    )
                    for b in found
                ]
            return list(self._refs)

    def _backend(self, name: str) -> Any:
        with self._lock:
            return self._backends[name]

    def status(self, backend: BackendRef) -> BackendStatus:
        """Local simulators are operational with an empty queue."""
        return status_from_backend(self._backend(backend.name))

    def calibration(self, backend: BackendRef) -> Calibration | None:
        """None for ideal simulators; a simulator built with a noise model reports it."""
        return calibration_from_backend(self._backend(backend.name))

    def usage(self) -> list[Any]:
        """Local simulation is not metered."""
        return []
