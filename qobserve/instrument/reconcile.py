"""Jobs that outlived their process: look each ``unfinished`` job up and record its outcome.

A cloud job can queue for hours; the process that submitted it often exits first. Such a job
is stored with outcome ``unfinished`` (see ``TrackedJob.abandon``). :func:`reconcile` looks
each one up by id through its provider, and for a job that has ended writes its outcome, error
type, server timestamps, queue and execution seconds, billed QPU seconds and cost, once: the
update applies only to rows still ``unfinished``, so running it twice changes nothing. Jobs
still queued or running stay ``unfinished``. A job whose lookup fails (the provider answers an
error for that one id, its status cannot be read) stays ``unfinished`` too and is reported in
:attr:`Reconciled.failures`; the other jobs are still reconciled.

Amazon Braket tasks (provider ``aws``, or a job id that is a Braket task ARN) are looked up
as ``AwsQuantumTask(arn)`` with the default AWS credentials and region; every other job
through IBM Quantum. Each provider's client is made only when one of its jobs is unfinished.

Example::

    reconcile(".qobserve/events.db")        # IBM jobs with QiskitRuntimeService(), Braket
    # Reconciled(completed=3, failed=1, cancelled=0, unfinished=2, failures=())  # tasks by ARN
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from qobserve.exceptions import InputError
from qobserve.instrument.adapter import CANCELLED, DONE, ERROR, NO_TIMING, Adapter
from qobserve.instrument.braket_adapter import BRAKET
from qobserve.instrument.pricing import load_price_model
from qobserve.instrument.qiskit_adapter import QISKIT
from qobserve.instrument.results import error_type_of
from qobserve.redact import redact
from qobserve.store.schema import ISO_FORMAT, UPSERT_SPEND, SchemaTooNew, migrate, spend_rows

#: (job id, backend name) -> the provider's job handle
Lookup = Callable[[str, str], Any]
_TIME = f"strftime('{ISO_FORMAT}', ?, 'unixepoch')"
_UPDATE = (
    "UPDATE job_events SET outcome = ?, error_type = ?, "
    f"started_at = coalesce({_TIME}, started_at), finished_at = coalesce({_TIME}, finished_at), "
    "queue_seconds = ?, execution_seconds = ?, qpu_seconds = ?, cost_usd = ? "
    "WHERE rowid = ? AND outcome = 'unfinished'"
)

#: a reconciled job's figures for the budgets' running totals (finished_at in Unix seconds)
_SPENT = (
    "SELECT (julianday(finished_at) - 2440587.5) * 86400.0, experiment, backend, cost_usd, "
    "qpu_seconds FROM job_events WHERE rowid = ?"
)


class Reconciled(NamedTuple):
    """How many unfinished jobs ended which way (``unfinished``: still queued or running), and
    the jobs that could not be looked up: (job id, backend, the error, secrets redacted)."""

    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    unfinished: int = 0
    failures: tuple[tuple[str, str, str], ...] = ()


def ibm_lookup() -> Lookup:
    """Job ids looked up with the saved IBM Quantum account (``QiskitRuntimeService()``)."""
    try:
        from qiskit_ibm_runtime import QiskitRuntimeService

        service = QiskitRuntimeService()
    except Exception as exc:
        raise InputError(f"cannot reach IBM Quantum: {exc}", field="--store") from None
    return lambda job_id, _backend: service.job(job_id)


def braket_lookup() -> Lookup:
    """Task ARNs looked up as ``AwsQuantumTask(arn)`` with the default AWS session."""
    try:
        from braket.aws import AwsQuantumTask
    except ImportError:
        raise InputError(
            "Amazon Braket tasks need amazon-braket-sdk (pip install 'qobserve[braket]')",
            field="--store",
        ) from None
    return lambda arn, _backend: AwsQuantumTask(arn)


def _is_braket(job_id: str, provider: str | None) -> bool:
    return provider == "aws" or job_id.startswith("arn:aws:braket:")


def reconcile(
    store: str | Path,
    lookup: Lookup | None = None,
    *,
    since: str | None = None,
    price_model: str | None = None,
    adapter: Adapter = QISKIT,
    braket: Lookup | None = None,
) -> Reconciled:
    """Record the outcome of every ``unfinished`` job of ``store`` that has ended (see the
    module docstring); ``since`` (ISO 8601) limits it to jobs submitted then or later.
    ``lookup`` and ``adapter`` find and read the jobs that are not Braket tasks, ``braket``
    finds Braket tasks (default: :func:`ibm_lookup`, :func:`braket_lookup`)."""
    path = Path(store)
    if not path.is_file():
        raise InputError("no event store here (pass --store)", path=str(path))
    prices = load_price_model(price_model) if price_model else None
    try:
        conn = sqlite3.connect(path, timeout=30, isolation_level=None)
        if conn.execute("PRAGMA user_version").fetchone()[0]:
            migrate(conn)  # a store an older qobserve wrote last has no provider column
        sql = (
            "SELECT rowid, job_id, backend, shots, provider FROM job_events "
            "WHERE outcome = 'unfinished'"
        )
        params: tuple[str, ...] = ()
        if since:
            sql += " AND submitted_at >= ?"
            params = (since,)
        rows = conn.execute(sql + " AND job_id != '' ORDER BY submitted_at", params).fetchall()
    except (sqlite3.DatabaseError, SchemaTooNew) as err:
        raise InputError(f"not a qobserve event store: {err}", path=str(path)) from None
    # (adapter, lookup) per SDK, the lookup made at the first job that needs it
    routes: dict[bool, tuple[Adapter, Lookup | None, Callable[[], Lookup]]] = {
        False: (adapter, lookup, ibm_lookup),
        True: (BRAKET, braket, braket_lookup),
    }
    counts = {DONE: 0, ERROR: 0, CANCELLED: 0, None: 0}
    failures = []
    try:
        for rowid, job_id, backend, shots, provider in rows:
            route = _is_braket(job_id, provider)
            sdk_adapter, find, make = routes[route]
            if find is None:  # a client that cannot be made is bad input for every job
                find = make()
                routes[route] = (sdk_adapter, find, make)
            try:
                status, update = _ended(sdk_adapter, find(job_id, backend), backend, shots, prices)
            except Exception as exc:  # this job only: it stays unfinished, the others go on
                failures.append((job_id, backend, redact(f"{type(exc).__name__}: {exc}")))
                continue
            counts[status] += 1
            if update is not None:
                conn.execute("BEGIN IMMEDIATE")
                if conn.execute(_UPDATE, (*update, rowid)).rowcount:
                    # an unfinished job had no end, so it is in no running total yet
                    job = conn.execute(_SPENT, (rowid,)).fetchall()
                    conn.executemany(UPSERT_SPEND, spend_rows(job))
                conn.execute("COMMIT")
    finally:
        conn.close()
    return Reconciled(counts[DONE], counts[ERROR], counts[CANCELLED], counts[None], tuple(failures))


def _ended(
    adapter: Adapter, handle: Any, backend: str, shots: int | None, prices: Any
) -> tuple[str | None, tuple[Any, ...] | None]:
    """(final status or None, the row's new values) of one job."""
    methods = adapter.methods
    status = adapter.final_status(getattr(handle, methods["status"])())
    if status is None:
        return None, None
    outcome, error_type = "success", "none"
    if status == CANCELLED:
        outcome, error_type = "cancelled", "cancelled"
    elif status == ERROR:
        outcome, error_type = "error", error_type_of(adapter.status_failure(handle))
    try:
        t = adapter.server_timing(handle)
    except Exception:  # no timestamps: the outcome is still worth recording
        t = NO_TIMING
    queue = t.started - t.created if t.started is not None and t.created is not None else None
    execution = t.finished - t.started if t.finished is not None and t.started is not None else None
    cost = prices.cost(backend, qpu_seconds=t.qpu_seconds, shots=shots) if prices else None
    return status, (outcome, error_type, t.started, t.finished, queue, execution, t.qpu_seconds,
                    cost)  # fmt: skip
