"""Job events as one typed pandas frame, whatever they were read from (store, CSV, Parquet).

Every source hands an Arrow table with contract columns to :func:`normalise`, which checks
types, parses timestamps and returns the frame the SLI code works on: label columns as
categoricals (so selectors run once per distinct value, not once per row), ``finished_at`` as
UTC ``datetime64[ns]``, numbers as ``float64`` and ``duplicate`` as ``bool``.

Example::

    table = pa.table({"finished_at": ["2026-11-16T10:00:00Z"], ...})
    events = normalise(table, path="jobs.csv", window=(start, end))
    events.frame["outcome"].cat.categories
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.api.types import union_categoricals

from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.events import JOB_EVENT_TYPES, TIME_COLUMNS
from qobserve.exceptions import InputError

TIME_COLUMN = "finished_at"
FLAG_COLUMN = "duplicate"
#: read only when several sources are merged: a job is counted once whatever holds it
ID_COLUMN = "job_id"
#: label-like columns a selector may match (categoricals in the frame)
LABEL_COLUMNS: tuple[str, ...] = ("experiment", "backend", "provider", "backend_type",
                                  "primitive", "outcome", "error_type")  # fmt: skip
#: numbers the report reads (execution_seconds is type-checked in Parquet schemas, not read)
NUMERIC_COLUMNS: tuple[str, ...] = ("queue_seconds", "duration_seconds", "qpu_seconds",
                                    "cost_usd", "fidelity")  # fmt: skip
_NUMBER_COLUMNS = frozenset(c for c, t in JOB_EVENT_TYPES.items() if t is not str) - TIME_COLUMNS
#: read to compute ``calibration_age_seconds``: calibration_at to submission (or the end)
AGE_COLUMNS: tuple[str, ...] = ("submitted_at", "calibration_at")
#: derived: the backend's calibration age when the job was submitted (NaN: unknown)
CALIBRATION_AGE = "calibration_age_seconds"
#: what the report reads; the other contract columns (ids, other timestamps) are not needed
REPORT_COLUMNS: tuple[str, ...] = (
    *LABEL_COLUMNS, TIME_COLUMN, *NUMERIC_COLUMNS, FLAG_COLUMN, *AGE_COLUMNS
)  # fmt: skip
_TEXT_COLUMNS = frozenset(JOB_EVENT_COLUMNS) - _NUMBER_COLUMNS


@dataclass
class EventData:
    """Events of the report's time range plus what had to be left out, for the data notes."""

    frame: pd.DataFrame
    source: str
    #: events with no (or an empty) ``finished_at``: they cannot be placed in a week
    missing_time: int = 0
    #: events left out because an earlier source held the same job id
    repeated_ids: int = 0


def merge(parts: list[EventData]) -> EventData:
    """The events of several sources as one, each job id once: the row of the first source
    that holds it is kept (rows without an id are all kept). Needs the frames' ``job_id``.

    Example::

        events = merge([read_store(a, window=w, ids=True), read_events_file(b, window=w, ids=True)])
    """
    if len(parts) == 1:
        return parts[0]
    frames = [p.frame for p in parts]
    data: dict[str, object] = {}
    for name in frames[0].columns:
        if isinstance(frames[0][name].dtype, pd.CategoricalDtype):
            data[name] = union_categoricals([f[name] for f in frames], ignore_order=True)
        else:
            data[name] = np.concatenate([f[name].to_numpy() for f in frames])
    frame = pd.DataFrame(data, copy=False)
    ids = frame[ID_COLUMN]
    repeated = ids.duplicated(keep="first") & ids.notna() & (ids != "")
    if repeated.any():
        frame = frame[~repeated.to_numpy()].reset_index(drop=True)
    return EventData(
        frame.drop(columns=ID_COLUMN),
        " + ".join(p.source for p in parts),
        sum(p.missing_time for p in parts),
        int(repeated.sum()),
    )


def check_columns(names: list[str] | tuple[str, ...], path: str) -> None:
    """Raise an :class:`InputError` naming the first contract column absent from ``names``."""
    missing = [c for c in JOB_EVENT_COLUMNS if c not in names]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise InputError(
            f"missing column{more}; job events need the columns {', '.join(JOB_EVENT_COLUMNS)}",
            path=path,
            field=missing[0],
        )


