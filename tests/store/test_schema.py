"""The store's schema history: frozen migrations, every past version migrates to the current one."""

from __future__ import annotations

import hashlib
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qobserve.events import EXPERIMENT_RUN_COLUMNS, JOB_EVENT_COLUMNS, JobEvent
from qobserve.store import EventStore
from qobserve.store.schema import MIGRATIONS, SCHEMA_VERSION, column_type

# Digest of each released migration. Stores of these versions exist on users' disks: a
# migration, once merged, is never edited. A schema change is a new migration, whose digest is
# added here.
RELEASED = {
    1: "46728f945ccda32d",
    2: "7be4b4b88dad11e0",
    3: "169c5bdb778ad1e6",
    4: "9c1190d5ebea0cef",  # IBM result-changing options (#11), provider (#12), spend (#20)
}


def _digest(statements: tuple[str, ...]) -> str:
    return hashlib.sha256(";\n".join(statements).encode()).hexdigest()[:16]


def _schema(db: Path) -> dict[str, object]:
    """Every table's columns (name, type, not-null, default, key) and every index's columns."""
    with sqlite3.connect(db) as conn:
        out: dict[str, object] = {}
        tables = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        for (table,) in tables.fetchall():
            out[table] = [r[1:] for r in conn.execute(f"PRAGMA table_info({table})")]
        indexes = conn.execute(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' ORDER BY name"
        )
        for name, table in indexes.fetchall():
            cols = [r[2] for r in conn.execute(f"PRAGMA index_info({name})")]
            out[f"index {name}"] = (table, cols)
        out["user_version"] = conn.execute("PRAGMA user_version").fetchone()[0]
    return out


def _store_of_version(db: Path, version: int) -> None:
    with sqlite3.connect(db) as conn:
        for statements in MIGRATIONS[:version]:
            for statement in statements:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {version}")
        conn.execute(
            "INSERT INTO job_events (job_id, outcome, shots, finished_at) "
            "VALUES ('old', 'success', 100, '2026-11-16T10:00:00.000Z')"
        )


def test_released_migrations_are_never_edited() -> None:
    found = {version: _digest(m) for version, m in enumerate(MIGRATIONS, 1)}
    for version, digest in RELEASED.items():
        assert found.get(version) == digest, (
            f"migration {version} was released: leave it as it is and add a new migration"
        )
    assert found.keys() == RELEASED.keys(), "a new migration: add its digest to RELEASED"


@pytest.mark.parametrize(
    ("table", "columns"),
    [("job_events", JOB_EVENT_COLUMNS), ("experiment_runs", EXPERIMENT_RUN_COLUMNS)],
)
def test_a_fresh_store_holds_the_records_as_defined(
    tmp_path: Path, table: str, columns: tuple[str, ...]
) -> None:
    EventStore(tmp_path / "e.db").close()
    with sqlite3.connect(tmp_path / "e.db") as conn:
        found = [(r[1], r[2]) for r in conn.execute(f"PRAGMA table_info({table})")]
    assert found == [(c, column_type(c)) for c in columns], (
        f"{table} differs from its record in qobserve.events: add a migration"
    )


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_every_past_version_migrates_to_a_fresh_store(tmp_path: Path, version: int) -> None:
    old = tmp_path / "old.db"
    _store_of_version(old, version)
    store = EventStore(old)
    store.set_fidelity("old", 0.5)
    store.add_job(JobEvent(job_id="new", outcome="error"))
    store.close()
    EventStore(tmp_path / "fresh.db").close()

    assert _schema(old) == _schema(tmp_path / "fresh.db")
    with sqlite3.connect(old) as conn:
        rows = conn.execute(
            "SELECT job_id, outcome, shots, finished_at, fidelity FROM job_events ORDER BY job_id"
        ).fetchall()
    assert rows == [("new", "error", None, None, None),
                    ("old", "success", 100, "2026-11-16T10:00:00.000Z", 0.5)]  # fmt: skip


def test_the_spend_totals_start_from_the_jobs_already_stored(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    _store_of_version(old, 3)
    with sqlite3.connect(old) as conn:
        conn.execute(
            "INSERT INTO job_events (job_id, experiment, backend, outcome, finished_at, "
            "cost_usd, qpu_seconds) VALUES ('b', 'vqe', 'ibm_kyiv', 'success', "
            "'2026-11-16T10:59:59.000Z', 1.5, 2.0), ('c', 'vqe', 'ibm_kyiv', 'success', "
            "'2026-11-16T10:30:00.000Z', 0.5, NULL), ('u', 'vqe', 'ibm_kyiv', 'unfinished', "
            "NULL, NULL, NULL)"
        )
    store = EventStore(old)  # migrates to 4; a new job of the same hour adds to its row
    at = datetime(2026, 11, 16, 10, 45, tzinfo=UTC).timestamp()
    store.add_job(JobEvent(job_id="n", experiment="vqe", backend="ibm_kyiv", outcome="success",
                           finished_at=at, cost_usd=1.0))  # fmt: skip
    store.close()
    with sqlite3.connect(old) as conn:
        rows = conn.execute(
            "SELECT * FROM job_spend WHERE scope = 't' OR name = 'vqe' ORDER BY scope, span"
        ).fetchall()
    assert rows == [  # in total: the job of _store_of_version too; the unfinished one: not yet
        ("e", "d", "2026-11-16", "vqe", 3.0, 2.0, 3),
        ("e", "h", "2026-11-16T10", "vqe", 3.0, 2.0, 3),
        ("t", "d", "2026-11-16", "", 3.0, 2.0, 4),
        ("t", "h", "2026-11-16T10", "", 3.0, 2.0, 4),
    ]
