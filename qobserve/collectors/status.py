"""The status collector: is the backend operational, and how long is its queue.

Example::

    samples = StatusCollector().collect(provider, backend_ref, CollectOptions())
    # quantum_backend_up{backend="fake_kyiv"} 1, quantum_backend_pending_jobs{...} 0
"""

from __future__ import annotations

from qobserve import contract
from qobserve.collectors.base import CollectOptions, Sample, Scope, sample
from qobserve.collectors.provider import BackendRef, Provider


class StatusCollector:
    """Asks ``provider.status(backend)`` for ``quantum_backend_up`` and the queue length."""

    name = "status"
    scope: Scope = "backend"

    def collect(
        self,
        provider: Provider,
        backend: BackendRef | None,
        options: CollectOptions,  # noqa: ARG002 - every collector's collect() signature
    ) -> list[Sample]:
        """Status samples of ``backend``; the queue is left out when the provider has none."""
        assert backend is not None
        status = provider.status(backend)
        out = [sample(contract.BACKEND_UP, 1 if status.operational else 0, backend.name)]
        if status.pending_jobs is not None:
            out.append(sample(contract.BACKEND_PENDING_JOBS, status.pending_jobs, backend.name))
        return out
