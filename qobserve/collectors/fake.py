"""The fake provider: every fake backend of ``qiskit_ibm_runtime.fake_provider``, offline.

The default provider, so the exporter runs with no account. The data is real: snapshots of
IBM devices' configuration and calibration, including their (old) calibration dates.

Loading a fake backend's calibration parses a large JSON file (about 3 s for all of them), and
the files never change while the process runs, so each backend's calibration is read once and
kept for the life of the process. Status is asked every poll (fake backends are always
operational with an empty queue).

Example::

    provider = FakeProvider()
    refs = provider.backends()              # 68 BackendRefs, backend_type "emulator"
    provider.calibration(refs[0]).t1[:2]    # seconds
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from typing import Any

# Imported here, when the provider is created, never first in a poller thread: qiskit's
# compiled core can crash later when it was first imported by a thread that has since ended.
from qiskit_ibm_runtime.fake_provider import FakeProviderForBackendV2

from qobserve.collectors.provider import EMULATOR, BackendRef, BackendStatus, Calibration
from qobserve.collectors.qiskit_backend import (
    backend_ref,
    calibration_from_backend,
    status_from_backend,
)

# The fake backends' files never change while the process runs: every FakeProvider shares one
# copy of the backends and of each calibration, so a second exporter (a test, the demo) in the
# same process starts warm.
_lock = threading.Lock()
_backends: dict[str, Any] = {}
_refs: list[BackendRef] = []
_calibrations: dict[str, Calibration | None] = {}


def _load() -> dict[str, Any]:
    with _lock:
        if not _backends:
            with warnings.catch_warnings():
                # fake_nighthawk warns that its numbers are not typical: known, and real.
                warnings.simplefilter("ignore", UserWarning)
                found = FakeProviderForBackendV2().backends()
            _refs.extend(
                backend_ref(b, provider=FakeProvider.name, backend_type=EMULATOR) for b in found
            )
            _backends.update((b.name, b) for b in found)
        return _backends


class FakeProvider:
    """All fake backends of qiskit-ibm-runtime (``backend_type="emulator"``)."""

    name = "fake"

    def backends(self) -> Sequence[BackendRef]:
        """Every fake backend."""
        _load()
        return list(_refs)

    def backend(self, name: str) -> Any:
        """The qiskit fake backend object called ``name`` (KeyError when there is none)."""
        return _load()[name]

    def status(self, backend: BackendRef) -> BackendStatus:
        """The fake backend's status (operational, no queue)."""
        return status_from_backend(self.backend(backend.name))

    def calibration(self, backend: BackendRef) -> Calibration | None:
        """The calibration snapshot shipped with the fake backend, read once per process."""
        if backend.name not in _calibrations:
            # Read outside the lock so backends load in parallel; two threads reading the
            # same backend at once only cost time (the poller never does that).
            _calibrations[backend.name] = calibration_from_backend(self.backend(backend.name))
        return _calibrations[backend.name]

    def usage(self) -> list[Any]:
        """Fake backends have no account, hence no usage."""
        return []
