"""Where the event store lives: an SQLite file (embedded default) or a PostgreSQL database.

One schema (:data:`qobserve.store.schema.MIGRATIONS`) and one writer
(:class:`qobserve.store.sqlite.EventStore`) serve both; a backend only opens connections,
migrates, and writes one batch in one transaction. A location is a path, or a
``postgresql://`` (``postgres://``) URL for a database shared by many runners on many hosts.

Example::

    backend = open_backend("postgresql://qobserve@db.internal/events")
    conn = backend.connect()                     # migrated, ready to write
    backend.write(conn, jobs=[event.to_row()], runs=[], updates=[])
"""

from __future__ import annotations

import os
import random
import re
import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from qobserve.events import (
    EXPERIMENT_RUN_COLUMNS,
    EXPERIMENT_RUN_TYPES,
    JOB_EVENT_COLUMNS,
    JOB_EVENT_TYPES,
    TIME_COLUMNS,
)
from qobserve.exceptions import InputError
from qobserve.store import schema

_SETUP_TIMEOUT = 30.0
_URL_SCHEMES = ("postgresql://", "postgres://")
Row = tuple[object, ...]


def is_url(location: str | os.PathLike[str]) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than an SQLite file."""
    return str(location).startswith(_URL_SCHEMES)


class Backend(Protocol):
    """Opens connections to one store location and writes batches to it."""

    #: the location as given (a URL may hold a password: show it through redact)
    location: str
    #: the DB-API placeholder of this backend's SQL (``?`` or ``%s``)
    placeholder: str

    def prepare(self) -> None:
        """Create (or migrate) the store; raises when it is unusable."""

    def connect(self) -> Any:
        """A migrated connection for writing."""

    def write(self, conn: Any, jobs: Sequence[Row], runs: Sequence[Row],
              updates: Sequence[tuple[float, str]]) -> None:  # fmt: skip
        """Insert ``jobs`` and ``runs`` and apply ``updates``, in one transaction."""

    def reader(self) -> Any:
        """A read-only connection (committed data only)."""

    def columns(self, conn: Any, table: str) -> list[str]:
        """The column names of ``table`` (empty when there is no such table)."""


def open_backend(location: str | os.PathLike[str]) -> Backend:
    """The backend of ``location``: :class:`PostgresBackend` for a URL, else SQLite."""
    if is_url(location):
        return PostgresBackend(str(location))
    return SQLiteBackend(Path(location))


@contextmanager
def reading(location: str | os.PathLike[str]) -> Iterator[tuple[Backend, Any]]:
    """A read-only connection to the store at ``location``; InputError when there is none."""
    backend = open_backend(location)
    try:
        conn = backend.reader()
    except InputError:
        raise
    except Exception as err:
        reason = _reason(err)
        raise InputError(f"cannot open the event store: {reason}", path=shown(location)) from None
    try:
        yield backend, conn
    finally:
        conn.close()


def sql(backend: Backend, text: str) -> str:
    """``text`` written with ``?`` placeholders, in ``backend``'s placeholder style."""
    return text if backend.placeholder == "?" else text.replace("?", backend.placeholder)


def shown(location: str | os.PathLike[str]) -> str:
    """``location`` fit for messages: a URL's password masked."""
    from qobserve.redact import redact

    return redact(str(location))


def _reason(err: BaseException) -> str:
    from qobserve.redact import redact

    text = str(err).strip()
    return redact(text.splitlines()[0]) if text else type(err).__name__


