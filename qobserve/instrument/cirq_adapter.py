"""Cirq instrumentation: every sampler's ``run``, ``run_sweep``, ``run_batch`` and ``sample``,
one job per outermost call.

The four methods call each other (``run`` is ``run_sweep``'s first result, ``run_batch`` runs
``run_sweep`` per circuit, the async forms run the sync ones): only the outermost instrumented
call is a job, the calls it makes pass straight through. Every class of ``cirq.Sampler``'s
hierarchy loaded at ``instrument()`` time that defines one of them is wrapped (the simulators,
``ZerosSampler``, ``StabilizerSampler``, engine samplers when installed); the async forms are
observed through the sync calls they make.

Shots are executed repetitions over every sweep point (``repetitions`` x parameter sets),
qubits the qubits the circuits act on, depth their moments. Simulators are ``simulator``, or
``emulator`` when given a noise model; any other sampler is ``qpu``.

Example::

    from qobserve.instrument import CirqInstrumentor

    CirqInstrumentor().instrument()
    cirq.Simulator().run(circuit, repetitions=100)     # one job of 100 shots
"""

from __future__ import annotations

import hashlib
import importlib
import re
from collections.abc import Collection, Iterator, Sequence
from typing import Any, ClassVar

from qobserve.instrument.adapter import (
    Adapter,
    Args,
    Describe,
    Shape,
    Submission,
    Work,
    package_provider,
)
from qobserve.instrument.patching import Patcher, class_tree
from qobserve.instrument.patching_instrumentor import PatchingInstrumentor
from qobserve.instrument.submit import recorded, wrap_submit


class CirqWork:
    """The circuits, sweeps and repetitions of one sampler call, summarised lazily."""

    __slots__ = ("circuits", "repetitions", "sweeps")

    def __init__(self, circuits: Sequence[Any], sweeps: Sequence[Any], repetitions: Any) -> None:
        self.circuits = circuits
        self.sweeps = sweeps  # one Sweepable per circuit
        self.repetitions = repetitions  # an int, or one per circuit

    @property
    def num_circuits(self) -> int:
        return len(self.circuits)

    def _points(self) -> list[int]:
        import cirq

        return [len(list(cirq.to_resolvers(sweep))) for sweep in self.sweeps]

    def requested_shots(self) -> int | None:
        reps = self.repetitions
        per_circuit = reps if isinstance(reps, (list, tuple)) else [reps] * len(self.circuits)
        return sum(int(r) * p for r, p in zip(per_circuit, self._points(), strict=False)) or None

    def shape(self) -> Shape:
        qubits = depth = two_qubit = 0
        for circuit in self.circuits:
            qubits = max(qubits, len(circuit.all_qubits()))
            depth = max(depth, len(circuit))
            two_qubit += sum(1 for op in circuit.all_operations() if len(op.qubits) == 2)
        return Shape(len(self.circuits), qubits, depth, two_qubit)

    def fingerprint(self, *context: object) -> str:
        h = hashlib.sha256()
        for part in (*context, self.repetitions):
            h.update(f"{part!r};".encode())
        for circuit, sweep in zip(self.circuits, self.sweeps, strict=False):
            h.update(_circuit_text(circuit).encode())
            h.update(repr([r.param_dict for r in _resolvers(sweep)]).encode())
        return h.hexdigest()


def _circuit_text(circuit: Any) -> str:
    """The circuit's operations, moment by moment, exactly: each gate's repr on its qubits.
    (``repr(circuit)`` says the same, but rebuilds every operation to print it: it cost more
    than the rest of the job's telemetry.)"""
    parts = []
    for moment in circuit:
        for op in moment.operations:
            gate = op.gate
            plain = gate is not None and not op.tags
            parts.append(f"{gate!r}{op.qubits!r}" if plain else repr(op))
        parts.append("|")
    return "".join(parts)


def _resolvers(sweep: Any) -> list[Any]:
    import cirq

    return list(cirq.to_resolvers(sweep))