def check_schema_types(schema: pa.Schema, path: str) -> None:
    """Reject columns whose stored type cannot hold the contract's values (Parquet metadata)."""
    for f in schema:
        t = f.type
        if pa.types.is_dictionary(t):
            t = t.value_type
        if f.name in _NUMBER_COLUMNS:
            ok = (
                pa.types.is_integer(t)
                or pa.types.is_floating(t)
                or pa.types.is_boolean(t)
                or pa.types.is_null(t)
                or pa.types.is_string(t)
                or pa.types.is_large_string(t)
            )
        elif f.name in ("submitted_at", "started_at", TIME_COLUMN):
            ok = (
                pa.types.is_timestamp(t)
                or pa.types.is_string(t)
                or pa.types.is_large_string(t)
                or pa.types.is_null(t)
            )
        elif f.name in _TEXT_COLUMNS:
            ok = not (pa.types.is_nested(t) or pa.types.is_binary(t))
        else:
            continue
        if not ok:
            raise InputError(
                f"has type {f.type}, which cannot hold this column's values",
                path=path,
                field=f.name,
            )


def normalise(
    table: pa.Table,
    *,
    path: str,
    window: tuple[datetime, datetime] | None = None,
    row_offset: int = 1,
) -> EventData:
    """Type-check ``table`` and turn it into the report's frame, keeping ``[start, end)``.

    ``row_offset`` is the number of the first data row in the file (CSV: 2, after the header)
    so errors point at the right line.
    """
    finished = _timestamps(table.column(TIME_COLUMN), path, TIME_COLUMN, row_offset)
    missing_time = finished.null_count
    keep = pc.is_valid(finished)
    if window is not None:
        lo = pa.scalar(window[0], pa.timestamp("ns", tz="UTC"))
        hi = pa.scalar(window[1], pa.timestamp("ns", tz="UTC"))
        keep = pc.and_(keep, pc.and_(pc.greater_equal(finished, lo), pc.less(finished, hi)))
    keep = pc.fill_null(keep, False)
    every = bool(pc.all(keep).as_py()) if len(keep) else True

    def cut(col: pa.ChunkedArray) -> pa.ChunkedArray:
        return col if every else col.filter(keep)  # filtering copies: skip it when all stay

    data: dict[str, object] = {
        TIME_COLUMN: pd.Series(
            cut(finished).to_numpy(zero_copy_only=False), dtype="datetime64[ns, UTC]"
        )
    }
    for name in LABEL_COLUMNS:
        data[name] = _labels(cut(table.column(name)))
    for name in NUMERIC_COLUMNS:
        col = _numbers(table.column(name), path, name, row_offset)
        data[name] = cut(col).to_numpy(zero_copy_only=False)
    flag = _numbers(table.column(FLAG_COLUMN), path, FLAG_COLUMN, row_offset, flag=True)
    data[FLAG_COLUMN] = cut(flag).to_numpy(zero_copy_only=False) == 1.0
    data[CALIBRATION_AGE] = _calibration_age(table, finished, cut, path, row_offset)
    if ID_COLUMN in table.column_names:
        ids = cut(table.column(ID_COLUMN).cast(pa.string()))
        data[ID_COLUMN] = ids.to_numpy(zero_copy_only=False)
    # copy=False keeps one block per column: consolidating 10M rows would copy them all
    frame = pd.DataFrame(data, copy=False)
    return EventData(frame, path, int(missing_time))


def _calibration_age(
    table: pa.Table,
    finished: pa.ChunkedArray,
    cut: Callable[[pa.ChunkedArray], pa.ChunkedArray],
    path: str,
    row_offset: int,
) -> np.ndarray:
    """Seconds from ``calibration_at`` to ``submitted_at`` (``finished_at`` when unknown)."""
    if "calibration_at" not in table.column_names:  # frames built before the field existed
        return np.full(len(cut(finished)), np.nan)
    calibrated = _timestamps(table.column("calibration_at"), path, "calibration_at", row_offset)
    submitted = _timestamps(table.column("submitted_at"), path, "submitted_at", row_offset)
    start = pc.coalesce(submitted, finished)
    ns = pc.subtract(cut(start).cast(pa.int64()), cut(calibrated).cast(pa.int64()))
    # unsafe: a difference beyond 2**53 ns (104 days) loses sub-microsecond digits, no more
    floats = ns.cast(pa.float64(), safe=False)
    seconds: np.ndarray = pc.divide(floats, 1e9).to_numpy(zero_copy_only=False)
    return seconds


