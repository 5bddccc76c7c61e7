"""Amazon Braket instrumentation: ``LocalSimulator`` and ``AwsDevice`` tasks, traced and
measured with the same contract as Qiskit jobs.

What is wrapped (feature-detected; what this SDK version lacks is skipped):

- ``LocalSimulator.run`` and ``run_batch``: local simulation runs inside the call, so the job
  is recorded when it returns (a batch is one job of its circuits);
- ``AwsDevice.run``: the returned ``AwsQuantumTask`` is followed through ``result()``,
  ``state()`` and ``cancel()``; its server timestamps (``createdAt``, ``endedAt``) are read
  once it ends. Braket reports no start of execution: the first poll (``state()``, or
  ``result()``'s own) that sees ``RUNNING`` starts it, and queue and execution are measured
  locally from submission, that poll and the end (timing source ``local``); every new queue
  position a poll reports is noted on the job span;
- ``AwsDevice.run_batch``: one job per task of the ``AwsQuantumTaskBatch``, each followed as
  above (``batch.results()`` calls each task's ``result()``).

``result()`` returns ``None`` instead of raising for ``FAILED`` and ``CANCELLED`` tasks: those
are recorded as ``job_failed`` (with the failure reason) and ``cancelled``; a ``None`` because
polling timed out leaves the task unfinished.

Backends: ``braket_sv``/``braket_dm``/... for local simulators, the device's ARN-derived name
(``ionq_forte_1``, ``sv1``) for AWS devices; ``qpu`` for QPUs, ``emulator`` for simulation with
noise (a circuit with noise channels, or a device with a noise model), else ``simulator``.

Example::

    from qobserve.instrument import BraketInstrumentor

    BraketInstrumentor().instrument()
    LocalSimulator().run(Circuit().h(0).cnot(0, 1), shots=100).result()   # one job recorded
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
from collections.abc import Collection, Sequence
from typing import Any, ClassVar

from qobserve.instrument.adapter import (
    CANCELLED,
    DONE,
    ERROR,
    Adapter,
    Args,
    Describe,
    Shape,
    Submission,
    Work,
    server_of,
)
from qobserve.instrument.patching import Patcher
from qobserve.instrument.patching_instrumentor import PatchingInstrumentor
from qobserve.instrument.results import JobResultError
from qobserve.instrument.submit import call, recorded, wrap_submit
from qobserve.instrument.timing import Timing

_STATUS = {"COMPLETED": DONE, "FAILED": ERROR, "CANCELLED": CANCELLED}


class BraketWork:
    """The circuits (or OpenQASM programs) of one Braket submission, summarised lazily.

    A circuit's ``instructions`` property sorts its moments at every access, which cost more
    than the rest of the job's telemetry: its instructions are read once, in the moments' own
    order, with their time slot, and kept for the noise check, the shape and the fingerprint."""

    __slots__ = ("_instructions", "device_qubits", "inputs", "items", "shots")

    def __init__(
        self, items: Sequence[Any], shots: int | None, inputs: Any, device_qubits: int | None
    ) -> None:
        self.items = items
        self.shots = shots
        self.inputs = inputs
        self.device_qubits = device_qubits
        self._instructions: list[list[tuple[int, Any]] | None] | None = None

    @property
    def num_circuits(self) -> int:
        return len(self.items)

    def instructions(self) -> list[list[tuple[int, Any]] | None]:
        """Each item's (time slot, instruction) pairs, None for an OpenQASM program (not
        parsed). The items of a one-shot iterable arrive as the SDK reads them: the ones read
        since are added."""
        if self._instructions is None:
            self._instructions = []
        listed = self._instructions
        for item in self.items[len(listed) :]:
            listed.append(_instructions(item))
        return listed

    def noisy(self) -> bool:
        """True when a circuit has noise channels."""
        return any(
            _is_noise(ins.operator) for listed in self.instructions() for _, ins in listed or ()
        )

    def requested_shots(self) -> int | None:
        """Shots over all circuits; None for analytic (0-shot) simulation."""
        return self.shots * len(self.items) if self.shots else None

    def shape(self) -> Shape:
        qubits: int | None = None
        depth: int | None = None
        two_qubit: int | None = None
        for item, listed in zip(self.items, self.instructions(), strict=True):
            if listed is None:
                continue
            qubits = max(qubits or 0, int(item.qubit_count))
            depth = max(depth or 0, int(item.depth) if listed else 0)
            gates = sum(
                1
                for _, ins in listed
                if len(ins.target) + len(getattr(ins, "control", ()) or ()) == 2
                and not _is_noise(ins.operator)
            )
            two_qubit = (two_qubit or 0) + gates
        return Shape(len(self.items), qubits, depth, two_qubit, self.device_qubits)

    def fingerprint(self, *context: object) -> str:
        h = hashlib.sha256()
        for part in (*context, self.shots, repr(sorted((self.inputs or {}).items()))):
            h.update(f"{part!r};".encode())
        for item, listed in zip(self.items, self.instructions(), strict=True):
            # a circuit's instructions and result types say all it does; serialising it to
            # OpenQASM (or the instructions' own repr) cost more than the job's telemetry
            if listed is None:  # an OpenQASM program: its text
                h.update(str(getattr(item, "source", item)).encode())
                continue
            # by time slot: the instructions of one slot act on distinct qubits, so their
            # order (which depends on whether the SDK sorted the moments yet) changes nothing
            texts = []
            for time, ins in listed:
                control = getattr(ins, "control", ()) or ()
                texts.append((time, f"{ins.operator!r}{tuple(map(int, ins.target))}"
                                    f"{tuple(map(int, control))}"
                                    f"{getattr(ins, 'control_state', '')}"
                                    f"{getattr(ins, 'power', '')}"))  # fmt: skip
            for time, text in sorted(texts):
                h.update(f"{time}:{text};".encode())
            h.update(repr(getattr(item, "result_types", "")).encode())
        return h.hexdigest()


def _instructions(item: Any) -> list[tuple[int, Any]] | None:
    """(time slot, instruction) of a circuit, unsorted; None for an OpenQASM program."""
    items = getattr(getattr(item, "moments", None), "items", None)
    if callable(items):
        return [(int(getattr(key, "time", 0)), ins) for key, ins in items()]
    found = getattr(item, "instructions", None)
    return list(enumerate(found)) if found is not None else None


def _is_noise(operator: Any) -> bool:
    return _noise_class(type(operator))  # type: ignore[arg-type]  # classes are hashable


@functools.lru_cache(maxsize=256)
def _noise_class(cls: type) -> bool:
    return any(c.__name__ == "Noise" for c in cls.__mro__)


class BraketAdapter(Adapter):
    """Reads ``AwsQuantumTask`` handles (and local tasks returned with their result)."""

    sdk: ClassVar[str] = "braket"
    methods: ClassVar[dict[str, str]] = {"result": "result", "status": "state",
                                         "cancel": "cancel", "progress": "metadata"}  # fmt: skip

    def progress(self, value: Any) -> tuple[bool, int | None]:
        # a GetQuantumTask answer: RUNNING starts the execution, queueInfo is the position
        if not isinstance(value, dict):
            return False, None
        queue = value.get("queueInfo") or {}
        position = str(queue.get("position", "")).lstrip(">")  # ">2000" past 2000
        return value.get("status") == "RUNNING", int(position) if position.isdigit() else None

    def is_remote(self, handle: Any) -> bool:
        return callable(getattr(handle, "metadata", None))

    def final_status(self, value: Any) -> str | None:
        return _STATUS.get(str(value))

    def status_failure(self, handle: Any) -> BaseException:
        return JobResultError(_failure_reason(handle))

    def result_final(self, handle: Any, result: Any) -> bool:
        # AwsQuantumTask.result() also returns None when its polling timed out: the task goes on
        return result is not None or _cached_status(handle) in _STATUS

    def result_failure(self, handle: Any, result: Any) -> BaseException | None:
        if _is_local_task(result):
            result = result.result()
        if result is not None:
            return None
        if _cached_status(handle) == "CANCELLED":
            import concurrent.futures

            return concurrent.futures.CancelledError()
        return JobResultError(_failure_reason(handle))

    def executed_shots(self, result: Any, work: Work) -> int | None:  # noqa: ARG002 - Adapter's signature
        results = result if isinstance(result, list) else [result]
        total = 0
        for item in results:
            if _is_local_task(item):
                item = item.result()
            shots = getattr(getattr(item, "task_metadata", None), "shots", None)
            if not isinstance(shots, int):
                return None
            total += shots
        return total or None

    def server_timing(self, handle: Any) -> Timing:
        meta = handle.metadata(use_cached_value=True)
        created, ended = meta.get("createdAt"), meta.get("endedAt")
        return Timing(
            created.timestamp() if created is not None else None,
            None,  # Braket reports no start of execution: queue and execution stay unknown
            ended.timestamp() if ended is not None else None,
            None,
        )


BRAKET = BraketAdapter()


def _is_local_task(value: Any) -> bool:
    return type(value).__name__ == "LocalQuantumTask"


def _cached_status(handle: Any) -> str:
    # the progress hook only reads the answer: safe inside the recorder
    metadata = getattr(handle, "metadata", None)
    if not callable(metadata):
        return ""
    try:
        return str(metadata(use_cached_value=True).get("status", ""))
    except Exception:
        return ""


def _failure_reason(handle: Any) -> str:
    metadata = getattr(handle, "metadata", None)
    try:
        reason = metadata(use_cached_value=True).get("failureReason") if metadata else None
    except Exception:
        reason = None
    return f"Braket task failed: {reason or 'no reason given'}"


# -- describing a submission -----------------------------------------------------------------


def _local_backend(device: Any) -> str:
    delegate = getattr(device, "_delegate", None)
    return str(getattr(delegate, "DEVICE_ID", "") or getattr(device, "name", "braket_local"))


def _aws_backend(device: Any) -> tuple[str, str, int | None]:
    from qobserve.collectors.braket import backend_name, backend_type

    kind = backend_type(getattr(device, "type", "QPU"))
    paradigm = getattr(getattr(device, "properties", None), "paradigm", None)
    qubits = getattr(paradigm, "qubitCount", None)
    return backend_name(device.arn), kind, qubits if isinstance(qubits, int) else None


def _describer(kind: str, shots_at: int, inputs_at: int, batch: bool) -> Describe:
    """A describe function for ``LocalSimulator``/``AwsDevice`` ``run``/``run_batch``, whose
    ``shots`` and ``inputs`` are the positional arguments ``shots_at`` and ``inputs_at``."""

    def describe(
        device: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Submission, Args]:
        spec = (
            args[0]
            if args
            else kwargs.get("task_specifications" if batch else "task_specification")
        )
        if batch:
            passed, items = recorded(spec)
            args = (passed, *args[1:]) if args else args
            if not args:
                kwargs = {**kwargs, "task_specifications": passed}
        else:
            items = [spec]
        shots = args[shots_at] if len(args) > shots_at else kwargs.get("shots")
        inputs = args[inputs_at] if len(args) > inputs_at else kwargs.get("inputs")
        if kind == "local":
            backend, backend_type, qubits = _local_backend(device), "simulator", None
            shots = shots or 0
        else:
            backend, backend_type, qubits = _aws_backend(device)
            if shots is None:
                shots = 1000 if backend_type == "qpu" else 0  # the SDK's own defaults
        work = BraketWork(items, shots if isinstance(shots, int) else None, inputs, qubits)
        if backend_type == "simulator" and (
            work.noisy() or getattr(device, "_noise_model", None) is not None
        ):
            backend_type = "emulator"
        submission = Submission(
            BRAKET,
            "run_batch" if batch else "run",
            backend,
            backend_type,
            work,
            returns_result=kind == "local",
            # local simulation runs here, under the SDK; AwsDevice tasks run on Amazon Braket
            provider="braket" if kind == "local" else "aws",
            server=None if kind == "local" else _server(getattr(device, "aws_session", None)),
        )
        return submission, (args, kwargs)

    return describe


def _describe_batch_task(
    _owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[Submission, Args]:
    """One task of ``AwsDevice.run_batch``: ``AwsQuantumTaskBatch._create_task(remaining,
    aws_session, device_arn, task_specification, s3_destination_folder, shots, ...)``, called
    on the batch's worker threads (the device's noise model is already applied)."""
    from qobserve.collectors.braket import backend_name, backend_type

    arn, spec, shots = args[2], args[3], args[5]
    kind = backend_type("SIMULATOR" if "quantum-simulator" in arn else "QPU")
    work = BraketWork([spec], shots if isinstance(shots, int) else None, kwargs.get("inputs"), None)
    if kind == "simulator" and work.noisy():
        kind = "emulator"
    submission = Submission(
        BRAKET, "run_batch", backend_name(arn), kind, work, provider="aws", server=_server(args[1])
    )
    return submission, (args, kwargs)


def _server(aws_session: Any) -> tuple[str, int] | None:
    """The Braket API endpoint of an ``AwsSession`` (its boto client's endpoint URL)."""
    client = getattr(aws_session, "braket_client", None)
    return server_of(getattr(getattr(client, "meta", None), "endpoint_url", None))


#: the leading parameters of ``AwsQuantumTaskBatch._create_task`` the describe function reads
_BATCH_TASK_PARAMETERS = ("remaining", "aws_session", "device_arn", "task_specification",
                          "s3_destination_folder", "shots")  # fmt: skip


def _patch_batch_tasks(patcher: Patcher, auto_idempotency: str) -> None:
    """One job per task of ``AwsDevice.run_batch``: its batch creates each task with the static
    ``AwsQuantumTaskBatch._create_task`` (private, so its parameters are checked first)."""
    try:
        batch = importlib.import_module("braket.aws.aws_quantum_task_batch").AwsQuantumTaskBatch
    except Exception:
        return
    own = vars(batch).get("_create_task")
    if not isinstance(own, staticmethod):
        return
    original = own.__func__
    names = tuple(inspect.signature(original).parameters)[: len(_BATCH_TASK_PARAMETERS)]
    if names != _BATCH_TASK_PARAMETERS:
        return  # another SDK version: not what the describe function reads

    def unbound(_owner: Any, *args: Any, **kwargs: Any) -> Any:
        return original(*args, **kwargs)

    @functools.wraps(original)
    def create_task(*args: Any, **kwargs: Any) -> Any:
        return call(unbound, None, args, kwargs, _describe_batch_task, auto_idempotency)

    patcher.set(batch, "_create_task", staticmethod(create_task))


#: (module, class, method, describe)
TARGETS: tuple[tuple[str, str, str, Describe], ...] = (
    ("braket.devices.local_simulator", "LocalSimulator", "run", _describer("local", 1, 2, False)),
    ("braket.devices.local_simulator", "LocalSimulator", "run_batch",
     _describer("local", 1, 3, True)),
    ("braket.aws.aws_device", "AwsDevice", "run", _describer("aws", 2, 5, False)),
)  # fmt: skip


class BraketInstrumentor(PatchingInstrumentor):
    """Traces and measures Amazon Braket tasks (see the module docstring).

    ``instrument(auto_idempotency="run")``: see
    :class:`~qobserve.instrument.patching_instrumentor.PatchingInstrumentor`.
    """

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("amazon-braket-sdk >= 1.80",)

    def _patch(self, patcher: Patcher, auto_idempotency: str) -> None:
        for module, name, method, describe in TARGETS:
            try:
                cls = getattr(importlib.import_module(module), name, None)
            except Exception:
                cls = None
            if isinstance(cls, type):
                patcher.patch(cls, method, wrap_submit(describe, auto_idempotency))
        _patch_batch_tasks(patcher, auto_idempotency)


__all__ = ["BRAKET", "BraketAdapter", "BraketInstrumentor", "BraketWork"]
