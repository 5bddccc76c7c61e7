"""Job events from CSV or Parquet files with the contract's columns.

Only the columns the report uses are read (Parquet: with dictionary encoding, so ten million
rows of labels cost a few megabytes); the others must still be present.

Example::

    events = read_events_file("jobs.parquet", window=(start, end))
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from qobserve.exceptions import InputError
from qobserve.report.events import (
    AGE_COLUMNS,
    ID_COLUMN,
    LABEL_COLUMNS,
    REPORT_COLUMNS,
    TIME_COLUMN,
    EventData,
    check_columns,
    check_schema_types,
    normalise,
)


def read_events_file(
    path: str | Path, *, window: tuple[datetime, datetime] | None = None, ids: bool = False
) -> EventData:
    """Read a CSV or Parquet events file (chosen by extension, else by content); ``ids``
    also reads the job ids (to :func:`~qobserve.report.events.merge` sources)."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such file", path=str(p))
    if _is_parquet(p):
        return read_parquet(p, window=window, ids=ids)
    return read_csv(p, window=window, ids=ids)


def _columns(ids: bool) -> list[str]:
    return [*REPORT_COLUMNS, ID_COLUMN] if ids else list(REPORT_COLUMNS)


def _is_parquet(p: Path) -> bool:
    if p.suffix.lower() in (".parquet", ".pq"):
        return True
    if p.suffix.lower() == ".csv":
        return False
    try:
        with p.open("rb") as f:
            return f.read(4) == b"PAR1"
    except OSError as err:
        raise InputError(f"cannot read: {err.strerror}", path=str(p)) from None


def read_parquet(
    path: str | Path, *, window: tuple[datetime, datetime] | None = None, ids: bool = False
) -> EventData:
    """Read a Parquet events file."""
    where = str(path)
    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"not a readable Parquet file: {err}", path=where) from None
    check_columns(schema.names, where)
    check_schema_types(schema, where)
    try:
        table = pq.read_table(path, columns=_columns(ids), read_dictionary=list(LABEL_COLUMNS))
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"cannot read: {err}", path=where) from None
    return normalise(table, path=where, window=window)


def read_csv(
    path: str | Path, *, window: tuple[datetime, datetime] | None = None, ids: bool = False
) -> EventData:
    """Read a CSV events file (header row with the contract's column names)."""
    where = str(path)
    try:
        with open(path, newline="", encoding="utf-8") as f:
            header = next(csv.reader(f), [])
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read: {err}", path=where) from None
    check_columns([h.strip() for h in header], where)
    # labels and timestamps stay text so we parse them by the contract's rules, not Arrow's
    text = {c: pa.string() for c in (*LABEL_COLUMNS, TIME_COLUMN, *AGE_COLUMNS, ID_COLUMN)}
    try:
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                include_columns=_columns(ids), column_types=text, strings_can_be_null=True
            ),
        )
    except (OSError, pa.ArrowException) as err:
        raise InputError(f"not a readable CSV events file: {err}", path=where) from None
    return normalise(table, path=where, window=window, row_offset=2)
