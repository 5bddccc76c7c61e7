"""Providers for the exporter tests, written against the documented Provider interface:
one that fails, one that hangs, one whose backends come and go and reports usage."""

from __future__ import annotations

import threading

from qobserve.collectors import BackendRef, BackendStatus, Calibration, Usage

#: Longest a hanging call waits for its release, so no test can leave a thread forever.
HANG_LIMIT = 60.0


class Broken:
    """Lists backends, then every status and calibration call fails."""

    name = "broken"

    def __init__(self, count: int = 2) -> None:
        self.refs = [
            BackendRef(f"broken_qpu_{i}", provider=self.name, num_qubits=7)
            for i in range(1, count + 1)
        ]
        self.calls = 0

    def backends(self) -> list[BackendRef]:
        return list(self.refs)

    def status(self, backend: BackendRef) -> BackendStatus:
        self.calls += 1
        raise RuntimeError(f"status API answered 500 for {backend.name}")

    def calibration(self, backend: BackendRef) -> Calibration:  # noqa: ARG002 - the Provider interface
        self.calls += 1
        raise RuntimeError("calibration API answered 500")

    def usage(self) -> list[Usage]:
        return []


class Stuck:
    """Lists backends, then status and calibration calls hang until :meth:`release`."""

    name = "stuck"

    def __init__(self) -> None:
        self.refs = [BackendRef("stuck_qpu_1", provider=self.name, num_qubits=3)]
        self._release = threading.Event()
        self.calls = 0
        self.hanging = 0
        self._lock = threading.Lock()

    def release(self) -> None:
        self._release.set()

    def _hang(self) -> None:
        with self._lock:
            self.calls += 1
            self.hanging += 1
        try:
            self._release.wait(HANG_LIMIT)
        finally:
            with self._lock:
                self.hanging -= 1

    def backends(self) -> list[BackendRef]:
        return list(self.refs)

    def status(self, backend: BackendRef) -> BackendStatus:  # noqa: ARG002 - the Provider interface
        self._hang()
        return BackendStatus(operational=True, pending_jobs=1)

    def calibration(self, backend: BackendRef) -> Calibration:  # noqa: ARG002 - the Provider interface
        self._hang()
        return Calibration(t1=[1e-4])

    def usage(self) -> list[Usage]:
        return []


class Changing:
    """Backends that can be added and removed between polls; reports usage."""

    name = "changing"

    def __init__(self, names: list[str]) -> None:
        self.names = list(names)
        self.fail_discovery = False

    def backends(self) -> list[BackendRef]:
        if self.fail_discovery:
            raise ConnectionError("discovery endpoint unreachable")
        return [BackendRef(n, provider=self.name, num_qubits=2) for n in self.names]

    def status(self, backend: BackendRef) -> BackendStatus:
        return BackendStatus(operational=True, pending_jobs=len(backend.name))

    def calibration(self, backend: BackendRef) -> Calibration:  # noqa: ARG002 - the Provider interface
        return Calibration(
            timestamp=1.7e9,
            t1=[1e-4, 2e-4],
            t2=[5e-5, 6e-5],
            readout_error=[0.01, 0.02],
            gate_errors={"cz": [0.003, 0.004]},
        )

    def usage(self) -> list[Usage]:
        return [Usage("crn:test-instance", consumed_seconds=1234.0, limit_seconds=36000.0)]


class Hostile:
    """Answers of the right shape holding values of the wrong type: a backend named 12345
    (an int), ``processor_type=None``, an infinite and a textual queue length, an integer
    gate key, a text T1, ``instance=None``. Backend ``hostile_ok`` has valid answers too."""

    name = "hostile"

    def backends(self) -> list[BackendRef]:
        return [
            BackendRef(12345, provider=self.name),  # type: ignore[arg-type]
            BackendRef("hostile_none", provider=self.name, processor_type=None),  # type: ignore[arg-type]
            BackendRef("hostile_ok", provider=self.name, num_qubits=2),
        ]

    def status(self, backend: BackendRef) -> BackendStatus:
        jobs = 4 if backend.name == "hostile_ok" else float("inf")
        return BackendStatus(operational=True, pending_jobs=jobs)  # type: ignore[arg-type]

    def calibration(self, backend: BackendRef) -> Calibration:  # noqa: ARG002 - the Provider interface
        return Calibration(
            timestamp=1.7e9,
            t1=[1e-4, "n/a"],  # type: ignore[list-item]
            t2=[5e-5, 6e-5],
            gate_errors={"cz": [0.003], 7: [0.1]},  # type: ignore[dict-item]
        )

    def usage(self) -> list[Usage]:
        return [Usage(None, consumed_seconds=1.0), Usage("crn:hostile", limit_seconds=10.0)]  # type: ignore[arg-type]


class NotAList:
    """A provider whose ``backends()`` returns 42."""

    name = "notalist"

    def backends(self) -> list[BackendRef]:
        return 42  # type: ignore[return-value]

    def status(self, backend: BackendRef) -> BackendStatus:  # noqa: ARG002 - the Provider interface
        return BackendStatus(operational=True)

    def calibration(self, backend: BackendRef) -> None:  # noqa: ARG002 - the Provider interface
        return None

    def usage(self) -> list[Usage]:
        return []


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text for this error")


class Unprintable:
    """Lists one backend, then every status call raises an exception that cannot be printed."""

    name = "unprintable"

    def backends(self) -> list[BackendRef]:
        return [BackendRef("unprintable_qpu", provider=self.name)]

    def status(self, backend: BackendRef) -> BackendStatus:  # noqa: ARG002 - the Provider interface
        raise _Unprintable

    def calibration(self, backend: BackendRef) -> None:  # noqa: ARG002 - the Provider interface
        return None

    def usage(self) -> list[Usage]:
        return []
