"""The ``backend``, ``backend_type`` and ``provider`` labels of a Qiskit backend.

``qpu`` is real hardware (IBM backends, or any backend we cannot tell is simulated),
``emulator`` a noisy emulation of a QPU (qiskit-ibm-runtime's fake backends, qiskit's
``GenericBackendV2``, Aer with a noise model), ``simulator`` an ideal simulator (Aer without
noise, ``BasicSimulator``, IBM cloud simulators). Detection goes by class names along the MRO,
so nothing is imported.

``provider`` is who runs the backend: ``ibm`` (IBM Quantum backends, their cloud simulators
too), ``aer`` (Aer, with or without a noise model), ``fake`` (qiskit-ibm-runtime's fake
backends and ``GenericBackendV2``, run locally), ``qiskit`` (``BasicSimulator`` and the
reference primitives), else the backend's package less ``qiskit_`` (``qiskit_ionq`` -> ``ionq``).

Example::

    >>> from qiskit_aer import AerSimulator
    >>> from qiskit_ibm_runtime.fake_provider import FakeManilaV2
    >>> backend_type(AerSimulator())
    'simulator'
    >>> backend_type(FakeManilaV2())
    'emulator'
    >>> provider(AerSimulator()), provider(FakeManilaV2())
    ('aer', 'fake')
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from qobserve.instrument.adapter import package_provider

_EMULATOR_CLASSES = frozenset({"FakeBackendV2", "FakeBackend", "GenericBackendV2", "FakeBackendV1"})
_AER_CLASSES = frozenset({"AerBackend", "AerSimulator"})
_SIMULATOR_CLASSES = frozenset({"BasicSimulator", "BasicAer", "StatevectorSimulator"})
UNKNOWN = "unknown"


def backend_name(backend: Any) -> str:
    """The backend's name (``backend.name`` in BackendV2, ``backend.name()`` in V1)."""
    if backend is None:
        return UNKNOWN
    if isinstance(backend, str):
        return backend or UNKNOWN
    name = getattr(backend, "name", None)
    if callable(name):
        name = name()
    return str(name) if name else UNKNOWN


def backend_type(backend: Any, seen: Callable[[str], str | None] | None = None) -> str:
    """``qpu``, ``emulator`` or ``simulator`` for a backend object (see the module docstring).

    A backend *name* is typed by ``seen(name)`` (the type of the jobs instrumentation saw on
    it), else ``qpu``: results compared against a reference usually come from hardware.
    """
    if isinstance(backend, str) or backend is None:
        found = seen(backend_name(backend)) if seen is not None else None
        return found or "qpu"
    family = _family(type(backend))  # type: ignore[arg-type]  # classes are hashable
    if family == "aer":
        return "emulator" if _has_noise(backend) else "simulator"
    if family == "ibm":
        return "simulator" if _ibm_simulator(backend) else "qpu"
    return family


#: provider of each backend family (see :func:`_family`)
_FAMILY_PROVIDERS = {"emulator": "fake", "aer": "aer", "simulator": "qiskit", "ibm": "ibm"}
#: qiskit-braket-provider's backends of Amazon Braket devices (its local one is ``braket``)
_AWS_CLASSES = frozenset({"BraketAwsBackend", "AWSBraketBackend"})


def provider(backend: Any) -> str:
    """Who runs ``backend``: the ``provider`` label (see the module docstring); ``unknown``
    for a backend known by name only."""
    if isinstance(backend, str) or backend is None:
        return UNKNOWN
    return _provider(type(backend))  # type: ignore[arg-type]  # classes are hashable


@functools.lru_cache(maxsize=1024)
def _provider(cls: type) -> str:
    if _AWS_CLASSES & {c.__name__ for c in cls.__mro__}:
        return "aws"
    found = _FAMILY_PROVIDERS.get(_family(cls)) or package_provider(cls, "qiskit_")
    return found.removesuffix("_provider")  # qiskit_braket_provider -> braket


@functools.lru_cache(maxsize=1024)
def _family(cls: type) -> str:
    """The class's family: emulator, simulator, qpu, or aer / ibm (decided per instance)."""
    names = {c.__name__ for c in cls.__mro__}
    if names & _EMULATOR_CLASSES:
        return "emulator"
    if names & _AER_CLASSES:
        return "aer"
    if names & _SIMULATOR_CLASSES:
        return "simulator"
    return "ibm" if "IBMBackend" in names else "qpu"


def _has_noise(backend: Any) -> bool:
    options = getattr(backend, "options", None)
    noise = getattr(options, "noise_model", None)
    if noise is None:
        return False
    is_ideal = getattr(noise, "is_ideal", None)
    return not is_ideal() if callable(is_ideal) else bool(noise)


def _ibm_simulator(backend: Any) -> bool:
    try:
        config = backend.configuration()
    except Exception:
        return False
    return bool(getattr(config, "simulator", False))
