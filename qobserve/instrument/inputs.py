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

import functools
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple

from qobserve.instrument.adapter import Shape

#: circuits larger than this are not walked for depth or fingerprint (cost grows with size)
MAX_WALK_OPS = 200_000
_MAX_DEPTH = 6


class Inputs:
    """The submitted work of one job, summarised lazily."""

    __slots__ = ("_facts", "default_shots", "items", "kind", "program_shots", "shots")

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
        # per circuit (by id: ``items`` holds them for the job's life), walked once for both
        # the fingerprint at submission and the shape at the outcome
        self._facts: dict[int, CircuitFacts] = {}

    def facts(self, circuit: Any) -> CircuitFacts:
        """``circuit``'s :class:`CircuitFacts`, computed on first use."""
        found = self._facts.get(id(circuit))
        if found is None:
            found = self._facts[id(circuit)] = circuit_facts(circuit)
        return found

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
            counts = self.facts(circuit).counts
            if counts is None:  # too large to walk
                continue
            acted, pairs, deep = counts
            depth = max(depth or 0, deep)
            used = max(used or 0, acted)
            two_qubit = (two_qubit or 0) + pairs
        return Shape(self.num_circuits, used, depth, two_qubit, width)

    def fingerprint(self, *context: object) -> str:
        """A hex SHA-256 of the inputs and ``context`` (backend name, primitive...)."""
        h = hashlib.sha256()
        for part in (*context, self.kind, self.shots, self.default_shots, self.program_shots):
            _feed(h, part, 0, self.facts)
        for item in self.items:
            _feed(h, item, 0, self.facts)
        return h.hexdigest()


class CircuitFacts(NamedTuple):
    """What one walk over a circuit's instructions yields."""

    #: the canonical bytes the fingerprint hashes (parameters by name, bits by index)
    text: bytes
    #: (qubits acted on, two-qubit gates, depth); None for a circuit too large to walk
    counts: tuple[int, int, int] | None


#: operations that touch qubits without acting on them
_NOT_ACTING = frozenset({"barrier", "delay", "store"})


def circuit_facts(circuit: Any) -> CircuitFacts:
    """One pass over ``circuit.data`` (each access builds Python objects from qiskit's Rust
    data, so the fingerprint, qubits, two-qubit gates and depth share it). Depth is qiskit's
    (``QuantumCircuit.depth()``: directives add no layer but synchronise their bits), counted
    here for plain circuits; qiskit's own is called for control flow and classical
    variables, whose resources it derives."""
    data = circuit.data
    head = f"qc:{circuit.num_qubits}:{circuit.num_clbits}:{len(data)};"
    if len(data) > MAX_WALK_OPS:  # too big to walk: unique, never a false duplicate
        return CircuitFacts(f"{head}{id(circuit)}".encode(), None)
    qubit_index = {q: str(i) for i, q in enumerate(circuit.qubits)}
    clbit_index = {c: str(i) for i, c in enumerate(circuit.clbits)}
    parts = [head]
    acted: set[Any] = set()
    two_qubit = 0
    levels: dict[Any, int] = {}
    plain = not (getattr(circuit, "num_vars", 0) or getattr(circuit, "num_stretches", 0))
    conditions = _has_conditions()
    adds_layer: dict[str, bool | None] = {}  # op name -> adds a layer (None: control flow)
    # name and params straight from the instruction (``.operation`` builds a gate object),
    # where the qiskit version has them there
    direct = len(data) > 0 and hasattr(data[0], "params") and hasattr(data[0], "name")
    for instruction in data:
        if direct:
            name, params = instruction.name, instruction.params
        else:
            op = instruction.operation
            name, params = op.name, op.params
        qubits, clbits = instruction.qubits, instruction.clbits
        parts.append(
            f"{name}({','.join([_param_text(p) for p in params]) if params else ''})"
            f"[{','.join([qubit_index[q] for q in qubits])}|"
            f"{','.join([clbit_index[c] for c in clbits]) if clbits else ''}];"
        )
        if name not in _NOT_ACTING:
            acted.update(qubits)
            if len(qubits) == 2 and not clbits:
                two_qubit += 1
        if not plain:
            continue
        layer = adds_layer.get(name, False)
        if layer is False and name not in adds_layer:
            op = instruction.operation
            layer = adds_layer[name] = (
                None if hasattr(op, "blocks") else not getattr(op, "_directive", False)
            )
        if layer is None or (
            conditions and getattr(instruction.operation, "_condition", None) is not None
        ):
            plain = False  # control flow, conditions: qiskit's depth reads their resources
            continue
        bits = (*qubits, *clbits) if clbits else qubits
        level = max([levels.get(b, 0) for b in bits], default=0) + layer
        for b in bits:
            levels[b] = level
    depth = max(levels.values(), default=0) if plain else int(circuit.depth())
    return CircuitFacts("".join(parts).encode(), (len(acted), two_qubit, depth))


