"""The Amazon Braket provider, through amazon-braket-sdk's ``AwsSession`` and ``AwsDevice``.

Credentials and region come from the standard AWS chain (environment, ``~/.aws``, instance
role), never from the command line; errors leave this module with every secret-looking value
replaced by ``[REDACTED]``. ``--provider-option braket.devices=ARN,ARN`` watches just those
devices; by default every gate-model device the account can search in its region (QPUs and
the on-demand simulators SV1, DM1, TN1), retired ones excluded.

What it reads, per device:

- status: ``ONLINE`` inside one of the device's availability windows is up; ``OFFLINE``,
  ``RETIRED``, ``PAUSED`` or outside every window is down (the message says which);
- queue: the device's quantum-task queue (normal + priority); Braket caps the figure it shows
  at 4000 (``>4000``), reported as 4000;
- calibration: the standardized device properties: T1, T2, readout error (1 - readout
  fidelity) per qubit and two-qubit gate error (1 - fidelity) per gate and qubit pair;
  ``updatedAt`` of the service properties is the calibration time. Devices that publish only
  device-wide figures (schema v3) report those as one value each.

Example::

    provider = BraketProvider(devices=["arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1"])
    [ref.name for ref in provider.backends()]    # ['ionq_forte_1']
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Sequence
from typing import Any

# Imported when the provider is created (see the note in qobserve.collectors.fake).
from braket.aws import AwsDevice, AwsSession

from qobserve.collectors.provider import (
    QPU,
    SIMULATOR,
    BackendRef,
    BackendStatus,
    Calibration,
    Usage,
    call_provider,
)
from qobserve.exceptions import InputError

#: Braket's queue figures stop at this many tasks ("">4000"").
_QUEUE_CAP = 4000
_TIME_UNITS = {"s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def backend_name(arn: str) -> str:
    """The ``backend`` label of a Braket device: vendor and device for QPUs, the simulator's
    own name for Amazon's simulators; stable because ARNs are.

    >>> backend_name("arn:aws:braket:us-east-1::device/qpu/ionq/Forte-1")
    'ionq_forte_1'
    >>> backend_name("arn:aws:braket:::device/quantum-simulator/amazon/sv1")
    'sv1'
    """
    parts = arn.rsplit(":", 1)[-1].split("/")
    picked = parts[-1:] if "quantum-simulator" in parts else parts[-2:]
    return re.sub(r"[^a-z0-9]+", "_", "_".join(picked).lower()).strip("_")


def backend_type(device_type: str) -> str:
    """``qpu`` for Braket's ``QPU`` devices, ``simulator`` for the managed simulators."""
    return QPU if str(device_type).upper().endswith("QPU") else SIMULATOR


class BraketProvider:
    """Devices, status, queue and calibration of one AWS account's Braket region.

    ``session`` accepts a ready ``AwsSession``; otherwise one is made from the AWS credential
    chain (``region`` overrides ``AWS_REGION``). ``devices`` is a list (or comma-separated
    string) of device ARNs to watch instead of searching.
    """

    name = "braket"

    def __init__(
        self,
        *,
        devices: str | Sequence[str] | None = None,
        region: str | None = None,
        session: Any = None,
    ) -> None:
        if isinstance(devices, str):
            devices = [d.strip() for d in devices.split(",") if d.strip()]
        for arn in devices or ():
            if not arn.startswith("arn:aws:braket:"):
                raise InputError(
                    f"not a Braket device ARN: {arn!r}", field="--provider-option braket.devices"
                )
        self._arns = list(devices or [])
        self._region = region
        self._session = session
        self._lock = threading.Lock()
        self._devices: dict[str, Any] = {}

    def _get_session(self) -> Any:
        with self._lock:
            if self._session is None:
                self._session = call_provider("connecting to Amazon Braket", self._new_session)
            return self._session

    def _new_session(self) -> Any:
        import boto3

        return AwsSession(boto_session=boto3.Session(region_name=self._region))

    def backends(self) -> Sequence[BackendRef]:
        """The watched devices, or every gate-model device the region lists (not retired)."""
        session = self._get_session()

        def discover() -> list[Any]:
            arns = self._arns or [
                d["deviceArn"]
                for d in session.search_devices(statuses=["ONLINE", "OFFLINE"])
                if d["deviceType"] in ("QPU", "SIMULATOR")
            ]
            return [AwsDevice(arn, aws_session=session) for arn in arns]

        found = call_provider("listing Braket devices", discover)
        with self._lock:
            self._devices = {backend_name(d.arn): d for d in found}
        return [_ref(d) for d in found]

    def _device(self, name: str) -> Any:
        with self._lock:
            return self._devices[name]

    def status(self, backend: BackendRef) -> BackendStatus:
        """Device status inside its availability windows, and its quantum-task queue."""
        device = self._device(backend.name)

        def read() -> BackendStatus:
            device.refresh_metadata()
            depth = device.queue_depth().quantum_tasks
            pending = sum(_queue_size(v) for v in depth.values())
            if device.status != "ONLINE":
                return BackendStatus(False, pending, f"device is {device.status}")
            if not device.is_available:
                return BackendStatus(False, pending, "outside the device's availability windows")
            return BackendStatus(True, pending, "")

        return call_provider(f"status of {backend.name}", read)

    def calibration(self, backend: BackendRef) -> Calibration | None:
        """The standardized calibration the device publishes; None when it publishes none."""
        device = self._device(backend.name)

        def read() -> Calibration | None:
            device.refresh_metadata()
            return calibration_from_properties(device.properties)

        return call_provider(f"calibration of {backend.name}", read)

    def usage(self) -> list[Usage]:
        """Braket bills per task and shot; it publishes no usage quota to poll."""
        return []


