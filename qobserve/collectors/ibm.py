"""The IBM Quantum provider, through ``qiskit_ibm_runtime.QiskitRuntimeService``.

Credentials are never passed on the command line: the account comes from the environment
(``QISKIT_IBM_TOKEN``, ``QISKIT_IBM_INSTANCE``, ``QISKIT_IBM_CHANNEL``) or from an account saved
with ``QiskitRuntimeService.save_account()`` (``--provider-option ibm.account=NAME`` picks a
named one). The token is never logged: every error leaving this module has it, and any
other secret-looking value, replaced by ``[REDACTED]``.

The service is contacted lazily, on the first poll, so a network outage at start shows as
``qobserve_collector_up{collector="discovery",backend="ibm"} 0`` instead of a crash; a missing
account is an input error at start.

Example::

    provider = IBMProvider(instance="crn:v1:...")   # token from QISKIT_IBM_TOKEN
    refs = provider.backends()                        # QPUs the instance can use
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

# Imported when the provider is created (see the note in qobserve.collectors.fake).
from qiskit_ibm_runtime import IBMBackend, QiskitRuntimeService
from qiskit_ibm_runtime.accounts import AccountManager

from qobserve.collectors.provider import (
    QPU,
    SIMULATOR,
    BackendRef,
    BackendStatus,
    Calibration,
    ProviderError,
    Usage,
    call_provider,
)
from qobserve.collectors.qiskit_backend import (
    backend_ref,
    calibration_from_backend,
    status_from_backend,
)
from qobserve.exceptions import InputError
from qobserve.redact import redact

T = TypeVar("T")
__all__ = ["IBMProvider", "ProviderError"]


class IBMProvider:
    """Backends, status, calibration and usage of one IBM Quantum account.

    ``service`` accepts a ready ``QiskitRuntimeService`` (or an object with the same
    ``backends()``, ``usage()`` and ``active_instance()`` methods); otherwise one is created
    from ``channel``, ``instance`` and the saved account called ``account`` (in
    ``account_file``, by default ``~/.qiskit/qiskit-ibm.json``).
    """

    name = "ibm"

    def __init__(
        self,
        *,
        channel: str | None = None,
        instance: str | None = None,
        account: str | None = None,
        account_file: str | None = None,
        service: Any = None,
    ) -> None:
        self._options = {
            "channel": channel,
            "instance": instance,
            "name": account,
            "filename": account_file,
        }
        self._secrets: list[str] = []
        if service is None:
            self._secrets = self._check_account(channel, account, account_file)
        self._service = service
        self._lock = threading.Lock()
        self._backends: dict[str, Any] = {}

    @staticmethod
    def _check_account(
        channel: str | None, account: str | None, account_file: str | None
    ) -> list[str]:
        """Find the account locally (no network), so a missing one fails at start; returns
        the token so errors can be scrubbed of it."""
        try:
            found = AccountManager.get(filename=account_file, name=account, channel=channel)
        except Exception as err:
            raise InputError(
                "no IBM Quantum account found: set QISKIT_IBM_TOKEN (and QISKIT_IBM_INSTANCE) "
                "or save one with QiskitRuntimeService.save_account() "
                f"({redact(str(err))})",
                field="--provider-option ibm.account",
            ) from None
        token = getattr(found, "token", None)
        return [token] if token else []

    def _call(self, what: str, fn: Callable[[], T]) -> T:
        return call_provider(what, fn, self._secrets)

    def _get_service(self) -> Any:
        with self._lock:
            if self._service is None:
                options = {k: v for k, v in self._options.items() if v is not None}
                self._service = self._call(
                    "connecting to IBM Quantum", lambda: QiskitRuntimeService(**options)
                )
            return self._service

    def backends(self) -> Sequence[BackendRef]:
        """The backends the account's instance can use."""
        service = self._get_service()
        found = self._call("listing backends", service.backends)
        with self._lock:
            self._backends = {b.name: b for b in found}
        return [backend_ref(b, provider=self.name, backend_type=_backend_type(b)) for b in found]

    def _backend(self, name: str) -> Any:
        with self._lock:
            return self._backends[name]

    def status(self, backend: BackendRef) -> BackendStatus:
        """``backend.status()``: operational flag, pending jobs, status message."""
        b = self._backend(backend.name)
        return self._call(f"status of {backend.name}", lambda: status_from_backend(b))

    def calibration(self, backend: BackendRef) -> Calibration | None:
        """The newest calibration: refreshes the backend's properties and target."""
        b = self._backend(backend.name)

        def read() -> Calibration | None:
            if isinstance(b, IBMBackend):  # other backends' refresh() means something else
                b.refresh()
            return calibration_from_backend(b)

        return self._call(f"calibration of {backend.name}", read)

    def usage(self) -> list[Usage]:
        """Seconds consumed and the limit of the active instance."""
        service = self._get_service()

        def read() -> list[Usage]:
            data = service.usage() or {}
            limit = data.get("usage_limit_seconds", data.get("usage_allocation_seconds"))
            return [
                Usage(
                    instance=str(service.active_instance()),
                    consumed_seconds=_number(data.get("usage_consumed_seconds")),
                    limit_seconds=_number(limit),
                )
            ]

        return self._call("usage", read)


def _backend_type(backend: Any) -> str:
    conf = backend.configuration() if hasattr(backend, "configuration") else None
    return SIMULATOR if getattr(conf, "simulator", False) else QPU


def _number(value: Any) -> float | None:
    return None if value is None else float(value)
