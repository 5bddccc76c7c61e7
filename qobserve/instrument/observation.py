"""The facts of one job, collected once and never changed: what the recorder writes.

A :class:`JobObservation` is built by the job's tracker when its outcome is known (or when
the process ends without it). :mod:`qobserve.instrument.recorder` turns it into the job
span, the contract's metric samples and the stored job event; nothing else writes them.

Example::

    observation = JobObservation(job_id="d1x", backend="fake_manila", backend_type="emulator",
                                 primitive="sampler", experiment="bell", outcome="success",
                                 provider="fake")
    observation.labels          # ('fake_manila', 'fake', 'emulator', 'bell')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: (event name, attributes, Unix ns) noted on a job before its span exists
Note = tuple[str, Mapping[str, Any], int]


@dataclass(frozen=True, slots=True)
class JobObservation:
    """Everything known about one job (None where unknown).

    ``submitted`` is False for a submission the SDK rejected (no job was created);
    ``outcome`` is empty for a job whose outcome was never seen (``incomplete``).
    ``submit_span`` is the span of the submit call, the parent of the job span.
    """

    backend: str
    backend_type: str
    primitive: str
    experiment: str
    outcome: str
    error_type: str = "none"
    error: BaseException | None = None
    job_id: str = ""
    run_id: str = ""
    submitted: bool = True
    incomplete: bool = False
    submitted_at: float | None = None
    started_at: float | None = None
    finished_at: float | None = None
    queue_seconds: float | None = None
    execution_seconds: float | None = None
    duration_seconds: float | None = None
    timing_source: str = "none"
    shots: int | None = None
    num_circuits: int | None = None
    num_qubits: int | None = None
    depth: int | None = None
    two_qubit_gates: int | None = None
    circuit_width: int | None = None
    qpu_seconds: float | None = None
    cost_usd: float | None = None
    fidelity: float | None = None
    idempotency_key: str = ""
    duplicate: bool = False
    retry: bool = False
    calibration_at: float | None = None
    execution_mode: str = ""
    session_id: str = ""
    provider: str = ""
    attributes: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    submit_span: Any = None

    @property
    def labels(self) -> tuple[str, str, str, str]:
        """(backend, provider, backend_type, experiment): the labels most job metrics share."""
        return (self.backend, self.provider, self.backend_type, self.experiment)
