"""Job counters and histograms computed from the event store, for ``exporter --events``.

Batch jobs and short-lived runners end before Prometheus scrapes them, and a process's own
counters restart at zero. The store keeps every job, so the counts computed from it are exact
for the whole fleet writing it, monotonic across restarts of the exporter and of every runner
(rows are only added), and every series exists from its first job on. The price is latency:
a job appears at the next poll after its runner's flush, not at the next scrape.

Each poll runs one ``GROUP BY`` per metric in the store's SQL (SQLite or PostgreSQL); no row
reaches Python. Served: ``quantum_jobs_total``, ``quantum_job_duration_seconds``,
``quantum_job_queue_seconds``, ``quantum_job_execution_seconds``, ``quantum_shots_total``,
``quantum_qpu_seconds_total``, ``quantum_cost_usd_total``, ``quantum_job_duplicates_total``,
``quantum_job_retries_total``, with the contract's labels. As in-process, every job-outcome
series (and the duplicate and retry counters) exists at 0 from the first job of a backend and
experiment, and jobs stored as ``unfinished`` are not counted.

Example::

    counts = StoreCounts("postgresql://qobserve@db/events")
    families = counts.families()     # prometheus_client metric families
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, cast

from prometheus_client import utils
from prometheus_client.metrics_core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)

from qobserve import contract
from qobserve.budgets.model import Budgets
from qobserve.budgets.spend import SpendReader
from qobserve.contract import MetricSpec
from qobserve.store.backends import open_backend, reading

TABLE = "job_events"
#: bucket bounds spelt as the client library spells them (``600.0``), so series match
_le = cast(Callable[[float], str], utils.floatToGoString)
#: (metric, SQL aggregate) of the counters served
_COUNTERS: tuple[tuple[MetricSpec, str, str], ...] = (
    (contract.JOBS_TOTAL, "count(*)", ""),
    (contract.SHOTS_TOTAL, "sum(shots)", "shots > 0"),
    (contract.QPU_SECONDS_TOTAL, "sum(qpu_seconds)", "qpu_seconds > 0"),
    (contract.COST_USD_TOTAL, "sum(cost_usd)", "cost_usd > 0"),
    (contract.JOB_DUPLICATES_TOTAL, "count(*)", "duplicate = 1"),
    (contract.JOB_RETRIES_TOTAL, "count(*)", "retry = 1"),
)
#: a job stored before its outcome was known (its process ended) is no finished job
_FINISHED = "COALESCE(outcome, '') <> 'unfinished'"
#: counters that exist at 0 from the first job of a backend x experiment, as in-process
_ZERO_FROM_FIRST_JOB = (contract.JOB_DUPLICATES_TOTAL, contract.JOB_RETRIES_TOTAL)
#: (metric, the column it observes)
_HISTOGRAMS: tuple[tuple[MetricSpec, str], ...] = (
    (contract.JOB_DURATION, "duration_seconds"),
    (contract.JOB_QUEUE, "queue_seconds"),
    (contract.JOB_EXECUTION, "execution_seconds"),
)


class StoreCounts:
    """The job metrics of the store at ``location`` (a path or a ``postgresql://`` URL), and
    the spend of each of ``budgets`` in its current period."""

    def __init__(self, location: str | os.PathLike[str], budgets: Budgets | None = None) -> None:
        self.location = os.fspath(location)
        self.budgets = budgets
        self._spend: SpendReader | None = None

    def families(self) -> list[Metric]:
        """Every served family, computed now; raises InputError when the store is unusable."""
        with reading(self.location) as (_, conn):
            out: list[Metric] = []
            first_jobs: list[tuple[str, ...]] = []
            for spec, aggregate, where in _COUNTERS:
                out.append(_counter(conn, spec, aggregate, where, first_jobs))
            for spec, column in _HISTOGRAMS:
                out.append(_histogram(conn, spec, column))
        if self.budgets is not None:
            out.extend(self._budget_families(self.budgets))
        return out

    def _budget_families(self, budgets: Budgets) -> list[Metric]:
        """Spend, limit and period end of every budget (the same figures the check before a
        submission reads, without the jobs in flight of any runner)."""
        if self._spend is None:
            self._spend = SpendReader(open_backend(self.location))
        now = datetime.now(UTC)
        read: dict[Any, Any] = {}
        specs = {"usd": (contract.BUDGET_SPENT_USD, contract.BUDGET_LIMIT_USD),
                 "qpu_seconds": (contract.BUDGET_SPENT_QPU, contract.BUDGET_LIMIT_QPU)}  # fmt: skip
        families = {
            spec.name: GaugeMetricFamily(spec.name, spec.help, labels=spec.labels)
            for spec in (*specs["usd"], *specs["qpu_seconds"], contract.BUDGET_PERIOD_END)
        }
        for cap in budgets.budgets:
            spent, limit = specs[cap.unit]
            value = self._spend.spent(cap, cap.period_start(now), read)
            families[spent.name].add_metric([cap.name], value)
            families[limit.name].add_metric([cap.name, cap.action], cap.limit)
            end = cap.period_end(now).timestamp()
            families[contract.BUDGET_PERIOD_END.name].add_metric([cap.name, cap.action], end)
        return list(families.values())


def _labels_sql(labels: Sequence[str]) -> str:
    # NULL and '' are the same unknown value; the cardinality guard is the runner's business
    return ", ".join(f"COALESCE({label}, '')" for label in labels)


def _group(conn: Any, labels: Sequence[str], aggregates: str, where: str) -> list[Any]:
    cols = _labels_sql(labels)
    cond = f" WHERE {_FINISHED}" + (f" AND {where}" if where else "")
    by = ", ".join(str(i + 1) for i in range(len(labels)))
    text = f"SELECT {cols}, {aggregates} FROM {TABLE}{cond} GROUP BY {by} ORDER BY {by}"
    return list(conn.execute(text).fetchall())


def _counter(
    conn: Any, spec: MetricSpec, aggregate: str, where: str, first_jobs: list[tuple[str, ...]]
) -> Metric:
    """One counter; ``first_jobs`` collects the (backend, provider, backend_type, experiment)
    of ``quantum_jobs_total`` and gives the zero series of the counters that follow it."""
    n = len(spec.labels)
    values = {
        tuple(str(v) for v in row[:n]): float(row[n] or 0)
        for row in _group(conn, spec.labels, aggregate, where)
    }
    if spec is contract.JOBS_TOTAL:
        first_jobs.extend(dict.fromkeys(key[:4] for key in values))
        for job in first_jobs:
            for outcome, error_type in contract.JOB_OUTCOME_SERIES:
                values.setdefault((*job, outcome, error_type), 0.0)
    elif spec in _ZERO_FROM_FIRST_JOB:
        for backend, provider, _, experiment in first_jobs:
            values.setdefault((backend, provider, experiment), 0.0)
    family = CounterMetricFamily(spec.base_name, spec.help, labels=spec.labels)
    for key in sorted(values):
        family.add_metric(list(key), values[key])
    return family


def _histogram(conn: Any, spec: MetricSpec, column: str) -> Metric:
    buckets = spec.buckets or ()
    counts = [f"sum(CASE WHEN {column} <= {b!r} THEN 1 ELSE 0 END)" for b in buckets]
    aggregates = ", ".join([*counts, "count(*)", f"sum({column})"])
    family = HistogramMetricFamily(spec.name, spec.help, labels=spec.labels)
    n = len(spec.labels)
    for row in _group(conn, spec.labels, aggregates, f"{column} IS NOT NULL"):
        values = [float(v or 0) for v in row[n:]]
        cumulative = [(_le(b), v) for b, v in zip(buckets, values, strict=False)]
        cumulative.append(("+Inf", values[len(buckets)]))
        family.add_metric(
            [str(v) for v in row[:n]], buckets=cumulative, sum_value=values[len(buckets) + 1]
        )
    return family