def _labels(col: pa.ChunkedArray) -> pd.Categorical:
    """A categorical from a text (or dictionary) column; empty strings count as missing."""
    if not pa.types.is_dictionary(col.type):
        if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = col.cast(pa.string())
        col = pc.dictionary_encode(col)
    col = col.unify_dictionaries()
    if col.num_chunks == 0:
        return pd.Categorical.from_codes([], categories=pd.Index([], dtype=object))
    values = col.chunk(0).dictionary.cast(pa.string()).to_pylist()
    indices = pa.chunked_array([c.indices for c in col.chunks]).cast(pa.int32())
    codes = pc.fill_null(indices, -1).to_numpy(zero_copy_only=False)
    # the contract writes unknown labels as empty: fold "" (and null entries) into missing
    keep = [i for i, v in enumerate(values) if v]
    if len(keep) < len(values):
        remap = np.full(len(values) + 1, -1, np.int32)
        remap[keep] = np.arange(len(keep), dtype=np.int32)
        codes = remap[codes]  # index -1 hits the last slot, which stays -1
    cats = pd.Index([values[i] for i in keep], dtype=object)
    return pd.Categorical.from_codes(codes, categories=cats)


def _timestamps(col: pa.ChunkedArray, path: str, name: str, row_offset: int) -> pa.ChunkedArray:
    t = col.type
    target = pa.timestamp("ns", tz="UTC")
    if pa.types.is_null(t):
        return pa.chunked_array([pa.nulls(len(col), target)])
    if pa.types.is_timestamp(t):
        # a naive timestamp is UTC by the contract
        try:
            return col.cast(pa.timestamp("ns", tz=t.tz or "UTC")).cast(target)
        except pa.ArrowInvalid:
            raise InputError(_OUT_OF_RANGE, path=path, field=name) from None
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if not (pa.types.is_string(t) or pa.types.is_large_string(t)):
        raise InputError(f"has type {t}; expected ISO 8601 timestamps", path=path, field=name)
    col = pc.if_else(pc.equal(pc.utf8_trim_whitespace(col), ""), pa.scalar(None, t), col)
    try:
        return col.cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    # slow path: mixed forms (some without offset, which the contract says are UTC)
    values = pd.Series(col.to_pandas(), dtype=object)
    parsed = pd.to_datetime(values, utc=True, format="ISO8601", errors="coerce")
    bad = parsed.isna() & values.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"row {i + row_offset}: {values.iloc[i]!r} is not an ISO 8601 timestamp",
            path=path,
            field=name,
        )
    # pandas parses far years at a coarser unit; nanoseconds end in 2262
    outside = parsed.notna() & ((parsed < _EARLIEST) | (parsed > _LATEST))
    if outside.any():
        i = int(np.flatnonzero(outside.to_numpy())[0])
        raise InputError(
            f"row {i + row_offset}: {values.iloc[i]!r}: {_OUT_OF_RANGE}", path=path, field=name
        )
    return pa.chunked_array([pa.array(parsed.dt.as_unit("ns"), target)])


_EARLIEST = pd.Timestamp.min.tz_localize("UTC")
_LATEST = pd.Timestamp.max.tz_localize("UTC")
_OUT_OF_RANGE = f"times must lie between {_EARLIEST:%Y} and {_LATEST:%Y}"


_FLAG_WORDS = {"true": 1.0, "false": 0.0, "1": 1.0, "0": 0.0, "": np.nan}


def _numbers(
    col: pa.ChunkedArray, path: str, name: str, row_offset: int, flag: bool = False
) -> pa.ChunkedArray:
    t = col.type
    if pa.types.is_dictionary(t):
        col, t = col.cast(t.value_type), t.value_type
    if pa.types.is_null(t):
        return pa.chunked_array([pa.nulls(len(col), pa.float64())])
    if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_boolean(t):
        out = col.cast(pa.float64())
    elif pa.types.is_string(t) or pa.types.is_large_string(t):
        out = _parse_numbers(col, path, name, row_offset, flag)
    else:
        raise InputError(f"has type {t}; expected numbers", path=path, field=name)
    if flag:
        bad = pc.and_(pc.is_valid(out), pc.invert(pc.is_in(out, pa.array([0.0, 1.0]))))
        if pc.any(bad).as_py():
            i = int(np.flatnonzero(bad.to_numpy(zero_copy_only=False))[0])
            raise InputError(
                f"row {i + row_offset}: {col[i].as_py()!r} is not 0/1 or true/false",
                path=path,
                field=name,
            )
    return out


def _parse_numbers(
    col: pa.ChunkedArray, path: str, name: str, row_offset: int, flag: bool
) -> pa.ChunkedArray:
    values = pd.Series(col.to_pandas(), dtype=object).str.strip()
    if flag:
        parsed = values.str.lower().map(_FLAG_WORDS)
    else:
        parsed = pd.to_numeric(values.replace("", None), errors="coerce")
    bad = parsed.isna() & values.notna() & (values != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        what = "0/1 or true/false" if flag else "a number"
        raise InputError(
            f"row {i + row_offset}: {values.iloc[i]!r} is not {what}", path=path, field=name
        )
    return pa.chunked_array([pa.array(parsed.astype("float64"), pa.float64())])
