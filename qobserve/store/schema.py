"""Schema of the embedded event store and its migrations.

``PRAGMA user_version`` holds the schema version; :func:`migrate` brings any older store up to
:data:`SCHEMA_VERSION`, one step at a time, inside a transaction.
"""

from __future__ import annotations

import sqlite3

from qobserve.events import (
    EXPERIMENT_RUN_COLUMNS,
    EXPERIMENT_RUN_TYPES,
    JOB_EVENT_COLUMNS,
    JOB_EVENT_TYPES,
    TIME_COLUMNS,
)

_SQL_TYPES = {str: "TEXT", float: "REAL", int: "INTEGER", bool: "INTEGER"}


def column_type(name: str) -> str:
    """The SQLite type of a store column: REAL, INTEGER or TEXT (times are ISO text).

    >>> column_type("shots"), column_type("cost_usd"), column_type("finished_at")
    ('INTEGER', 'REAL', 'TEXT')
    """
    if name in TIME_COLUMNS:
        return "TEXT"
    return _SQL_TYPES[JOB_EVENT_TYPES.get(name) or EXPERIMENT_RUN_TYPES[name]]


# Each entry takes the store from version i to i + 1. Released history, never edited: literal
# DDL, so a change to JobEvent cannot rewrite it. A new column is a new entry
# (``ALTER TABLE job_events ADD COLUMN ...``); tests/store/test_schema.py checks that a fresh
# store matches JobEvent and that every past version migrates to it.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: job events and experiment runs
    (
        "CREATE TABLE job_events (job_id TEXT, experiment TEXT, run_id TEXT, backend TEXT, "
        "backend_type TEXT, primitive TEXT, outcome TEXT, error_type TEXT, submitted_at TEXT, "
        "started_at TEXT, finished_at TEXT, queue_seconds REAL, execution_seconds REAL, "
        "duration_seconds REAL, shots INTEGER, num_circuits INTEGER, num_qubits INTEGER, "
        "depth INTEGER, qpu_seconds REAL, cost_usd REAL, fidelity REAL, duplicate INTEGER, "
        "trace_id TEXT, idempotency_key TEXT)",
        "CREATE INDEX job_events_finished ON job_events (finished_at)",
        "CREATE INDEX job_events_key ON job_events (idempotency_key)",
        "CREATE TABLE experiment_runs (run_id TEXT, experiment TEXT, outcome TEXT, "
        "error_type TEXT, started_at TEXT, finished_at TEXT, duration_seconds REAL, trace_id TEXT)",
        "CREATE INDEX experiment_runs_finished ON experiment_runs (finished_at)",
    ),
    # 2: result checks update a job's fidelity by its id
    ("CREATE INDEX job_events_id ON job_events (job_id)",),
    # 3: instrumentation v2 (#11): two-qubit gates, retries, calibration time at submission,
    # IBM execution mode and session / batch id
    (
        "ALTER TABLE job_events ADD COLUMN two_qubit_gates INTEGER",
        "ALTER TABLE job_events ADD COLUMN retry INTEGER",
        "ALTER TABLE job_events ADD COLUMN calibration_at TEXT",
        "ALTER TABLE job_events ADD COLUMN execution_mode TEXT",
        "ALTER TABLE job_events ADD COLUMN session_id TEXT",
    ),
    # 4: the primitive options that change results (IBM resilience, twirling, dynamical
    # decoupling), where the primitive sets them (#11); provider, who runs the backend (the
    # job metrics' ``provider`` label, #12)
    (
        "ALTER TABLE job_events ADD COLUMN resilience_level INTEGER",
        "ALTER TABLE job_events ADD COLUMN twirling_gates INTEGER",
        "ALTER TABLE job_events ADD COLUMN twirling_measure INTEGER",
        "ALTER TABLE job_events ADD COLUMN dynamical_decoupling INTEGER",
        "ALTER TABLE job_events ADD COLUMN provider TEXT",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)

#: SQLite's own format of Unix seconds, identical to :func:`qobserve.events.iso`
ISO_FORMAT = "%Y-%m-%dT%H:%M:%fZ"


def _insert(table: str, columns: tuple[str, ...]) -> str:
    # times arrive as Unix seconds and are formatted by SQLite, in C, inside executemany:
    # formatting them in Python cost more than the insert itself
    values = ", ".join(
        f"strftime('{ISO_FORMAT}', ?, 'unixepoch')" if c in TIME_COLUMNS else "?" for c in columns
    )
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})"


INSERT_JOB = _insert("job_events", JOB_EVENT_COLUMNS)
INSERT_RUN = _insert("experiment_runs", EXPERIMENT_RUN_COLUMNS)
UPDATE_FIDELITY = "UPDATE job_events SET fidelity = ? WHERE job_id = ?"


class SchemaTooNew(RuntimeError):
    """The store was written by a newer qobserve."""


def refuse_newer(conn: sqlite3.Connection) -> None:
    """Raise :class:`SchemaTooNew` for a store of a newer version; reads only the header, so
    it runs before anything (journal mode, migration) changes the file."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found > SCHEMA_VERSION:
        raise SchemaTooNew(f"store schema {found} is newer than {SCHEMA_VERSION}")


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the store up to :data:`SCHEMA_VERSION`; returns the version it found."""
    conn.execute("BEGIN IMMEDIATE")  # one migrating process at a time
    try:
        found = int(conn.execute("PRAGMA user_version").fetchone()[0])
        if found > SCHEMA_VERSION:
            raise SchemaTooNew(f"store schema {found} is newer than {SCHEMA_VERSION}")
        for version in range(found, SCHEMA_VERSION):
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found
