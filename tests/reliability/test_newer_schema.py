"""Item 7: refusing a store of a newer schema leaves the file exactly as it was."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from qobserve.store import EventStore
from qobserve.store.schema import SCHEMA_VERSION, SchemaTooNew
from qobserve.testing import capture


def _newer_store(path: Path) -> str:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE job_events (job_id TEXT, future_column TEXT)")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _untouched(path: Path, digest: str) -> None:
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
    assert not Path(f"{path}-wal").exists() and not Path(f"{path}-shm").exists()
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL
    conn.close()


def test_event_store_refuses_a_newer_schema_read_only(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    digest = _newer_store(path)
    with pytest.raises(SchemaTooNew, match="newer"):
        EventStore(path)
    _untouched(path, digest)


def test_configure_counts_the_refusal_and_leaves_the_store_alone(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    digest = _newer_store(path)
    with capture(store_path=path) as cap:
        assert cap.telemetry.store is None
        assert cap.sample("qobserve_internal_errors_total", component="store") == 1
    _untouched(path, digest)
