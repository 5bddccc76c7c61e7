"""Backend collectors: calibration, status and queue, usage and info, from pluggable providers.

The pieces, one concern per module:

- :mod:`~qobserve.collectors.provider`: the :class:`Provider` interface, its data classes and
  the registry of providers by name (``fake``, ``ibm``, ``aer``, ``braket`` built in).
- :mod:`~qobserve.collectors.calibration`, :mod:`~qobserve.collectors.status`,
  :mod:`~qobserve.collectors.usage`, :mod:`~qobserve.collectors.info`: turn provider answers
  into the contract's samples.
- :mod:`~qobserve.collectors.fake`, :mod:`~qobserve.collectors.ibm`,
  :mod:`~qobserve.collectors.aer`: the built-in providers (need ``qobserve[qiskit]``);
  :mod:`~qobserve.collectors.braket`: Amazon Braket (needs ``qobserve[braket]``).

Example::

    from qobserve.collectors import COLLECTORS, CollectOptions, create_provider
    provider = create_provider("fake")
    ref = provider.backends()[0]
    for s in COLLECTORS["calibration"].collect(provider, ref, CollectOptions()):
        print(s.metric.name, s.labels, s.value)
"""

from __future__ import annotations

from qobserve.collectors.base import CollectOptions, Collector, Sample, Scope, sample
from qobserve.collectors.calibration import CalibrationCollector, quantiles
from qobserve.collectors.info import InfoCollector
from qobserve.collectors.provider import (
    EMULATOR,
    QPU,
    SIMULATOR,
    BackendRef,
    BackendStatus,
    Calibration,
    Provider,
    ProviderError,
    Usage,
    create_provider,
    provider_names,
    register_provider,
    unregister_provider,
)
from qobserve.collectors.status import StatusCollector
from qobserve.collectors.usage import UsageCollector

#: Every collector the exporter runs, by the name in its ``collector`` label.
COLLECTORS: dict[str, Collector] = {
    c.name: c
    for c in (InfoCollector(), StatusCollector(), CalibrationCollector(), UsageCollector())
}

__all__ = [
    "COLLECTORS", "EMULATOR", "QPU", "SIMULATOR", "BackendRef", "BackendStatus", "Calibration",
    "CalibrationCollector", "CollectOptions", "Collector", "InfoCollector", "Provider",
    "ProviderError", "Sample", "Scope", "StatusCollector", "Usage", "UsageCollector",
    "create_provider", "provider_names", "quantiles", "register_provider", "sample",
    "unregister_provider",
]  # fmt: skip
