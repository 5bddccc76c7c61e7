"""The span attributes qobserve emits: one registry, rendered as ``docs/attributes.md``.

Names follow OpenTelemetry's attribute naming rules: ``quantum.*`` for the workload,
``qobserve.*`` for the toolkit's own, semantic-convention names (``error.type``,
``exception.*``) where one exists; no name is also a namespace of another, and an unknown
value is an absent attribute, never a sentinel. A test holds the code to this registry.

Example::

    from qobserve.attributes import ATTRIBUTES, markdown
    [a.name for a in ATTRIBUTES][:2]   # ['quantum.backend.name', 'quantum.backend.type']
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Attribute:
    """One span (or span event) attribute."""

    name: str
    type: str
    brief: str
    where: str


_JOB, _SUBMIT, _TRANSPILE = "`job`", "`submit` (rejected)", "`transpile`"
ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        "quantum.backend.name",
        "string",
        "The backend's name.",
        f"{_JOB}, {_SUBMIT}, {_TRANSPILE}, `result check` event",
    ),
    Attribute("quantum.backend.type", "string", "`qpu`, `emulator` or `simulator`.", _JOB),
    Attribute(
        "quantum.provider.name",
        "string",
        "Who runs the backend: `ibm`, `aws`, `aer`, `fake`, `qiskit`, `braket`, `pennylane`, "
        "`cirq`, ... (the metrics' `provider` label).",
        _JOB,
    ),
    Attribute(
        "quantum.primitive",
        "string",
        "What was submitted: `sampler`, `estimator`, `executor`, `backend.run`.",
        f"{_JOB}, {_SUBMIT}",
    ),
    Attribute(
        "quantum.experiment.name",
        "string",
        "The `@qobserve.experiment` name.",
        f"`experiment`, {_JOB}",
    ),
    Attribute("quantum.job.id", "string", "The provider's job id.", f"`submit`, {_JOB}"),
    Attribute(
        "server.address",
        "string",
        "Host of the provider API a remote job is sent to (IBM Quantum, Amazon Braket), as "
        "semantic conventions name it on CLIENT spans; absent for jobs that run in the process.",
        "`submit`",
    ),
    Attribute("server.port", "int", "Port of that API.", "`submit`"),
    Attribute(
        "quantum.job.queue_position",
        "int",
        "The job's position in the provider's queue, each time it changes (Braket's `queueInfo`).",
        "`queue position` event",
    ),
    Attribute(
        "quantum.circuit.count",
        "int",
        "Circuits (PUBs, program items) submitted or transpiled.",
        f"{_JOB}, {_TRANSPILE}",
    ),
    Attribute("quantum.circuit.num_qubits", "int", "Qubits the widest circuit acts on.", _JOB),
    Attribute("quantum.circuit.depth", "int", "Depth of the deepest circuit as submitted.", _JOB),
    Attribute(
        "quantum.circuit.width",
        "int",
        "Width of the circuits as submitted (an ISA circuit's is its device's).",
        _JOB,
    ),
    Attribute("quantum.circuit.two_qubit_gates", "int", "Two-qubit gates over all circuits.", _JOB),
    Attribute(
        "quantum.backend.calibration_at",
        "double",
        "Unix time of the backend's last calibration at submission.",
        _JOB,
    ),
    Attribute(
        "quantum.execution.mode", "string", "IBM execution mode: `job`, `session` or `batch`.", _JOB
    ),
    Attribute("quantum.execution.session_id", "string", "The session or batch id.", _JOB),
    Attribute(
        "quantum.options.resilience_level",
        "int",
        "The primitive's resilience level, when set.",
        _JOB,
    ),
    Attribute("quantum.options.twirling.gates", "boolean", "Gate twirling on, when set.", _JOB),
    Attribute(
        "quantum.options.twirling.measure", "boolean", "Measurement twirling on, when set.", _JOB
    ),
    Attribute(
        "quantum.options.dynamical_decoupling",
        "boolean",
        "Dynamical decoupling on, when set.",
        _JOB,
    ),
    Attribute(
        "qobserve.retry",
        "boolean",
        "The key matched a job that failed or was cancelled: a resubmission.",
        _JOB,
    ),
    Attribute("quantum.shots", "int", "Shots executed.", _JOB),
    Attribute("quantum.job.qpu_seconds", "double", "Billed QPU time.", _JOB),
    Attribute("quantum.job.cost_usd", "double", "Cost from the price model.", _JOB),
    Attribute(
        "quantum.transpile.optimization_level",
        "int",
        "The preset pass manager's level.",
        _TRANSPILE,
    ),
    Attribute(
        "quantum.transpile.input.depth", "int", "Depth of the deepest input circuit.", _TRANSPILE
    ),
    Attribute(
        "quantum.transpile.input.size", "int", "Operations over all input circuits.", _TRANSPILE
    ),
    Attribute(
        "quantum.transpile.output.depth",
        "int",
        "Depth of the deepest transpiled circuit.",
        _TRANSPILE,
    ),
    Attribute(
        "quantum.transpile.output.size",
        "int",
        "Operations over all transpiled circuits.",
        _TRANSPILE,
    ),
    Attribute(
        "quantum.result.fidelity",
        "double",
        "Fidelity against the reference, 0 to 1.",
        "`result check` event",
    ),
    Attribute("quantum.result.verdict", "string", "`pass` or `diverged`.", "`result check` event"),
    Attribute("qobserve.run_id", "string", "The experiment run the job belongs to.", _JOB),
    Attribute(
        "qobserve.timing.source",
        "string",
        "Where queue and execution times come from: `server`, `local` or `none`.",
        f"{_JOB}, `queue`, `execute`",
    ),
    Attribute("qobserve.idempotency_key", "string", "The submission's idempotency key.", _JOB),
    Attribute(
        "qobserve.duplicate",
        "boolean",
        "The key matched a job that succeeded or is in flight.",
        _JOB,
    ),
    Attribute(
        "qobserve.incomplete", "boolean", "The job's outcome was never seen (process exit).", _JOB
    ),
    Attribute(
        "qobserve.submission.refused",
        "boolean",
        "A pre-submission hook (budget) refused the submission.",
        "`submit`",
    ),
    Attribute(
        "error.type",
        "string",
        "The contract's `error_type` of a failure, a low-cardinality class as semantic "
        "conventions ask; the span's status is ERROR.",
        "any failed span, `client error` event",
    ),
    Attribute(
        "exception.type",
        "string",
        "Class of the exception (semantic conventions).",
        "`exception`, `client error`, `job.metrics() failed` events",
    ),
    Attribute(
        "exception.message",
        "string",
        "The exception's message, secrets redacted.",
        "`exception` event",
    ),
)


def markdown() -> str:
    """``docs/attributes.md``: the registry as a table."""
    lines = [
        "# Span attribute registry",
        "",
        "Generated from `qobserve.attributes` (a test compares this file with it and the",
        "attributes the code emits with the registry). Unknown values are absent attributes.",
        "",
        "| attribute | type | meaning | on |",
        "|---|---|---|---|",
    ]
    lines += [f"| `{a.name}` | {a.type} | {a.brief} | {a.where} |" for a in ATTRIBUTES]
    return "\n".join(lines) + "\n"
