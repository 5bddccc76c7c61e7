"""Helpers for a user's own tests: capture spans, metric samples and events in memory.

Example::

    from qobserve.testing import capture

    def test_bell_is_observed():
        with capture() as cap:
            bell()
        assert cap.sample("quantum_experiments_total", experiment="bell",
                          outcome="success") == 1
        assert [s.name for s in cap.spans()] == ["experiment bell"]
        assert cap.experiment_runs()[0]["outcome"] == "success"

Everything stays readable after the block: the stored rows are kept in memory when its
temporary store is deleted.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Unpack

from prometheus_client import CollectorRegistry

from qobserve.config import Config, Settings
from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.events import EXPERIMENT_RUN_COLUMNS
from qobserve.telemetry import Telemetry, _install


class Capture:
    """What instrumentation recorded while a :func:`capture` block was active."""

    def __init__(self, telemetry: Telemetry) -> None:
        self.telemetry = telemetry
        self.registry = telemetry.registry
        self._kept: dict[str, list[dict[str, Any]]] | None = None

    def spans(self) -> list[Any]:
        """Finished spans (``ReadableSpan``), oldest first; empty without the OTel SDK."""
        memory = self.telemetry.tracing.memory
        return list(memory.get_finished_spans()) if memory is not None else []

    def sample(self, name: str, **labels: str) -> float | None:
        """The value of one sample (``quantum_jobs_total``, ``..._bucket`` with ``le``...)."""
        return self.registry.get_sample_value(name, labels)

    def job_events(self) -> list[dict[str, Any]]:
        """Stored job events as dicts (flushes first)."""
        return self._rows("job_events", JOB_EVENT_COLUMNS)

    def experiment_runs(self) -> list[dict[str, Any]]:
        """Stored experiment runs as dicts (flushes first)."""
        return self._rows("experiment_runs", EXPERIMENT_RUN_COLUMNS)

    def _repr_html_(self) -> str:
        from qobserve.notebook.display import capture_html

        return capture_html(self)

    def _rows(self, table: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
        if self._kept is not None:
            return [dict(row) for row in self._kept.get(table, [])]
        store = self.telemetry.store
        if store is None:
            return []
        self.telemetry.flush()  # remote jobs are recorded by the finisher: it goes first
        rows = store.query(f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid")
        return [dict(zip(columns, row, strict=True)) for row in rows]

    def _keep(self) -> None:
        """Read the stored rows into memory: the store is about to be deleted."""
        self._kept = {
            "job_events": self.job_events(),
            "experiment_runs": self.experiment_runs(),
        }


@contextlib.contextmanager
def capture(**settings: Unpack[Settings]) -> Iterator[Capture]:
    """Route all qobserve telemetry to a fresh registry, in-memory spans and a temporary
    store for the duration of the block; the previous configuration is restored after.
    Instrumentation state (idempotency keys seen, jobs in flight, price models...) is the
    block's own too: nothing submitted before the block is a duplicate inside it.

    ``settings`` are those of :func:`qobserve.configure` (``store_path=None`` disables the
    store; ``tracing="none"`` disables spans). In a notebook the capture shows as summary
    tables.
    """
    tmp = Path(tempfile.mkdtemp(prefix="qobserve-test-"))
    defaults: dict[str, Any] = {
        "tracing": _default_tracing(),
        "store_path": tmp / "events.db",
        "flush_interval": 0.05,
    }
    telemetry = Telemetry(
        Config.resolve({**defaults, **settings}, environ={}), registry=CollectorRegistry()
    )
    previous = _install(telemetry)
    captured = Capture(telemetry)
    try:
        yield captured
    finally:
        _install(previous)
        telemetry.shutdown()
        try:
            captured._keep()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def _default_tracing() -> str:
    try:
        import opentelemetry.sdk.trace  # noqa: F401
    except ImportError:
        return "none"
    return "memory"
