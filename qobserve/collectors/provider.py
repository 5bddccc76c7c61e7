"""The provider interface: what the exporter asks of a quantum cloud, and the registry of them.

A provider lists backends and answers three questions about each one (status, calibration)
plus one about the account (usage). Everything it returns is plain data, so a provider for
another vendor needs no qiskit and no change to the exporter: implement :class:`Provider`,
then register a factory under a name.

Example::

    from qobserve.collectors import BackendRef, BackendStatus, register_provider

    class MyCloud:
        name = "mycloud"

        def backends(self):
            return [BackendRef("mc_qpu1", backend_type="qpu", provider="mycloud",
                               num_qubits=20)]

        def status(self, backend):
            return BackendStatus(operational=True, pending_jobs=3)

        def calibration(self, backend):
            return None  # nothing published

        def usage(self):
            return []

    register_provider("mycloud", MyCloud)
    # qobserve exporter --provider mycloud

Providers can also be installed from another package through the ``qobserve.providers``
entry point group (name -> factory).
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Protocol, TypeVar, runtime_checkable

from qobserve.errors import describe
from qobserve.exceptions import InputError
from qobserve.redact import redact, secret_values

T = TypeVar("T")

ENTRY_POINT_GROUP = "qobserve.providers"

#: Backend type values (``contract.BACKEND_TYPES``) a provider may report.
QPU, EMULATOR, SIMULATOR = "qpu", "emulator", "simulator"


@dataclass(frozen=True)
class BackendRef:
    """A backend as discovered: its name and what does not change between polls."""

    name: str
    backend_type: str = QPU
    provider: str = ""
    processor_type: str = "unknown"
    version: str = ""
    num_qubits: int | None = None


@dataclass(frozen=True)
class BackendStatus:
    """Operational state and queue of a backend at one moment."""

    operational: bool
    pending_jobs: int | None = None
    message: str = ""


@dataclass(frozen=True)
class Calibration:
    """Calibration data of one backend, per qubit and per gate.

    ``t1``, ``t2`` and ``readout_error`` are indexed by qubit (None where unknown); times in
    seconds. ``gate_errors`` maps a gate name to its error on each qubit set it acts on.
    ``timestamp`` is the Unix time of the last calibration, None when the provider has none.
    """

    timestamp: float | None = None
    t1: Sequence[float | None] = ()
    t2: Sequence[float | None] = ()
    readout_error: Sequence[float | None] = ()
    gate_errors: Mapping[str, Sequence[float]] = field(default_factory=dict)


@dataclass(frozen=True)
class Usage:
    """Usage and quota of one account instance, in seconds (None when not reported)."""

    instance: str
    consumed_seconds: float | None = None
    limit_seconds: float | None = None


@runtime_checkable
class Provider(Protocol):
    """What the exporter needs from a quantum cloud. Methods may block and may raise: the
    exporter calls each one in a worker thread with a timeout and records failures."""

    name: str

    def backends(self) -> Sequence[BackendRef]:
        """Every backend available now; one that is no longer listed loses its series."""
        ...

    def status(self, backend: BackendRef) -> BackendStatus:
        """Current operational state and queue length."""
        ...

    def calibration(self, backend: BackendRef) -> Calibration | None:
        """Latest calibration, or None for backends without one (ideal simulators)."""
        ...

    def usage(self) -> Sequence[Usage]:
        """Usage per instance; empty when the provider reports none."""
        ...


ProviderFactory = Callable[..., Provider]


class ProviderError(RuntimeError):
    """A provider call failed; the message has every secret removed."""


def call_provider(what: str, fn: Callable[[], T], secrets: Sequence[str] = ()) -> T:
    """``fn()``, with any error turned into a :class:`ProviderError` that says ``what`` failed
    and carries neither the SDK's exception chain nor a secret (``secrets``, secret-looking
    environment values, token-shaped text)."""
    try:
        return fn()
    except Exception as err:
        known = sorted({*secrets, *secret_values()}, key=len, reverse=True)
        raise ProviderError(redact(f"{what}: {describe(err)}", known)) from None


#: Built-in providers, imported only when asked for so qiskit stays an optional extra.
_BUILTIN: dict[str, str] = {
    "fake": "qobserve.collectors.fake:FakeProvider",
    "ibm": "qobserve.collectors.ibm:IBMProvider",
    "aer": "qobserve.collectors.aer:AerProvider",
    "braket": "qobserve.collectors.braket:BraketProvider",
}
#: The extra that installs a built-in provider's SDK, where it is not ``qiskit``.
_EXTRA = {"qobserve.collectors.braket": "braket"}
_registry: dict[str, ProviderFactory | str] = dict(_BUILTIN)
_lock = threading.Lock()
_entry_points_loaded = False


def register_provider(name: str, factory: ProviderFactory | str) -> None:
    """Make ``factory`` (a callable, or ``"module:attr"``) available as ``--provider NAME``.

    Registering a name again replaces the earlier factory.
    """
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"provider name must be letters, digits, '-' or '_': {name!r}")
    with _lock:
        _registry[name] = factory


def unregister_provider(name: str) -> None:
    """Remove a registered provider (built-ins come back on the next lookup of the name)."""
    with _lock:
        _registry.pop(name, None)
        if name in _BUILTIN:
            _registry[name] = _BUILTIN[name]


def provider_names() -> list[str]:
    """Names accepted by :func:`create_provider`, sorted."""
    _load_entry_points()
    with _lock:
        return sorted(_registry)


def create_provider(name: str, **options: Any) -> Provider:
    """A new provider by registered name; ``options`` go to its factory.

    Raises InputError for an unknown name or options the factory does not accept.
    """
    _load_entry_points()
    with _lock:
        factory = _registry.get(name)
    if factory is None:
        raise InputError(
            f"unknown provider {name!r}; known: {', '.join(provider_names())}", field="--provider"
        )
    if isinstance(factory, str):
        factory = _import(factory)
    try:
        inspect.signature(factory).bind(**options)
    except TypeError as err:
        raise InputError(
            f"provider {name!r} does not accept these options "
            f"({', '.join(sorted(options))}): {err}",
            field="--provider-option",
        ) from None
    except ValueError:  # no signature to inspect (a builtin): let the call decide
        pass
    return factory(**options)


def _import(path: str) -> ProviderFactory:
    module, _, attr = path.partition(":")
    try:
        obj: ProviderFactory = getattr(importlib.import_module(module), attr)
    except ImportError as err:
        raise InputError(
            f"provider {path!r} needs a package that is not installed "
            f"({err.name}); install qobserve[{_EXTRA.get(module, 'qiskit')}]",
            field="--provider",
        ) from None
    return obj


def _load_entry_points() -> None:
    global _entry_points_loaded  # noqa: PLW0603 - once per process, under the registry's lock
    if _entry_points_loaded:
        return
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    with _lock:
        for name, value in found.items():
            _registry.setdefault(name, value)
        _entry_points_loaded = True
