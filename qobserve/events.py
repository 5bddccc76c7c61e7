"""The records qobserve keeps about finished work: job events and experiment runs.

:class:`JobEvent` is the one definition of a job event: its fields are the contract's columns
(``JOB_EVENT_COLUMNS``), in order, and their types decide how the store and the report type
them. Times are Unix seconds (floats) in memory and UTC ISO 8601 text in the store and in files.

Example::

    JobEvent(job_id="d1x...", backend="fake_manila", backend_type="emulator",
             outcome="success", submitted_at=time.time(), shots=1024)
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from operator import attrgetter
from typing import Any, get_args, get_type_hints

_TIME_FIELDS = ("submitted_at", "started_at", "finished_at", "calibration_at")


@dataclass(slots=True)
class JobEvent:
    """One finished quantum job; every field of the contract's job event (None when unknown)."""

    job_id: str = ""
    experiment: str = ""
    run_id: str = ""
    backend: str = ""
    backend_type: str = ""
    primitive: str = ""
    outcome: str = ""
    error_type: str = "none"
    submitted_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    queue_seconds: float | None = None
    execution_seconds: float | None = None
    duration_seconds: float | None = None
    shots: int | None = None
    num_circuits: int | None = None
    num_qubits: int | None = None
    depth: int | None = None
    qpu_seconds: float | None = None
    cost_usd: float | None = None
    fidelity: float | None = None
    duplicate: bool = False
    trace_id: str = ""
    idempotency_key: str = ""
    # schema 3 (appended, in migration order)
    two_qubit_gates: int | None = None
    retry: bool = False
    calibration_at: float | None = None
    execution_mode: str = ""
    session_id: str = ""
    # schema 4: the primitive options that change results, where the primitive sets them,
    # and who runs the backend (the metrics' ``provider`` label)
    resilience_level: int | None = None
    twirling_gates: bool | None = None
    twirling_measure: bool | None = None
    dynamical_decoupling: bool | None = None
    provider: str = ""

    def to_row(self) -> tuple[object, ...]:
        """The event's values in ``JOB_EVENT_COLUMNS`` order, times still in Unix seconds."""
        return _job_fields(self)


@dataclass(slots=True)
class ExperimentRun:
    """One run of a decorated experiment."""

    run_id: str
    experiment: str
    outcome: str
    error_type: str
    started_at: float
    finished_at: float
    duration_seconds: float
    trace_id: str = ""

    def to_row(self) -> tuple[object, ...]:
        """The run's values in ``EXPERIMENT_RUN_COLUMNS`` order, times in Unix seconds."""
        return _run_fields(self)


def _value_types(record: type[Any]) -> Mapping[str, type]:
    # ``float | None`` -> float: the type a field holds when it is known
    hints = get_type_hints(record)
    out: dict[str, type] = {}
    for f in fields(record):
        hint = hints[f.name]
        if isinstance(hint, types.UnionType):
            hint = next(a for a in get_args(hint) if a is not type(None))
        out[f.name] = hint
    return types.MappingProxyType(out)


#: Columns of a job event, in order: the fields of :class:`JobEvent`.
JOB_EVENT_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(JobEvent))
EXPERIMENT_RUN_COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(ExperimentRun))
#: Python type of each job event column when known: ``str``, ``float``, ``int`` or ``bool``
JOB_EVENT_TYPES: Mapping[str, type] = _value_types(JobEvent)
EXPERIMENT_RUN_TYPES: Mapping[str, type] = _value_types(ExperimentRun)

# C-speed row extraction (dataclasses.astuple deep-copies, 30x slower)
_job_fields = attrgetter(*JOB_EVENT_COLUMNS)
_run_fields = attrgetter(*EXPERIMENT_RUN_COLUMNS)

#: columns holding times; stored as ISO text, converted by SQLite (see ``store.schema``)
TIME_COLUMNS = frozenset(_TIME_FIELDS)


def iso(ts: float | None) -> str | None:
    """Unix seconds as the store's UTC ISO 8601 text, ``2026-11-21T10:00:00.123Z``."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