class CirqAdapter(Adapter):
    """Results of sampler calls (a ``cirq.Result``, lists of them, or a DataFrame)."""

    sdk: ClassVar[str] = "cirq"

    def executed_shots(self, result: Any, work: Work) -> int | None:  # noqa: ARG002 - Adapter's signature
        if hasattr(result, "shape") and hasattr(result, "columns"):  # sample(): one row a shot
            return int(result.shape[0])
        return _repetitions(result)


def _repetitions(result: Any) -> int | None:
    if isinstance(result, (list, tuple)):
        total = 0
        for item in result:
            found = _repetitions(item)
            if found is None:
                return None
            total += found
        return total
    reps = getattr(result, "repetitions", None)
    return int(reps) if isinstance(reps, int) else None


CIRQ = CirqAdapter()
_SIM_CLASSES = frozenset({"SimulatesSamples", "SimulatorBase", "ZerosSampler",
                          "StabilizerSampler"})  # fmt: skip


def backend_name(sampler: Any) -> str:
    """``cirq_simulator``, ``cirq_density_matrix_simulator``...; an engine's processor id."""
    processor = getattr(sampler, "processor_id", None) or getattr(sampler, "_processor_id", None)
    if isinstance(processor, str) and processor:
        return processor
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", type(sampler).__name__).lower()
    return f"cirq_{snake}"


def backend_type(sampler: Any) -> str:
    """``simulator`` (``emulator`` with a noise model) for Cirq's simulators, else ``qpu``."""
    names = {cls.__name__ for cls in type(sampler).__mro__}
    if not names & _SIM_CLASSES:
        return "qpu"
    noise = getattr(sampler, "noise", None)
    return "emulator" if noise is not None and "no noise" not in str(noise) else "simulator"


def _one_shot(value: Any) -> tuple[Any, Any]:
    """(what to pass on, what to keep) for a sweepable that an iterator would consume."""
    if isinstance(value, Iterator):
        return recorded(value)
    return value, value


def _describer(method: str) -> Describe:
    def describe(
        sampler: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Submission, Args]:
        args = list(args)  # type: ignore[assignment]
        if method == "run_batch":
            programs = args[0] if args else kwargs.get("programs", [])
            params = args[1] if len(args) > 1 else kwargs.get("params_list")
            reps = args[2] if len(args) > 2 else kwargs.get("repetitions", 1)
            circuits = list(programs)
            sweeps = list(params) if params is not None else [None] * len(circuits)
        else:
            circuit = args[0] if args else kwargs.get("program")
            if method == "sample":
                reps = args[1] if len(args) > 1 else kwargs.get("repetitions", 1)
                name, at = "params", 2
            else:
                reps = args[2] if len(args) > 2 else kwargs.get("repetitions", 1)
                name, at = ("param_resolver" if method == "run" else "params"), 1
            if len(args) > at:
                args[at], kept = _one_shot(args[at])  # type: ignore[index]
            else:
                kwargs[name], kept = _one_shot(kwargs.get(name))
            circuits, sweeps = [circuit], [kept]
        work = CirqWork(circuits, sweeps, reps)
        submission = Submission(
            CIRQ, method, backend_name(sampler), backend_type(sampler), work,
            returns_result=True, provider=package_provider(type(sampler), "cirq_"),
        )  # fmt: skip
        return submission, (tuple(args), kwargs)

    return describe


METHODS = ("run", "run_sweep", "run_batch", "sample")


class CirqInstrumentor(PatchingInstrumentor):
    """Traces and measures Cirq sampler calls (see the module docstring).

    ``instrument(auto_idempotency="run")``: see
    :class:`~qobserve.instrument.patching_instrumentor.PatchingInstrumentor`.
    """

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("cirq-core >= 1.3",)

    def _patch(self, patcher: Patcher, auto_idempotency: str) -> None:
        try:
            sampler = importlib.import_module("cirq").Sampler
        except Exception:
            return
        for cls in class_tree(sampler):
            for method in METHODS:
                if method in vars(cls):
                    patcher.patch(cls, method, wrap_submit(_describer(method), auto_idempotency))


__all__ = ["CIRQ", "CirqAdapter", "CirqInstrumentor", "CirqWork", "backend_name", "backend_type"]
