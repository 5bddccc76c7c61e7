"""PennyLane instrumentation: one job per device execution, on any device.

A QNode call executes its tapes on the device once (``Device.execute``, or
``execute_and_compute_derivatives`` and its JVP/VJP forms when the device computes the
gradient too): that execution is the job. Gradients that need more circuits (parameter-shift,
finite differences) run them as further executions, each one a job of its shifted tapes, so
what ran on the device is what is counted. Every class of ``qml.devices.Device``'s hierarchy
that defines one of these methods is wrapped: ``default.qubit``, ``default.mixed``,
``lightning.qubit`` and the installed plugin devices (``instrument()`` loads the
``pennylane.plugins`` entry points, as ``qml.device`` would on first use); calls a plugin
device makes into another instrumented SDK (Braket, Qiskit) are part of its job, not a second
one.

Shots are the tapes' total shots times their broadcast size, summed; analytic executions
(no shots) leave ``shots`` empty and set ``quantum.pennylane.analytic``. Qubits are the wires
the tapes use, depth and two-qubit gates come from their operations.

Example::

    from qobserve.instrument import PennyLaneInstrumentor

    PennyLaneInstrumentor().instrument()
    circuit(0.3)                 # a QNode call: one job on default.qubit
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
from collections.abc import Collection, Sequence
from importlib.metadata import entry_points
from typing import Any, ClassVar

from qobserve.instrument.adapter import (
    Adapter,
    Args,
    Describe,
    Shape,
    Submission,
    package_provider,
)
from qobserve.instrument.patching import Patcher, class_tree
from qobserve.instrument.patching_instrumentor import PatchingInstrumentor
from qobserve.instrument.submit import wrap_submit

#: device methods that run tapes (the gradient forms run them too)
METHODS = (
    "execute", "execute_and_compute_derivatives", "execute_and_compute_jvp",
    "execute_and_compute_vjp",
)  # fmt: skip


class PennyLaneWork:
    """The tapes of one device execution, summarised lazily."""

    __slots__ = ("tapes",)

    def __init__(self, tapes: Sequence[Any]) -> None:
        self.tapes = tapes

    @property
    def num_circuits(self) -> int:
        return len(self.tapes)

    def requested_shots(self) -> int | None:
        total = 0
        for tape in self.tapes:
            shots = getattr(getattr(tape, "shots", None), "total_shots", None)
            if not shots:
                return None  # analytic
            total += int(shots) * int(getattr(tape, "batch_size", None) or 1)
        return total

    def shape(self) -> Shape:
        qubits = depth = two_qubit = 0
        for tape in self.tapes:
            qubits = max(qubits, len(tape.wires))
            wires = [_wires(op) for op in tape.operations]
            depth = max(depth, _depth(wires))
            two_qubit += sum(1 for w in wires if len(w) == 2)
        return Shape(len(self.tapes), qubits, depth, two_qubit)

    def fingerprint(self, *context: object) -> str:
        h = hashlib.sha256()
        for part in context:
            h.update(f"{part!r};".encode())
        for tape in self.tapes:
            h.update(str(tape.hash).encode())  # PennyLane's own hash: ops, params, shots
        return h.hexdigest()


def _wires(op: Any) -> tuple[Any, ...]:
    """An operation's wires. A controlled operation (``CNOT``...) builds its ``wires`` from
    its control, target and work wires at every access, which cost more than the rest of a
    job's telemetry: those are read directly."""
    target = getattr(op, "target_wires", None)
    if target is not None:
        control = getattr(op, "control_wires", ())
        return (*control, *target, *getattr(op, "work_wires", ()))
    return tuple(op.wires)


def _depth(wires: Sequence[tuple[Any, ...]]) -> int:
    """Layers of operations (given by their wires), each on wires free in its layer (what
    ``specs`` calls depth)."""
    level: dict[Any, int] = {}
    deepest = 0
    for op_wires in wires:
        layer = 1 + max((level.get(w, 0) for w in op_wires), default=0)
        for w in op_wires:
            level[w] = layer
        deepest = max(deepest, layer)
    return deepest


class PennyLaneAdapter(Adapter):
    """Device executions return their results: nothing to follow afterwards."""

    sdk: ClassVar[str] = "pennylane"


PENNYLANE = PennyLaneAdapter()
_SIMULATOR_PREFIXES = ("default.", "lightning.", "null.", "reference.")


def backend_type(name: str) -> str:
    """``emulator`` for mixed-state (noise) simulators, ``simulator`` for PennyLane's own and
    local simulators, ``qpu`` for anything else (a plugin device of hardware).

    >>> backend_type("default.mixed"), backend_type("lightning.qubit"), backend_type("ionq.qpu")
    ('emulator', 'simulator', 'qpu')
    """
    if "mixed" in name:
        return "emulator"
    if name.startswith(_SIMULATOR_PREFIXES) or "sim" in name or "local" in name:
        return "simulator"
    return "qpu"


def provider(cls: type) -> str:
    """``pennylane`` for PennyLane's own devices (Lightning too), else the plugin's package
    less ``pennylane_`` (``pennylane_qiskit`` -> ``qiskit``)."""
    found = package_provider(cls, "pennylane_")
    return "pennylane" if found in ("pennylane", "lightning") else found


def _describer(method: str) -> Describe:
    def describe(
        device: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Submission, Args]:
        circuits = args[0] if args else kwargs.get("circuits")
        tapes: list[Any] = list(circuits) if isinstance(circuits, (list, tuple)) else [circuits]
        name = str(getattr(device, "name", type(device).__name__))
        work = PennyLaneWork(tapes)
        analytic = any(not getattr(t.shots, "total_shots", None) for t in tapes)
        submission = Submission(
            PENNYLANE, method, name, backend_type(name), work,
            attributes={"quantum.pennylane.analytic": analytic},
            returns_result=True, provider=provider(type(device)),
        )  # fmt: skip
        return submission, (args, kwargs)

    return describe


class PennyLaneInstrumentor(PatchingInstrumentor):
    """Traces and measures PennyLane device executions (see the module docstring).

    ``instrument(auto_idempotency="run")``: see
    :class:`~qobserve.instrument.patching_instrumentor.PatchingInstrumentor`.
    """

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("pennylane >= 0.38",)

    def _patch(self, patcher: Patcher, auto_idempotency: str) -> None:
        try:
            root = importlib.import_module("pennylane.devices").Device
        except Exception:
            return
        # plugin devices (lightning.qubit, ...) are defined when qml.device() first loads their
        # entry point: load them now, so their classes exist to be wrapped
        for entry in entry_points(group="pennylane.plugins"):
            with contextlib.suppress(Exception):
                entry.load()
        for cls in class_tree(root):
            if cls is root:
                continue  # abstract: subclasses define their own
            for method in METHODS:
                if method in vars(cls):
                    patcher.patch(cls, method, wrap_submit(_describer(method), auto_idempotency))


__all__ = ["PENNYLANE", "PennyLaneAdapter", "PennyLaneInstrumentor", "PennyLaneWork"]
