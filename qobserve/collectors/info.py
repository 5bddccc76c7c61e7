"""The info collector: what the backend is (provider, processor type, version, qubits).

It needs no provider call: discovery already returned everything in the
:class:`~qobserve.collectors.provider.BackendRef`, so these series exist as long as the
backend is listed, even while its status or calibration cannot be read.

Example::

    samples = InfoCollector().collect(provider, backend_ref, CollectOptions())
    # quantum_backend_info{backend="fake_kyiv",provider="fake",processor_type="Eagle r3",...} 1
"""

from __future__ import annotations

from qobserve import contract
from qobserve.collectors.base import CollectOptions, Sample, Scope, sample
from qobserve.collectors.provider import BackendRef, Provider


class InfoCollector:
    """``quantum_backend_info`` (value 1) and ``quantum_backend_qubits`` from discovery."""

    name = "info"
    scope: Scope = "backend"

    def collect(
        self,
        provider: Provider,
        backend: BackendRef | None,
        options: CollectOptions,  # noqa: ARG002 - every collector's collect() signature
    ) -> list[Sample]:
        """Info samples of ``backend``."""
        assert backend is not None
        out = [
            sample(
                contract.BACKEND_INFO,
                1,
                backend.name,
                backend.provider or provider.name,
                backend.processor_type,
                backend.version,
            )
        ]
        if backend.num_qubits is not None:
            out.append(sample(contract.BACKEND_QUBITS, backend.num_qubits, backend.name))
        return out
