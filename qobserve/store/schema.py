"""Schema of the embedded event store and its migrations.

``PRAGMA user_version`` holds the schema version; :func:`migrate` brings any older store up to
:data:`SCHEMA_VERSION`, one step at a time, inside a transaction.
"""

from __future__ import annotations

import operator
import sqlite3
import time
from collections.abc import Iterable, Iterator

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
    # job metrics' ``provider`` label, #12); budgets (#20): spend per UTC hour and per UTC day,
    # in total, per experiment and per backend, kept by every write (backfilled here), so that
    # a period's spend is read from a few dozen rows per name instead of a scan of its jobs,
    # and the recent jobs of an experiment on a backend (the estimate of a new one)
    (
        "ALTER TABLE job_events ADD COLUMN resilience_level INTEGER",
        "ALTER TABLE job_events ADD COLUMN twirling_gates INTEGER",
        "ALTER TABLE job_events ADD COLUMN twirling_measure INTEGER",
        "ALTER TABLE job_events ADD COLUMN dynamical_decoupling INTEGER",
        "ALTER TABLE job_events ADD COLUMN provider TEXT",
        "CREATE TABLE job_spend (scope TEXT NOT NULL, span TEXT NOT NULL, bucket TEXT NOT NULL, "
        "name TEXT NOT NULL, cost_usd REAL NOT NULL, qpu_seconds REAL NOT NULL, "
        "jobs INTEGER NOT NULL, PRIMARY KEY (scope, span, bucket, name))",
        "INSERT INTO job_spend (scope, span, bucket, name, cost_usd, qpu_seconds, jobs) "
        "SELECT 't', 'h', substr(finished_at, 1, 13), '', "
        "coalesce(sum(cost_usd), 0), coalesce(sum(qpu_seconds), 0), count(*) FROM job_events "
        "WHERE finished_at IS NOT NULL "
        "GROUP BY substr(finished_at, 1, 13)",
        "INSERT INTO job_spend (scope, span, bucket, name, cost_usd, qpu_seconds, jobs) "
        "SELECT 't', 'd', substr(finished_at, 1, 10), '', "
        "coalesce(sum(cost_usd), 0), coalesce(sum(qpu_seconds), 0), count(*) FROM job_events "
        "WHERE finished_at IS NOT NULL "
        "GROUP BY substr(finished_at, 1, 10)",
        "INSERT INTO job_spend (scope, span, bucket, name, cost_usd, qpu_seconds, jobs) "
        "SELECT 'e', 'h', substr(finished_at, 1, 13), coalesce(experiment, ''), "
        "coalesce(sum(cost_usd), 0), coalesce(sum(qpu_seconds), 0), count(*) FROM job_events "
        "WHERE finished_at IS NOT NULL "
        "GROUP BY substr(finished_at, 1, 13), coalesce(experiment, '')",
        "INSERT INTO job_spend (scope, span, bucket, name, cost_usd, qpu_seconds, jobs) "
        "SELECT 'e', 'd', substr(finished_at, 1, 10), coalesce(experiment, ''), "
        "coalesce(sum(cost_usd), 0), coalesce(sum(qpu_seconds), 0), count(*) FROM job_events "
        "WHERE finished_at IS NOT NULL "
        "GROUP BY substr(finished_at, 1, 10), coalesce(experiment, '')",
        "INSERT INTO job_spend (scope, span, bucket, name, cost_usd, qpu_seconds, jobs) "
        "SELECT 'b', 'h', substr(finished_at, 1, 13), coalesce(backend, ''), "
        "coalesce(sum(cost_usd), 0), coalesce(sum(qpu_seconds), 0), count(*) FROM job_events "
        "WHERE finished_at IS NOT NULL "
        "GROUP BY substr(finished_at, 1, 13), coalesce(backend, '')",
        "INSERT INTO job_spend (scope, span, bucket, name, cost_usd, qpu_seconds, jobs) "
        "SELECT 'b', 'd', substr(finished_at, 1, 10), coalesce(backend, ''), "
        "coalesce(sum(cost_usd), 0), coalesce(sum(qpu_seconds), 0), count(*) FROM job_events "
        "WHERE finished_at IS NOT NULL "
        "GROUP BY substr(finished_at, 1, 10), coalesce(backend, '')",
        "CREATE INDEX job_events_history ON job_events (experiment, backend, finished_at)",
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
#: adds one row of :func:`spend_rows` to the running totals of ``job_spend``
UPSERT_SPEND = (
    "INSERT INTO job_spend (scope, span, bucket, name, cost_usd, qpu_seconds, jobs) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (scope, span, bucket, name) DO UPDATE SET "
    "cost_usd = job_spend.cost_usd + excluded.cost_usd, "
    "qpu_seconds = job_spend.qpu_seconds + excluded.qpu_seconds, "
    "jobs = job_spend.jobs + excluded.jobs"
)
#: ``job_spend.scope``: in total (name ''), per experiment, per backend
SPEND_SCOPES = ("t", "e", "b")
#: ``job_spend.span``: UTC hours (``2026-11-18T11``) and UTC days (``2026-11-18``)
SPEND_SPANS = {"h": "%Y-%m-%dT%H", "d": "%Y-%m-%d"}
_spent_fields = operator.itemgetter(
    *(
        JOB_EVENT_COLUMNS.index(c)
        for c in ("finished_at", "experiment", "backend", "cost_usd", "qpu_seconds")
    )
)
#: (finished_at Unix seconds, experiment, backend, cost_usd, qpu_seconds) of one job
Spent = tuple[float | None, str | None, str | None, float | None, float | None]


def bucket(span: str, ts: float) -> str:
    """The ``job_spend.bucket`` of Unix time ``ts``: the first 13 (hour) or 10 (day)
    characters of the store's ISO text.

    >>> bucket("h", 1795000000.0), bucket("d", 1795000000.0)
    ('2026-11-18T11', '2026-11-18')
    """
    return time.strftime(SPEND_SPANS[span], time.gmtime(ts))


def spent(jobs: Iterable[tuple[object, ...]]) -> Iterator[Spent]:
    """The :data:`Spent` of job rows (``JobEvent.to_row()``)."""
    return map(_spent_fields, jobs)


def spend_rows(jobs: Iterable[Spent]) -> list[tuple[object, ...]]:
    """The :data:`UPSERT_SPEND` rows of some jobs: their cost and QPU time summed per UTC hour
    and day, in total, per experiment and per backend. Jobs without an end (unfinished) are
    left out, as the migration's backfill leaves them out."""
    # one dict operation per job (this runs in the writer, for every batch); the six running
    # totals are then derived from the few (hour, experiment, backend) groups
    hours: dict[tuple[int, str, str], list[float]] = {}
    for finished, experiment, backend, cost, qpu in jobs:
        if finished is None:
            continue
        key = (int(finished) // 3600, experiment or "", backend or "")
        acc = hours.get(key)
        if acc is None:
            hours[key] = [cost or 0.0, qpu or 0.0, 1]
        else:
            acc[0] += cost or 0.0
            acc[1] += qpu or 0.0
            acc[2] += 1
    sums: dict[tuple[str, str, int, str], list[float]] = {}
    for (hour, experiment, backend), (c, q, n) in hours.items():
        for span, unit in (("h", hour), ("d", hour // 24)):
            for scope, name in (("t", ""), ("e", experiment), ("b", backend)):
                total = sums.get((scope, span, unit, name))
                if total is None:
                    sums[(scope, span, unit, name)] = [c, q, n]
                else:
                    total[0] += c
                    total[1] += q
                    total[2] += n
    size = {"h": 3600, "d": 86400}
    return [
        (scope, span, bucket(span, unit * size[span]), name, c, q, int(n))
        for (scope, span, unit, name), (c, q, n) in sums.items()
    ]


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