# -- SQLite -----------------------------------------------------------------------------------
class SQLiteBackend:
    """An SQLite file in WAL mode; several processes of one host may write it at once."""

    placeholder = "?"

    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)

    def prepare(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.connect().close()

    def connect(self) -> sqlite3.Connection:
        # Switching to WAL and migrating need a lock that SQLite may refuse at once, without
        # its busy handler, while another process sets up the same new store: retry, bounded.
        deadline = time.monotonic() + _SETUP_TIMEOUT
        delay = 0.01
        while True:
            conn = sqlite3.connect(
                self.path, timeout=30, isolation_level=None, check_same_thread=False
            )
            try:
                schema.refuse_newer(conn)  # before WAL: refusing must leave the file as it was
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a commit survives the process being killed (not power
                # loss), and costs no fsync per transaction
                conn.execute("PRAGMA synchronous=NORMAL")
                # checkpoint every ~40 MB of WAL instead of ~4 MB: fewer fsyncs while ingesting
                conn.execute("PRAGMA wal_autocheckpoint=10000")
                schema.migrate(conn)
                return conn
            except sqlite3.OperationalError as err:
                conn.close()
                if "locked" not in str(err) and "busy" not in str(err):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(delay + random.uniform(0, delay))
                delay = min(delay * 2, 0.5)

    def write(self, conn: sqlite3.Connection, jobs: Sequence[Row], runs: Sequence[Row],
              updates: Sequence[tuple[float, str]]) -> None:  # fmt: skip
        try:
            conn.execute("BEGIN IMMEDIATE")
            if jobs:
                conn.executemany(schema.INSERT_JOB, jobs)
                conn.executemany(schema.UPSERT_SPEND, schema.spend_rows(schema.spent(jobs)))
            if runs:
                conn.executemany(schema.INSERT_RUN, runs)
            if updates:  # after the inserts: an update may concern a job of this batch
                conn.executemany(schema.UPDATE_FIDELITY, updates)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def reader(self) -> sqlite3.Connection:
        if not self.path.is_file():
            raise InputError(
                "no event store here (run instrumented code first, or pass --store)",
                path=self.location,
            )
        return sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)

    def columns(self, conn: sqlite3.Connection, table: str) -> list[str]:
        return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


# -- PostgreSQL -------------------------------------------------------------------------------
#: the SQLite column types of the shared DDL and their PostgreSQL counterparts (REAL is 4 bytes
#: in PostgreSQL: the store's floats need 8)
_PG_TYPES = {"REAL": "DOUBLE PRECISION", "INTEGER": "BIGINT"}
_PG_TYPE = re.compile(r"\b(REAL|INTEGER)\b")
#: PostgreSQL's spelling of :data:`qobserve.store.schema.ISO_FORMAT`
_PG_ISO = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'
#: one migrating process at a time, across hosts (pg_advisory_xact_lock key: "qobs")
_MIGRATION_LOCK = 0x716F6273


def postgres_ddl(statement: str) -> str:
    """A statement of :data:`~qobserve.store.schema.MIGRATIONS` in PostgreSQL's types.

    >>> postgres_ddl("CREATE TABLE t (a TEXT, b REAL, c INTEGER)")
    'CREATE TABLE t (a TEXT, b DOUBLE PRECISION, c BIGINT)'
    """
    return _PG_TYPE.sub(lambda m: _PG_TYPES[m.group(1)], statement)


def _pg_insert(table: str, columns: tuple[str, ...]) -> str:
    # times arrive as Unix seconds, formatted by the server into the store's ISO text;
    # booleans (duplicate, retry) go into the shared schema's integer columns
    bools = {c for c, t in {**JOB_EVENT_TYPES, **EXPERIMENT_RUN_TYPES}.items() if t is bool}
    values = ", ".join(
        f"to_char(to_timestamp(%s) AT TIME ZONE 'UTC', '{_PG_ISO}')"
        if c in TIME_COLUMNS
        else "%s::integer"
        if c in bools
        else "%s"
        for c in columns
    )
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({values})"


_PG_INSERT_JOB = _pg_insert("job_events", JOB_EVENT_COLUMNS)
_PG_INSERT_RUN = _pg_insert("experiment_runs", EXPERIMENT_RUN_COLUMNS)
_PG_UPDATE_FIDELITY = schema.UPDATE_FIDELITY.replace("?", "%s")
_PG_UPSERT_SPEND = schema.UPSERT_SPEND.replace("?", "%s")


class PostgresBackend:
    """A PostgreSQL database shared by many processes on many hosts (psycopg 3)."""

    placeholder = "%s"

    def __init__(self, url: str) -> None:
        self.location = url
        self.url = url

    def _psycopg(self) -> Any:
        try:
            import psycopg
        except ImportError:
            raise InputError(
                "a PostgreSQL store needs psycopg: pip install 'qobserve[postgres]'",
                path=shown(self.location),
            ) from None
        return psycopg

    def prepare(self) -> None:
        self.connect().close()

    def connect(self) -> Any:
        conn = self._psycopg().connect(self.url, autocommit=True, connect_timeout=10)
        try:
            self._migrate(conn)
        except BaseException:
            conn.close()
            raise
        return conn

    def _migrate(self, conn: Any) -> int:
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
            conn.execute("CREATE TABLE IF NOT EXISTS qobserve_schema (version INTEGER NOT NULL)")
            row = conn.execute("SELECT max(version) FROM qobserve_schema").fetchone()
            found = int(row[0] or 0)
            if found > schema.SCHEMA_VERSION:
                raise schema.SchemaTooNew(
                    f"store schema {found} is newer than {schema.SCHEMA_VERSION}"
                )
            for version in range(found, schema.SCHEMA_VERSION):
                for statement in schema.MIGRATIONS[version]:
                    conn.execute(postgres_ddl(statement))
            if found < schema.SCHEMA_VERSION:
                conn.execute("DELETE FROM qobserve_schema")
                conn.execute(
                    "INSERT INTO qobserve_schema (version) VALUES (%s)", (schema.SCHEMA_VERSION,)
                )
        return found

    def write(self, conn: Any, jobs: Sequence[Row], runs: Sequence[Row],
              updates: Sequence[tuple[float, str]]) -> None:  # fmt: skip
        with conn.transaction(), conn.cursor() as cur:
            if jobs:
                cur.executemany(_PG_INSERT_JOB, jobs)
                cur.executemany(_PG_UPSERT_SPEND, schema.spend_rows(schema.spent(jobs)))
            if runs:
                cur.executemany(_PG_INSERT_RUN, runs)
            if updates:
                cur.executemany(_PG_UPDATE_FIDELITY, updates)

    def reader(self) -> Any:
        psycopg = self._psycopg()
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.Error as err:
            raise InputError(
                f"cannot connect to the event store: {_reason(err)}", path=shown(self.location)
            ) from None
        conn.execute("SET default_transaction_read_only = on")
        return conn

    def columns(self, conn: Any, table: str) -> list[str]:
        rows = conn.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = %s AND table_schema = current_schema() ORDER BY ordinal_position",
            (table,),
        ).fetchall()
        return [str(r[0]) for r in rows]
