"""Read qiskit ``BackendV2`` objects into the provider interface's plain data.

Shared by the fake, IBM and Aer providers: the calibration comes from the backend's
``Target`` (qubit T1/T2, ``measure`` errors as readout errors, every other instruction's
error as a gate error) and the calibration time from ``properties().last_update_date`` where
the backend has properties.

Example::

    from qiskit_ibm_runtime.fake_provider import FakeKyiv
    backend = FakeKyiv()
    cal = calibration_from_backend(backend)
    ref = backend_ref(backend, provider="fake", backend_type="emulator")
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from qobserve.collectors.provider import BackendRef, BackendStatus, Calibration

#: Target entries that are not gates: readout is reported on its own, the rest have no error.
_NOT_GATES = frozenset({"measure", "reset", "delay", "barrier"})


def calibration_from_target(target: Any, timestamp: float | None = None) -> Calibration:
    """A :class:`Calibration` from a ``qiskit.transpiler.Target``."""
    n = int(target.num_qubits or 0)
    props = list(target.qubit_properties or [])
    t1 = [getattr(p, "t1", None) if p is not None else None for p in props]
    t2 = [getattr(p, "t2", None) if p is not None else None for p in props]
    readout: list[float | None] = [None] * n
    gates: dict[str, list[float]] = {}
    for op_name in target.operation_names:
        entries: Mapping[Any, Any] | None = target[op_name]
        if not entries:
            continue
        if op_name == "measure":
            for qargs, inst in entries.items():
                if qargs and inst is not None and inst.error is not None and qargs[0] < n:
                    readout[qargs[0]] = float(inst.error)
        elif op_name not in _NOT_GATES:
            errors = [
                float(inst.error)
                for inst in entries.values()
                if inst is not None and inst.error is not None
            ]
            if errors:
                gates[op_name] = errors
    return Calibration(timestamp=timestamp, t1=t1, t2=t2, readout_error=readout, gate_errors=gates)


def calibration_timestamp(backend: Any) -> float | None:
    """Unix time of the backend's last calibration, None when it publishes no properties."""
    properties = getattr(backend, "properties", None)
    if properties is None:
        return None
    props = properties()
    when = getattr(props, "last_update_date", None) if props is not None else None
    return when.timestamp() if when is not None else None


def calibration_from_backend(backend: Any) -> Calibration | None:
    """The backend's calibration, or None when its target carries no error or qubit data
    (ideal simulators)."""
    cal = calibration_from_target(backend.target, calibration_timestamp(backend))
    if (
        not any(v is not None for v in (*cal.t1, *cal.t2, *cal.readout_error))
        and not cal.gate_errors
    ):
        return None
    return cal


def status_from_backend(backend: Any) -> BackendStatus:
    """The backend's ``status()`` as :class:`BackendStatus`; a backend without a status
    method (local simulators) is operational with an empty queue."""
    status_fn = getattr(backend, "status", None)
    status = status_fn() if status_fn is not None else None
    if status is None:
        return BackendStatus(operational=True, pending_jobs=0, message="local")
    return BackendStatus(
        operational=bool(status.operational),
        pending_jobs=int(status.pending_jobs),
        message=str(getattr(status, "status_msg", "") or ""),
    )


def processor_type_label(processor_type: Mapping[str, Any] | None) -> str:
    """IBM's processor family and revision as IBM writes them, e.g. ``Eagle r3``,
    ``Falcon r5.11H``; ``unknown`` when the backend does not say.

    >>> processor_type_label({"family": "Falcon", "revision": "5.11", "segment": "H"})
    'Falcon r5.11H'
    """
    if not processor_type or not processor_type.get("family"):
        return "unknown"
    label = str(processor_type["family"])
    if processor_type.get("revision") not in (None, ""):
        label += f" r{processor_type['revision']}"
    return label + str(processor_type.get("segment") or "")


def backend_ref(
    backend: Any, *, provider: str, backend_type: str, processor_type: str | None = None
) -> BackendRef:
    """A :class:`BackendRef` for a qiskit backend; ``processor_type`` defaults to what the
    backend's configuration says."""
    conf = backend.configuration() if hasattr(backend, "configuration") else None
    if processor_type is None:
        processor_type = processor_type_label(getattr(conf, "processor_type", None))
    # The configuration's count is free; ``backend.num_qubits`` builds the whole Target.
    num_qubits = getattr(conf, "n_qubits", None)
    if num_qubits is None:
        num_qubits = backend.num_qubits
    return BackendRef(
        name=str(backend.name),
        backend_type=backend_type,
        provider=provider,
        processor_type=processor_type,
        version=str(getattr(backend, "backend_version", "") or ""),
        num_qubits=int(num_qubits),
    )
