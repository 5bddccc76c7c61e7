"""The usage collector: seconds consumed and the limit, per account instance.

Runs once per provider, not per backend: usage belongs to the account.

Example::

    samples = UsageCollector().collect(provider, None, CollectOptions())
    # quantum_usage_consumed_seconds{account_instance="crn:..."} 1234
"""

from __future__ import annotations

from qobserve import contract
from qobserve.collectors.base import CollectOptions, Sample, Scope, sample
from qobserve.collectors.provider import BackendRef, Provider


class UsageCollector:
    """Asks ``provider.usage()``; values the provider does not report are left out."""

    name = "usage"
    scope: Scope = "provider"

    def collect(
        self,
        provider: Provider,
        backend: BackendRef | None,  # noqa: ARG002 - every collector's collect() signature
        options: CollectOptions,  # noqa: ARG002 - every collector's collect() signature
    ) -> list[Sample]:
        """Usage samples of every instance the provider reports."""
        out: list[Sample] = []
        for usage in provider.usage():
            if usage.consumed_seconds is not None:
                out.append(sample(contract.USAGE_CONSUMED, usage.consumed_seconds, usage.instance))
            if usage.limit_seconds is not None:
                out.append(sample(contract.USAGE_LIMIT, usage.limit_seconds, usage.instance))
        return out
