"""What the jobs in the event store spent, read for the budget check before each submission.

Spend comes from ``job_spend``, the store's running totals per UTC hour and per UTC day, in
total, per experiment and per backend (kept by every write, see :mod:`qobserve.store.schema`).
The spend since an instant is the days after it, the hours before its first whole day and,
for a period that starts inside an hour (a time zone offset of 30 or 45 minutes), that part
of an hour read from the jobs themselves through the ``finished_at`` index: a month is at
most 31 + 23 rows per name, whatever the number of jobs. On PostgreSQL the figures are the
fleet's.

Example::

    reader = SpendReader(store.backend)
    reader.since(datetime(2026, 12, 1, tzinfo=UTC), "e", "vqe")   # {"vqe": (12.5, 7.8)}
    reader.history("vqe", "ibm_kyiv")            # History(jobs=50, qpu_seconds=..., ...)
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from qobserve.events import iso
from qobserve.store.backends import Backend, sql
from qobserve.store.schema import bucket

if TYPE_CHECKING:
    from qobserve.budgets.model import Budget

#: name (experiment, backend, or '' in total) -> (US dollars, QPU seconds)
Spend = dict[str, tuple[float, float]]
#: how many recent jobs of an experiment on a backend an estimate is based on
HISTORY_JOBS = 50
#: the column of job_events each scope of job_spend sums by
_COLUMN = {"t": "''", "e": "coalesce(experiment, '')", "b": "coalesce(backend, '')"}
_BUCKETS = (
    "SELECT name, sum(cost_usd), sum(qpu_seconds) FROM job_spend WHERE scope = ? AND span = ? "
    "AND bucket >= ? AND bucket < ?{name} GROUP BY name"
)
_PART_HOUR = (
    "SELECT {column}, coalesce(sum(cost_usd), 0), coalesce(sum(qpu_seconds), 0) FROM "
    "job_events WHERE finished_at >= ? AND finished_at < ?{name}{group}"
)
# the last jobs by the (experiment, backend, finished_at) index, then those with a QPU time:
# bounded even where no job has one (simulators)
_HISTORY = (
    "SELECT count(qpu_seconds), sum(qpu_seconds), sum(CASE WHEN qpu_seconds IS NOT NULL "
    "THEN shots END), count(CASE WHEN qpu_seconds IS NOT NULL THEN shots END) FROM "
    "(SELECT qpu_seconds, shots FROM job_events WHERE experiment = ? AND backend = ? "
    f"ORDER BY finished_at DESC LIMIT {HISTORY_JOBS}) recent"
)
#: after every day bucket
_LAST = "9999"


@dataclass(frozen=True)
class History:
    """Recent jobs of one experiment on one backend that have a QPU time."""

    jobs: int = 0
    qpu_seconds: float = 0.0
    #: shots of the jobs that have both shots and a QPU time, and how many those are
    shots: float = 0.0
    jobs_with_shots: int = 0

    def qpu_estimate(self, shots: int | None) -> float | None:
        """QPU seconds a job of ``shots`` shots will take: their QPU time per shot times
        ``shots`` when every one of them has shots and ``shots`` is known, else their mean
        per job; None without history.

        >>> History(2, 4.0, 2000, 2).qpu_estimate(3000)
        6.0
        >>> History(2, 4.0).qpu_estimate(None)
        2.0
        """
        if not self.jobs:
            return None
        if shots and self.shots > 0 and self.jobs_with_shots == self.jobs:
            return self.qpu_seconds / self.shots * shots
        return self.qpu_seconds / self.jobs


class SpendReader:
    """Read-only queries on one store; one connection per thread, reopened after a failure."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self._local = threading.local()

    def _run(self, text: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self.backend.reader()
        try:
            return list(conn.execute(sql(self.backend, text), params).fetchall())
        except BaseException:
            self._local.conn = None  # the next query opens a fresh one
            with contextlib.suppress(Exception):  # sqlite3's or psycopg's
                conn.close()
            raise

    def since(self, start: datetime, scope: str, name: str | None = None) -> Spend:
        """Spend of the jobs finished at ``start`` or later: in total (``scope`` ``t``), per
        experiment (``e``) or per backend (``b``); only ``name``'s when given."""
        hour = start.replace(minute=0, second=0, microsecond=0)
        whole_hour = hour if hour == start else hour + timedelta(hours=1)
        day = whole_hour.replace(hour=0)
        whole_day = day if day == whole_hour else day + timedelta(days=1)
        one = "" if name is None else " AND name = ?"
        only: tuple[object, ...] = () if name is None else (name,)
        rows = self._run(
            _BUCKETS.format(name=one),
            (scope, "d", bucket("d", whole_day.timestamp()), _LAST, *only),
        )
        if whole_hour < whole_day:
            hours = (bucket("h", whole_hour.timestamp()), bucket("h", whole_day.timestamp()))
            rows += self._run(_BUCKETS.format(name=one), (scope, "h", *hours, *only))
        if start < whole_hour:
            column = _COLUMN[scope]
            group = "" if scope == "t" else f" GROUP BY {column}"  # PostgreSQL: no GROUP BY ''
            filtered = "" if name is None or scope == "t" else f" AND {column} = ?"
            part = _PART_HOUR.format(column=column, name=filtered, group=group)
            span = (iso(start.timestamp()), iso(whole_hour.timestamp()))
            rows += self._run(part, (*span, *(only if filtered else ())))
        out: Spend = {}
        for key, usd, qpu in rows:
            had = out.get(str(key), (0.0, 0.0))
            out[str(key)] = (had[0] + float(usd or 0), had[1] + float(qpu or 0))
        return out

    def spent(
        self, cap: Budget, start: datetime, read: dict[tuple[datetime, str, str | None], Spend]
    ) -> float:
        """What the store's jobs in ``cap``'s scope spent since ``start``, in its unit;
        ``read`` keeps the totals read, for the other caps of the same check."""
        scope, name = cap.store_scope
        spend = read.get((start, scope, name))
        if spend is None:
            spend = read[(start, scope, name)] = self.since(start, scope, name)
        i = 0 if cap.unit == "usd" else 1
        return sum(v[i] for key, v in spend.items() if cap.counts(key))

    def history(self, experiment: str, backend: str) -> History:
        """The recent jobs of ``experiment`` on ``backend`` (see :class:`History`)."""
        rows = self._run(_HISTORY, (experiment, backend))
        jobs, qpu, shots, with_shots = rows[0] if rows else (0, None, None, 0)
        return History(int(jobs or 0), float(qpu or 0), float(shots or 0), int(with_shots or 0))

    def close(self) -> None:
        """Close this thread's connection."""
        conn = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            conn.close()
