"""Schema of the embedded event store and its migrations.

``PRAGMA user_version`` holds the schema version; :func:`migrate` brings any older store up to
:data:`SCHEMA_VERSION`, one step at a time, inside a transaction.
"""

from __future__ import annotations

import sqlite3

from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.events import EXPERIMENT_RUN_COLUMNS, TIME_COLUMNS

_REAL = {
    "queue_seconds",
    "execution_seconds",
    "duration_seconds",
    "qpu_seconds",
    "cost_usd",
    "fidelity",
}
_INTEGER = {"shots", "num_circuits", "num_qubits", "depth", "duplicate"}


def column_type(name: str) -> str:
    """The SQLite type of a store column: REAL, INTEGER or TEXT."""
    return "REAL" if name in _REAL else "INTEGER" if name in _INTEGER else "TEXT"


def _table(name: str, columns: tuple[str, ...]) -> str:
    cols = ", ".join(f"{c} {column_type(c)}" for c in columns)
    return f"CREATE TABLE {name} ({cols})"


# Each entry takes the store from version i to i + 1.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        _table("job_events", JOB_EVENT_COLUMNS),
        "CREATE INDEX job_events_finished ON job_events (finished_at)",
        "CREATE INDEX job_events_key ON job_events (idempotency_key)",
        _table("experiment_runs", EXPERIMENT_RUN_COLUMNS),
        "CREATE INDEX experiment_runs_finished ON experiment_runs (finished_at)",
    ),
    # 2: result checks update a job's fidelity by its id
    ("CREATE INDEX job_events_id ON job_events (job_id)",),
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