@functools.cache
def _has_conditions() -> bool:
    """Qiskit 1.x instructions may carry a ``c_if`` condition (removed in 2.0)."""
    import qiskit

    return int(qiskit.__version__.split(".")[0]) < 2


def _circuit_of(item: Any) -> Any:
    if hasattr(item, "num_qubits") and hasattr(item, "data"):
        return item
    if isinstance(item, (tuple, list)) and item:
        return _circuit_of(item[0])
    circuit = getattr(item, "circuit", None)
    return circuit if circuit is not None and hasattr(circuit, "num_qubits") else None


def _parameter_sets(kind: str, item: Any) -> int | None:
    """Parameter sets a Sampler or Estimator PUB binds (qiskit's own coercion reads it)."""
    if getattr(item, "num_parameters", None) == 0:  # a bare circuit, nothing to bind
        return 1
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


def _feed(  # noqa: C901 - one branch per kind of submitted object
    h: Any, obj: Any, depth: int, facts: Callable[[Any], CircuitFacts] = circuit_facts
) -> None:
    """Feed a canonical byte form of ``obj`` into hash ``h`` (circuits' from ``facts``)."""
    if obj is None or isinstance(obj, (bool, int, float, complex, str, bytes)):
        h.update(f"{type(obj).__name__}:{obj!r};".encode())
        return
    if depth > _MAX_DEPTH:
        h.update(type(obj).__qualname__.encode())
        return
    if hasattr(obj, "num_qubits") and hasattr(obj, "data") and hasattr(obj, "qubits"):
        h.update(facts(obj).text)
        return
    tobytes = getattr(obj, "tobytes", None)
    if callable(tobytes) and hasattr(obj, "dtype"):  # a numpy array or scalar
        h.update(f"nd:{obj.dtype}:{getattr(obj, 'shape', ())};".encode())
        h.update(tobytes())
        return
    if isinstance(obj, Mapping):
        h.update(b"{")
        for key in sorted(obj, key=repr):
            _feed(h, key, depth + 1, facts)
            _feed(h, obj[key], depth + 1, facts)
        h.update(b"}")
        return
    if isinstance(obj, (list, tuple)):
        h.update(b"[")
        for item in obj:
            _feed(h, item, depth + 1, facts)
        h.update(b"]")
        return
    h.update(type(obj).__qualname__.encode())
    for method in ("tolist", "to_list"):  # observables, SparsePauliOp
        fn = getattr(obj, method, None)
        if callable(fn):
            _feed(h, fn(), depth + 1, facts)
            return
    state = getattr(obj, "__dict__", None)
    if state is not None:  # pubs, binding arrays, program items
        _feed(h, {k.lstrip("_"): v for k, v in state.items()}, depth + 1, facts)
        return
    text = repr(obj)
    if " at 0x" not in text:  # a repr with an address would make the key differ every run
        h.update(text.encode())


def _param_text(param: Any) -> str:
    if isinstance(param, (int, float, complex, str)):
        return repr(param)
    # Parameter/ParameterExpression print by name; a nested circuit (control flow) by content
    if hasattr(param, "num_qubits") and hasattr(param, "data"):
        return hashlib.sha256(circuit_facts(param).text).hexdigest()
    tobytes = getattr(param, "tobytes", None)
    if callable(tobytes):
        return hashlib.sha256(tobytes()).hexdigest()
    return str(param)
