"""Job events as a pandas DataFrame, straight from the configured event store.

Needs pandas (extra ``qobserve[report]``). Times come back as UTC ``datetime64``, numbers as
floats (missing: NaN), ``duplicate`` as bool; rows are ordered by ``finished_at``.

Example::

    df = qobserve.jobs(experiment="vqe-h2", since="7d", outcome="success")
    df.groupby("backend")["queue_seconds"].median()
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from itertools import chain
from typing import TYPE_CHECKING

from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.events import TIME_COLUMNS
from qobserve.exceptions import InputError
from qobserve.store.export import select
from qobserve.store.schema import column_type
from qobserve.telemetry import get_telemetry

if TYPE_CHECKING:
    import pandas as pd

Filter = str | Sequence[str] | None


def jobs(
    *,
    experiment: Filter = None,
    backend: Filter = None,
    outcome: Filter = None,
    since: str | datetime | None = None,
    until: str | datetime | None = None,
    store: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """The stored job events, one row each with the contract's columns.

    ``experiment``, ``backend`` and ``outcome`` keep rows equal to the value (or to any of a
    list); ``since`` (inclusive) and ``until`` (exclusive) bound ``finished_at`` and take what
    ``qobserve events export`` takes (``2026-11-16``, ``2026-11-16T19:10+01:00``, ``7d``).
    ``store`` defaults to the store this process writes to, flushed first so the jobs just
    run are in.
    """
    import pandas as pd

    if store is None:
        tel = get_telemetry()
        if tel.store is None:
            raise InputError(
                "no event store is configured; pass store= or configure(store_path=...)",
                field="store_path",
            )
        tel.store.flush(30.0)
        store = tel.store.path
    filters = {"experiment": experiment, "backend": backend, "outcome": outcome}
    equal = {
        column: [value] if isinstance(value, str) else list(value)
        for column, value in filters.items()
        if value is not None
    }
    rows = list(chain.from_iterable(select(store, "jobs", since=since, until=until, equal=equal)))
    frame = pd.DataFrame.from_records(rows, columns=list(JOB_EVENT_COLUMNS))
    for column in JOB_EVENT_COLUMNS:
        if column in TIME_COLUMNS:
            times = pd.to_datetime(frame[column], utc=True, format="ISO8601")
            frame[column] = times.dt.as_unit("ns")  # as the report's frame has them
        elif column == "duplicate":
            frame[column] = frame[column].fillna(0).astype(bool)
        elif column_type(column) != "TEXT":
            frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame
