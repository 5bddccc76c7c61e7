"""Job events from the event store (an SQLite file or a PostgreSQL URL), opened read only.

The store keeps ``finished_at`` as UTC ISO 8601 text. SQL narrows the rows by date prefix
(text comparison is exact on ``YYYY-MM-DD`` whatever the time-of-day format), then the exact
``[start, end)`` cut happens after parsing.

Example::

    events = read_store(".qobserve/events.db", window=(start, end))
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from qobserve.config import DEFAULT_STORE
from qobserve.exceptions import InputError
from qobserve.report.events import (
    ID_COLUMN,
    REPORT_COLUMNS,
    TIME_COLUMN,
    EventData,
    check_columns,
    normalise,
)
from qobserve.store.backends import Backend, is_url, reading, shown, sql


def default_store() -> str:
    """Where instrumentation writes by default: ``QOBSERVE_STORE_URL``, else
    ``QOBSERVE_STORE``, else ``.qobserve/events.db``."""
    url = os.environ.get("QOBSERVE_STORE_URL", "")
    if url and url.lower() != "none":
        return url
    env = os.environ.get("QOBSERVE_STORE", "")
    return env if env and env.lower() != "none" else DEFAULT_STORE


TABLE = "job_events"
#: rows fetched and converted at a time
CHUNK = 100_000


def read_store(
    path: str | os.PathLike[str] | None = None,
    *,
    window: tuple[datetime, datetime] | None = None,
    ids: bool = False,
) -> EventData:
    """Read the events of ``window`` from the store at ``path`` (default: :func:`default_store`);
    ``ids`` also reads the job ids (to :func:`~qobserve.report.events.merge` sources)."""
    path = default_store() if path is None else path
    where = shown(path)
    if not is_url(path) and not Path(path).is_file():
        raise InputError(
            "no event store here (run instrumented code first, or pass --store "
            "or --source events FILE)",
            path=where,
        )
    with reading(path) as (backend, con):
        try:
            return _read(backend, con, where, window, _columns(ids))
        except InputError:
            raise
        except Exception as err:  # sqlite3 and psycopg errors alike
            raise InputError(f"cannot read the event store: {err}", path=where) from None


def _columns(ids: bool) -> tuple[str, ...]:
    return (*REPORT_COLUMNS, ID_COLUMN) if ids else REPORT_COLUMNS


def _read(
    backend: Backend,
    con: Any,
    where: str,
    window: tuple[datetime, datetime] | None,
    columns: tuple[str, ...],
) -> EventData:
    names = backend.columns(con, TABLE)
    if not names:
        raise InputError("no job_events table: not a qobserve event store", path=where, field=TABLE)
    check_columns(names, where)
    cols = ", ".join(columns)
    no_time = f"{TIME_COLUMN} IS NULL OR trim({TIME_COLUMN}) = ''"
    text, params = f"SELECT {cols} FROM {TABLE}", ()
    missing = 0
    if window is not None:
        # one day of slack each side: the prefix comparison must never cut a real event
        lo = (window[0] - timedelta(days=1)).strftime("%Y-%m-%d")
        hi = (window[1] + timedelta(days=1)).strftime("%Y-%m-%d")
        text += f" WHERE {TIME_COLUMN} >= ? AND {TIME_COLUMN} < ?"
        params = (lo, hi)  # type: ignore[assignment]
        missing = int(con.execute(f"SELECT count(*) FROM {TABLE} WHERE {no_time}").fetchone()[0])
    cursor = con.execute(sql(backend, text), params)
    batches = []
    # in chunks, straight into Arrow: Python row tuples live only one chunk at a time
    while rows := cursor.fetchmany(CHUNK):
        values = zip(*rows, strict=True)
        batches.append(pa.record_batch([_column(c) for c in values], names=list(columns)))
    if batches:
        table = pa.Table.from_batches(_unify(batches, columns))
    else:
        table = pa.table({c: pa.array([], pa.string()) for c in columns})
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


def _unify(batches: list[pa.RecordBatch], columns: tuple[str, ...]) -> list[pa.RecordBatch]:
    """Batches cast to one schema (a chunk whose column is all NULL comes out as ``null``)."""
    fields = []
    for i, name in enumerate(columns):
        types = {b.schema.types[i] for b in batches} - {pa.null()}
        if len(types) > 1:  # e.g. int64 in one chunk, double or text in another
            types = {pa.string()} if pa.string() in types else {pa.float64()}
        fields.append(pa.field(name, types.pop() if types else pa.null()))
    schema = pa.schema(fields)
    return [b.cast(schema) if b.schema != schema else b for b in batches]
