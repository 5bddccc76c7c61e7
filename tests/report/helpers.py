"""Helpers of the report tests: job events written as CSV, Parquet or an SQLite store."""

from __future__ import annotations

import csv
import sqlite3
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.slo.model import SLO, EventSLI, TimeSliceSLI

REAL = {"queue_seconds", "execution_seconds", "duration_seconds", "qpu_seconds", "cost_usd",
        "fidelity"}  # fmt: skip
INTEGER = {"shots", "num_circuits", "num_qubits", "depth", "duplicate"}


def arrow_type(column: str) -> pa.DataType:
    return pa.float64() if column in REAL else pa.int64() if column in INTEGER else pa.string()


def job(**fields: Any) -> dict[str, Any]:
    """One job event with every contract column (unknown ones None, duplicate 0)."""
    row: dict[str, Any] = dict.fromkeys(JOB_EVENT_COLUMNS)
    row.update(duplicate=0, primitive="sampler", experiment="bell", job_id="j")
    unknown = set(fields) - set(JOB_EVENT_COLUMNS)
    assert not unknown, unknown
    row.update(fields)
    return row


def events_table(rows: Sequence[dict[str, Any]]) -> pa.Table:
    return pa.table({c: pa.array([r[c] for r in rows], arrow_type(c)) for c in JOB_EVENT_COLUMNS})


def write_parquet(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    pq.write_table(events_table(rows), path)
    return path


def write_csv(
    rows: Sequence[dict[str, Any]], path: Path, columns: Sequence[str] = JOB_EVENT_COLUMNS
) -> Path:
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(columns)
        for r in rows:
            w.writerow(["" if r.get(c) is None else r.get(c) for c in columns])
    return path


def write_store(rows: Sequence[dict[str, Any]], path: Path) -> Path:
    """An SQLite store with the documented ``job_events`` table (TEXT/REAL/INTEGER columns)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = sqlite3.connect(path)
    types = {
        c: "REAL" if c in REAL else "INTEGER" if c in INTEGER else "TEXT" for c in JOB_EVENT_COLUMNS
    }
    con.execute(f"CREATE TABLE job_events ({', '.join(f'{c} {t}' for c, t in types.items())})")
    con.executemany(
        f"INSERT INTO job_events VALUES ({', '.join('?' * len(JOB_EVENT_COLUMNS))})",
        [[r[c] for c in JOB_EVENT_COLUMNS] for r in rows],
    )
    con.commit()
    con.close()
    return path


def event_slo(
    name: str, kind: str, objective: float, days: int, total: str = "", bad: str = "", **params: Any
) -> SLO:
    """An event SLO as the loader makes them (``params`` as in the catalog)."""
    return SLO(
        name,
        "quantum-jobs",
        objective,
        timedelta(days=days),
        EventSLI(kind, bad=bad, total=total, params=params),
        source="slo/test.yaml",
        location=f"slos[{name}]",
    )


def success_slo(
    name: str = "qpu-success",
    objective: float = 0.9,
    days: int = 14,
    selectors: dict[str, str] | None = None,
) -> SLO:
    return event_slo(name, "job_success", objective, days, selectors=selectors or {})


def latency_slo(objective: float = 0.75, threshold: float = 600, days: int = 7) -> SLO:
    return SLO(
        "latency",
        "quantum-jobs",
        objective,
        timedelta(days=days),
        EventSLI("latency", params={"threshold_seconds": threshold}),
    )


def freshness_slo() -> SLO:
    return SLO(
        "calibration-fresh",
        "backends",
        0.99,
        timedelta(days=28),
        TimeSliceSLI("freshness", good="(time() - x) < bool 86400"),
    )
