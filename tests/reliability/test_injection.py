"""Item 8: hostile names are escaped in the Markdown report and refused as SLO names."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qobserve.events import JobEvent
from qobserve.resources import builtin_catalog
from qobserve.store import EventStore

from .conftest import run_cli

HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"]


def test_markdown_report_escapes_html_from_experiment_names(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "events.db", flush_interval=0.05)
    t = datetime(2026, 11, 10, 12, tzinfo=UTC).timestamp()
    for i, name in enumerate(HOSTILE * 3):
        store.add_job(
            JobEvent(
                job_id=f"j{i}",
                experiment=name,
                backend="aer_simulator",
                backend_type="simulator",
                outcome="success",
                submitted_at=t + i,
                finished_at=t + i + 1,
                duration_seconds=1.0,
                shots=100,
            )
        )
    assert store.flush(10)
    store.close()
    out = tmp_path / "reports"
    slo = str(builtin_catalog())
    store_path = str(tmp_path / "events.db")
    done = run_cli(
        ["report", "--week", "2026-W46", "--source", "store", "--store", store_path,
         "--format", "md,html", "--out", str(out), "--slo-dir", slo],
        tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    md = (out / "slo-report-2026-W46.md").read_text()
    assert "alert(1)" in md  # the names are in the report...
    assert not re.search(r"<\s*(script|img)", md, re.I)  # ...as text, never as raw HTML
    assert "&lt;script&gt;" in md


@pytest.mark.parametrize("name", ["slo-inj\n", "ok\nname"])
def test_slo_name_with_a_newline_is_refused(tmp_path: Path, name: str) -> None:
    spec = tmp_path / "inj.yaml"
    spec.write_text(
        f"version: qobserve/v1\nservice: svc\nslos:\n  - name: {name!r}\n".replace("'", '"')
        + "    objective: 99\n    sli:\n      kind: job_success\n"
    )
    for args in (["validate", str(spec)], ["rules", str(spec)]):
        done = run_cli(args, tmp_path)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert "name" in done.stderr and "Traceback" not in done.stderr
    assert not list(tmp_path.glob("*.rules.yml"))
