"""What a job was submitted with: its circuits, shots and a stable fingerprint of it all.

Only references are taken at submission (a few attribute reads on the caller's thread); depth,
qubit counts and the fingerprint are computed when the job finishes, off the submit path.

The fingerprint is stable across processes: circuits are hashed instruction by instruction
with parameters by *name* (``Parameter`` objects carry a random UUID, so QPY bytes differ
between two processes building the same ansatz), arrays by dtype, shape and bytes.

Example::

    inputs = Inputs.from_pubs("sampler", [isa_circuit], shots=1024)
    inputs.requested_shots()   # 1024
    inputs.fingerprint()       # 'b5bb9d80...'
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from qobserve.instrument.adapter import Shape

#: circuits larger than this are not walked for depth or fingerprint (cost grows with size)
MAX_WALK_OPS = 200_000
_MAX_DEPTH = 6


class Inputs:
    """The submitted work of one job, summarised lazily."""

    __slots__ = ("default_shots", "items", "kind", "program_shots", "shots")

    def __init__(
        self,
        kind: str,
        items: Sequence[Any],
        shots: int | None = None,
        default_shots: int | None = None,
        program_shots: int | None = None,
    ) -> None:
        self.kind = kind  # "sampler", "estimator", "circuits" or "program"
        self.items = items
        self.shots = shots
        self.default_shots = default_shots
        self.program_shots = program_shots

    @classmethod
    def from_pubs(
        cls, kind: str, pubs: Sequence[Any], shots: int | None = None, default_shots: Any = None
    ) -> Inputs:
        """Pubs of a Sampler or Estimator call (circuits, tuples or pub objects)."""
        return cls(kind, pubs, shots, default_shots if isinstance(default_shots, int) else None)

    @classmethod
    def from_circuits(cls, circuits: Any, shots: int | None) -> Inputs:
        """Circuits of ``backend.run`` (one circuit or a list)."""
        items = circuits if isinstance(circuits, (list, tuple)) else [circuits]
        return cls("circuits", items, shots)

    @classmethod
    def from_program(cls, program: Any) -> Inputs:
        """A ``QuantumProgram`` given to ``Executor.run``."""
        items = list(getattr(program, "items", None) or ())
        return cls("program", items, program_shots=getattr(program, "shots", None))

    @property
    def num_circuits(self) -> int:
        """Number of pubs, circuits or program items."""
        return len(self.items)

    def circuits(self) -> list[Any]:
        """The circuits, in submission order."""
        out = []
        for item in self.items:
            circuit = _circuit_of(item)
            if circuit is not None:
                out.append(circuit)
        return out

    def parameter_sets(self) -> list[int | None]:
        """Per PUB, how many parameter sets it binds (1 for a circuit without parameters;
        None where the PUB cannot be read). Circuits of ``backend.run`` count 1 each."""
        if self.kind not in ("sampler", "estimator"):
            return [1] * len(self.items)
        return [_parameter_sets(self.kind, item) for item in self.items]

    def requested_shots(self) -> int | None:
        """Shots the submission executes: shots x parameter sets, summed over PUBs; None when
        the primitive decides (Estimator precision)."""
        if self.kind == "program":
            return self.program_shots * len(self.items) if self.program_shots else None
        if self.kind == "estimator":
            return None
        if self.kind == "circuits":
            return self.shots * len(self.items) if self.shots else None
        total = 0
        for item, sets in zip(self.items, self.parameter_sets(), strict=True):
            shots = _pub_shots(item)
            if shots is None:
                shots = self.shots or self.default_shots
            if not shots or sets is None:
                return None
            total += shots * sets
        return total

    def shape(self) -> Shape:
        """The circuits' shape: qubits acted on (largest), width as submitted (largest), depth
        (deepest), two-qubit gates (all circuits); None where unknown or too large to walk."""
        used: int | None = None
        width: int | None = None
        depth: int | None = None
        two_qubit: int | None = None
        for circuit in self.circuits():
            n = getattr(circuit, "num_qubits", None)
            if isinstance(n, int):
                width = max(width or 0, n)
            if len(getattr(circuit, "data", ())) > MAX_WALK_OPS:
                continue
            depth = max(depth or 0, circuit.depth())
            acted, pairs = _walk(circuit)
            used = max(used or 0, acted)
            two_qubit = (two_qubit or 0) + pairs
        return Shape(self.num_circuits, used, depth, two_qubit, width)

    def fingerprint(self, *context: object) -> str:
        """A hex SHA-256 of the inputs and ``context`` (backend name, primitive...)."""
        h = hashlib.sha256()
        for part in (*context, self.kind, self.shots, self.default_shots, self.program_shots):
            _feed(h, part, 0)
        for item in self.items:
            _feed(h, item, 0)
        return h.hexdigest()


def _circuit_of(item: Any) -> Any:
    if hasattr(item, "num_qubits") and hasattr(item, "data"):
        return item
    if isinstance(item, (tuple, list)) and item:
        return _circuit_of(item[0])
    circuit = getattr(item, "circuit", None)
    return circuit if circuit is not None and hasattr(circuit, "num_qubits") else None


#: operations that touch qubits without acting on them
_NOT_ACTING = frozenset({"barrier", "delay", "store"})


def _walk(circuit: Any) -> tuple[int, int]:
    """(qubits acted on, two-qubit gates) of one circuit."""
    acted: set[Any] = set()
    pairs = 0
    for instruction in circuit.data:
        name = instruction.operation.name
        if name in _NOT_ACTING:
            continue
        qubits = instruction.qubits
        acted.update(qubits)
        if len(qubits) == 2 and not instruction.clbits:
            pairs += 1
    return len(acted), pairs


def _parameter_sets(kind: str, item: Any) -> int | None:
    """Parameter sets a Sampler or Estimator PUB binds (qiskit's own coercion reads it)."""
    try:
        if kind == "sampler":
            from qiskit.primitives.containers.sampler_pub import SamplerPub

            values = SamplerPub.coerce(item).parameter_values
        else:
            from qiskit.primitives.containers.estimator_pub import EstimatorPub

            values = EstimatorPub.coerce(item).parameter_values
    except Exception:  # not a PUB qiskit can read: the SDK will say so itself
        return None
    return max(int(values.size), 1)


def _pub_shots(item: Any) -> int | None:
    if isinstance(item, (tuple, list)):
        return item[2] if len(item) >= 3 and isinstance(item[2], int) else None
    shots = getattr(item, "shots", None)
    return shots if isinstance(shots, int) else None


def _feed(h: Any, obj: Any, depth: int) -> None:  # noqa: C901 - one branch per kind of submitted object
    """Feed a canonical byte form of ``obj`` into hash ``h``."""
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
        return
    if depth > _MAX_DEPTH:
        h.update(type(obj).__qualname__.encode())
        return
    if hasattr(obj, "num_qubits") and hasattr(obj, "data") and hasattr(obj, "qubits"):
        _feed_circuit(h, obj)
        return
    tobytes = getattr(obj, "tobytes", None)
    if callable(tobytes) and hasattr(obj, "dtype"):  # a numpy array or scalar
        h.update(f"nd:{obj.dtype}:{getattr(obj, 'shape', ())};".encode())
        h.update(tobytes())
        return
    if isinstance(obj, Mapping):
        h.update(b"{")
        for key in sorted(obj, key=repr):
            _feed(h, key, depth + 1)
            _feed(h, obj[key], depth + 1)
        h.update(b"}")
        return
    if isinstance(obj, (list, tuple)):
        h.update(b"[")
        for item in obj:
            _feed(h, item, depth + 1)
        h.update(b"]")
        return
    h.update(type(obj).__qualname__.encode())
    for method in ("tolist", "to_list"):  # observables, SparsePauliOp
        fn = getattr(obj, method, None)
        if callable(fn):
            _feed(h, fn(), depth + 1)
            return
    state = getattr(obj, "__dict__", None)
    if state is not None:  # pubs, binding arrays, program items
        _feed(h, {k.lstrip("_"): v for k, v in state.items()}, depth + 1)
        return
    text = repr(obj)
    if " at 0x" not in text:  # a repr with an address would make the key differ every run
        h.update(text.encode())


def _feed_circuit(h: Any, circuit: Any) -> None:
    data = circuit.data
    h.update(f"qc:{circuit.num_qubits}:{circuit.num_clbits}:{len(data)};".encode())
    if len(data) > MAX_WALK_OPS:
        h.update(str(id(circuit)).encode())  # too big to walk: unique, never a false duplicate
        return
    qubit_index = {q: i for i, q in enumerate(circuit.qubits)}
    clbit_index = {c: i for i, c in enumerate(circuit.clbits)}
    update = h.update
    for instruction in data:
        op = instruction.operation
        params = ",".join(_param_text(p) for p in op.params)
        qubits = ",".join(str(qubit_index[q]) for q in instruction.qubits)
        clbits = ",".join(str(clbit_index[c]) for c in instruction.clbits)
        update(f"{op.name}({params})[{qubits}|{clbits}];".encode())


def _param_text(param: Any) -> str:
    if isinstance(param, (int, float, complex, str)):
        return repr(param)
    # Parameter/ParameterExpression print by name; a nested circuit (control flow) by content
    if hasattr(param, "num_qubits") and hasattr(param, "data"):
        inner = hashlib.sha256()
        _feed_circuit(inner, param)
        return inner.hexdigest()
    tobytes = getattr(param, "tobytes", None)
    if callable(tobytes):
        return hashlib.sha256(tobytes()).hexdigest()
    return str(param)
