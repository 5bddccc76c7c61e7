"""Export the event store's job events (or experiment runs) as CSV or Parquet.

Columns are the contract's, in order; times stay UTC ISO 8601 text. CSV needs only the
standard library; Parquet needs pyarrow (extra ``qobserve[report]``).

Example::

    export_events(".qobserve/events.db", "events.parquet", fmt="parquet")
"""

from __future__ import annotations

import contextlib
import csv
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.events import EXPERIMENT_RUN_COLUMNS, iso
from qobserve.exceptions import InputError
from qobserve.instants import parse_instant
from qobserve.store.backends import is_url, reading, shown, sql

TABLES = {
    "jobs": ("job_events", JOB_EVENT_COLUMNS),
    "runs": ("experiment_runs", EXPERIMENT_RUN_COLUMNS),
}
FORMATS = ("csv", "parquet")
_CHUNK = 50_000


def select(
    store: str | os.PathLike[str],
    what: str = "jobs",
    *,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    equal: Mapping[str, Sequence[str]] | None = None,
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of ``what`` in ``TABLES[what]`` column order, oldest ``finished_at`` first, in
    chunks, from the store at ``store`` (a path or a ``postgresql://`` URL). ``since``/``until``
    as in :func:`export_events`; ``equal`` keeps rows whose column is one of the values given.
    The store is opened and queried at once, so a bad store (or bound) fails before anything
    is written."""
    table, columns = TABLES[what]
    lo, hi = _bound(since, "--since"), _bound(until, "--until")
    location = os.fspath(store)
    if not is_url(location) and not Path(location).is_file():
        raise InputError(
            "no event store here (run an instrumented workload first, or pass --store)",
            path=location,
        )
    where: list[str] = []
    params: list[Any] = []
    # the store's times are fixed-width UTC text, so text order is time order
    if lo is not None:
        where.append("finished_at >= ?")
        params.append(iso(lo.timestamp()))
    if hi is not None:
        where.append("finished_at < ?")
        params.append(iso(hi.timestamp()))
    for column, values in (equal or {}).items():
        if column not in columns:
            raise InputError(f"no such column in {table}", field=column)
        where.append(f"{column} IN ({', '.join('?' * len(values))})")
        params.extend(values)
    text = f"SELECT {', '.join(columns)} FROM {table}"
    if where:
        text += " WHERE " + " AND ".join(where)
    stack = contextlib.ExitStack()
    backend, conn = stack.enter_context(reading(location))
    try:
        cursor = conn.execute(sql(backend, text + " ORDER BY finished_at"), params)
    except Exception as err:  # sqlite3 and psycopg errors alike: not a store
        stack.close()
        raise InputError(f"not a qobserve event store: {err}", path=shown(location)) from None
    return _chunks(stack, cursor)


def _chunks(stack: contextlib.ExitStack, cursor: Any) -> Iterator[list[tuple[Any, ...]]]:
    with stack:
        while chunk := cursor.fetchmany(_CHUNK):
            yield chunk


def _bound(value: str | datetime | None, field: str) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return parse_instant(value, field=field)


def export_events(
    store: str | os.PathLike[str],
    out: str | os.PathLike[str] | None,
    *,
    fmt: str = "csv",
    what: str = "jobs",
    since: str | datetime | None = None,
    until: str | datetime | None = None,
) -> int:
    """Write the store's ``what`` (``jobs`` or ``runs``) to ``out`` (stdout for CSV when None)
    in ``fmt``; ``store`` is a path or a ``postgresql://`` URL; ``since`` (inclusive) and
    ``until`` (exclusive) bound ``finished_at``: aware datetimes, or text for
    :func:`~qobserve.instants.parse_instant` (``2026-11-16``, ``2026-11-16T19:10+01:00``,
    ``7d``). Returns the row count."""
    if fmt not in FORMATS:
        raise InputError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}", field="--format")
    columns = TABLES[what][1]
    chunks = select(store, what, since=since, until=until)
    if fmt == "csv" and out is None:
        return _write_csv(sys.stdout, columns, chunks)
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
