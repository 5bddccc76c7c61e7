"""Job events from the embedded SQLite store, opened read only.

The store keeps ``finished_at`` as UTC ISO 8601 text. SQL narrows the rows by date prefix
(text comparison is exact on ``YYYY-MM-DD`` whatever the time-of-day format), then the exact
``[start, end)`` cut happens after parsing.

Example::

    events = read_store(".qobserve/events.db", window=(start, end))
"""

from __future__ import annotations

import os
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa

from qobserve.config import DEFAULT_STORE
from qobserve.exceptions import InputError
from qobserve.report.events import REPORT_COLUMNS, TIME_COLUMN, EventData, check_columns, normalise


def default_store() -> Path:
    """Where instrumentation writes by default: ``QOBSERVE_STORE``, else ``.qobserve/events.db``."""
    env = os.environ.get("QOBSERVE_STORE", "")
    return Path(env if env and env.lower() != "none" else DEFAULT_STORE)


TABLE = "job_events"
#: rows fetched and converted at a time
CHUNK = 100_000


def read_store(
    path: str | Path | None = None, *, window: tuple[datetime, datetime] | None = None
) -> EventData:
    """Read the events of ``window`` from the store at ``path`` (default: :func:`default_store`)."""
    path = default_store() if path is None else path
    where = str(path)
    if not Path(path).is_file():
        raise InputError(
            "no event store here (run instrumented code first, or pass --store "
            "or --source events FILE)",
            path=where,
        )
    try:
        con = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as err:
        raise InputError(f"cannot open the event store: {err}", path=where) from None
    try:
        return _read(con, where, window)
    except sqlite3.DatabaseError as err:
        raise InputError(f"cannot read the event store: {err}", path=where) from None
    finally:
        con.close()


def _read(
    con: sqlite3.Connection, where: str, window: tuple[datetime, datetime] | None
) -> EventData:
    names = [r[1] for r in con.execute(f"PRAGMA table_info({TABLE})")]
    if not names:
        raise InputError("no job_events table: not a qobserve event store", path=where, field=TABLE)
    check_columns(names, where)
    cols = ", ".join(REPORT_COLUMNS)
    no_time = f"{TIME_COLUMN} IS NULL OR trim({TIME_COLUMN}) = ''"
    sql, params = f"SELECT {cols} FROM {TABLE}", ()
    missing = 0
    if window is not None:
        # one day of slack each side: the prefix comparison must never cut a real event
        lo = (window[0] - timedelta(days=1)).strftime("%Y-%m-%d")
        hi = (window[1] + timedelta(days=1)).strftime("%Y-%m-%d")
        sql += f" WHERE {TIME_COLUMN} >= ? AND {TIME_COLUMN} < ?"
        params = (lo, hi)  # type: ignore[assignment]
        missing = int(con.execute(f"SELECT count(*) FROM {TABLE} WHERE {no_time}").fetchone()[0])
    cursor = con.execute(sql, params)
    batches = []
    # in chunks, straight into Arrow: Python row tuples live only one chunk at a time
    while rows := cursor.fetchmany(CHUNK):
        columns = zip(*rows, strict=True)
        batches.append(pa.record_batch([_column(c) for c in columns], names=REPORT_COLUMNS))
    if batches:
        table = pa.Table.from_batches(_unify(batches))
    else:
        table = pa.table({c: pa.array([], pa.string()) for c in REPORT_COLUMNS})
    data = normalise(table, path=f"{where}:{TABLE}", window=window)
    data.missing_time += missing
    data.source = where
    return data


def _column(values: tuple[object, ...]) -> pa.Array:
    """One column of a chunk; SQLite types each value, so a column mixing text and numbers
    goes through as text and :func:`normalise` names the column and the bad value."""
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(pd.Series(values, dtype=object).astype("string"), pa.string())


def _unify(batches: list[pa.RecordBatch]) -> list[pa.RecordBatch]:
    """Batches cast to one schema (a chunk whose column is all NULL comes out as ``null``)."""
    fields = []
    for i, name in enumerate(REPORT_COLUMNS):
        types = {b.schema.types[i] for b in batches} - {pa.null()}
        if len(types) > 1:  # e.g. int64 in one chunk, double or text in another
            types = {pa.string()} if pa.string() in types else {pa.float64()}
        fields.append(pa.field(name, types.pop() if types else pa.null()))
    schema = pa.schema(fields)
    return [b.cast(schema) if b.schema != schema else b for b in batches]
