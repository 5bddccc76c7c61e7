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
    frame = pd.read_sql_query(sql, con, params=params)
    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        # SQLite typing is per value: a column mixing text and numbers goes through as text so
        # normalise() can name the column and the bad value
        mixed = frame.select_dtypes(include="object").columns
        table = pa.Table.from_pandas(
            frame.astype(dict.fromkeys(mixed, "string")), preserve_index=False
        )
    data = normalise(table, path=f"{where}:{TABLE}", window=window)
    data.missing_time += missing
    data.source = where
    return data
