"""Export the event store's job events (or experiment runs) as CSV or Parquet.

Columns are the contract's, in order; times stay UTC ISO 8601 text. CSV needs only the
standard library; Parquet needs pyarrow (extra ``qobserve[report]``).

Example::

    export_events(".qobserve/events.db", "events.parquet", fmt="parquet")
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.events import EXPERIMENT_RUN_COLUMNS
from qobserve.exceptions import InputError
from qobserve.store.backends import reading, shown, sql

TABLES = {
    "jobs": ("job_events", JOB_EVENT_COLUMNS),
    "runs": ("experiment_runs", EXPERIMENT_RUN_COLUMNS),
}
FORMATS = ("csv", "parquet")
_CHUNK = 50_000


def _rows(
    store: str, table: str, columns: tuple[str, ...], since: str | None, until: str | None
) -> Iterator[list[tuple[Any, ...]]]:
    with reading(store) as (backend, conn):
        where, params = [], []
        if since:
            where.append("finished_at >= ?")
            params.append(since)
        if until:
            where.append("finished_at < ?")
            params.append(until)
        text = f"SELECT {', '.join(columns)} FROM {table}"
        if where:
            text += " WHERE " + " AND ".join(where)
        try:
            cursor = conn.execute(sql(backend, text + " ORDER BY finished_at"), params)
        except Exception as err:  # sqlite3 and psycopg errors alike: not a store
            raise InputError(f"not a qobserve event store: {err}", path=shown(store)) from None
        while chunk := cursor.fetchmany(_CHUNK):
            yield chunk


def export_events(
    store: str | os.PathLike[str],
    out: str | os.PathLike[str] | None,
    *,
    fmt: str = "csv",
    what: str = "jobs",
    since: str | None = None,
    until: str | None = None,
) -> int:
    """Write the ``what`` (``jobs`` or ``runs``) of ``store`` (a path or a ``postgresql://``
    URL) to ``out`` (stdout for CSV when None) in ``fmt``; ``since``/``until`` bound
    ``finished_at`` (ISO text). Returns the row count."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}", field="--format")
    table, columns = TABLES[what]
    chunks = _rows(os.fspath(store), table, columns, since, until)
    if fmt == "csv":
        if out is None:
            return _write_csv(sys.stdout, columns, chunks)
        with open(out, "w", newline="") as fh:
            return _write_csv(fh, columns, chunks)
    if out is None:
        raise InputError("Parquet needs an output file", field="--output")
    try:
        if fmt == "csv":
            with open(out, "w", newline="") as fh:
                return _write_csv(fh, columns, chunks)
        return _write_parquet(Path(out), columns, chunks)
    except OSError as err:  # pyarrow raises OSError with its own message, without strerror
        reason = err.strerror or str(err)
        raise InputError(f"cannot write: {reason}", path=os.fspath(out), field="--output") from None


def _write_csv(
    fh: TextIO, columns: tuple[str, ...], chunks: Iterator[list[tuple[Any, ...]]]
) -> int:
    writer = csv.writer(fh)
    writer.writerow(columns)
    n = 0
    for chunk in chunks:
        writer.writerows(chunk)
        n += len(chunk)
    return n


def _write_parquet(
    path: Path, columns: tuple[str, ...], chunks: Iterator[list[tuple[Any, ...]]]
) -> int:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        raise InputError(
            "Parquet export needs pyarrow: pip install 'qobserve[report]'", field="--format"
        ) from None
    schema = pa.schema([(c, _arrow_type(pa, c)) for c in columns])
    n = 0
    with pq.ParquetWriter(path, schema) as writer:
        for chunk in chunks:
            cols = list(zip(*chunk, strict=True))
            writer.write_table(
                pa.table(
                    [pa.array(col, type=t) for col, t in zip(cols, schema.types, strict=True)],
                    schema=schema,
                )
            )
            n += len(chunk)
        if n == 0:
            writer.write_table(schema.empty_table())
    return n


def _arrow_type(pa: Any, column: str) -> Any:
    from qobserve.store.schema import column_type

    return {"REAL": pa.float64(), "INTEGER": pa.int64()}.get(column_type(column), pa.string())