def _ref(device: Any) -> BackendRef:
    paradigm = getattr(device.properties, "paradigm", None)
    qubits = getattr(paradigm, "qubitCount", None)
    return BackendRef(
        name=backend_name(device.arn),
        backend_type=backend_type(device.type),
        provider="aws",
        processor_type=f"{device.provider_name} {device.name}".strip(),
        num_qubits=int(qubits) if qubits is not None else None,
    )


def _queue_size(text: Any) -> int:
    digits = re.sub(r"\D", "", str(text))
    return min(int(digits), _QUEUE_CAP) if digits else 0


def _seconds(duration: Any) -> float | None:
    if duration is None or getattr(duration, "value", None) is None:
        return None
    unit = getattr(duration.unit, "value", duration.unit)
    scale = _TIME_UNITS.get(str(unit).lower())
    return float(duration.value) * scale if scale is not None else None


def _readout_error(fidelities: Iterable[Any]) -> float | None:
    for f in fidelities or ():
        kind = getattr(f.fidelityType, "name", None)
        if str(getattr(kind, "value", kind)).upper() == "READOUT":
            return 1.0 - float(f.fidelity)
    return None


def calibration_from_properties(properties: Any) -> Calibration | None:
    """A :class:`Calibration` from a device's parsed ``deviceCapabilities``; None when the
    device has no standardized properties (simulators, devices that publish none).

    Qubits are ordered by their numeric identifier; missing figures are None.
    """
    std = getattr(properties, "standardized", None)
    if std is None:
        return None
    service = getattr(properties, "service", None)
    updated = getattr(std, "updatedAt", None) or getattr(service, "updatedAt", None)
    timestamp = updated.timestamp() if updated is not None else None
    one = getattr(std, "oneQubitProperties", None) or {}
    qubits = sorted(one, key=lambda q: (len(q), q))
    t1 = [_seconds(getattr(one[q], "T1", None)) for q in qubits]
    t2 = [_seconds(getattr(one[q], "T2", None)) for q in qubits]
    readout = [_readout_error(getattr(one[q], "oneQubitFidelity", ())) for q in qubits]
    gates: dict[str, list[float]] = {}
    for pair in (getattr(std, "twoQubitProperties", None) or {}).values():
        for gate in pair.twoQubitGateFidelity:
            gates.setdefault(str(gate.gateName).lower(), []).append(1.0 - float(gate.fidelity))
    if not qubits:  # schema v3: device-wide figures only
        t1 = [_seconds(getattr(std, "T1", None))]
        t2 = [_seconds(getattr(std, "T2", None))]
        device_readout = getattr(std, "readoutFidelity", None) or ()
        readout = [1.0 - float(device_readout[0].fidelity) if device_readout else None]
        for f in getattr(std, "twoQubitGateFidelity", None) or ():
            gates.setdefault("two_qubit", []).append(1.0 - float(f.fidelity))
    if not any(v is not None for v in (*t1, *t2, *readout)) and not gates:
        return None
    return Calibration(timestamp=timestamp, t1=t1, t2=t2, readout_error=readout, gate_errors=gates)
