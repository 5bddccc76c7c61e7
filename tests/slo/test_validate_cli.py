"""``qobserve validate``: a line per mistake naming file, SLO and field; exit 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from qobserve.cli import main
from tests.conftest import CATALOG
from tests.slo.conftest import ANCHORS, Write


def test_catalog_is_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(CATALOG)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[-1] == "ok: 9 SLOs in 4 files"
    assert "job-success-qpu" in out and "qobserve/v1" in out


def test_every_error_is_one_line(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write("""
        version: qobserve/v1
        slos:
          - {name: a, objective: 101, sli: {kind: job_success}}
          - {name: b, objective: 99, sli: {kind: latency, threshold: 45}}
        """)
    assert main(["validate", "-q", str(bad)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"qobserve validate: error: {bad}: a: slos[0].objective: must be a percentage strictly "
        "between 0 and 100, got 101",
        f"qobserve validate: error: {bad}: b: slos[1].sli.threshold: 45 s is not a bucket "
        "boundary of quantum_job_duration_seconds, so Prometheus cannot count jobs under it; "
        "nearest boundaries: 30 or 60 s",
    ]


def test_warnings_do_not_fail(write: Write, capsys: pytest.CaptureFixture[str]) -> None:
    path = write("""
        version: qobserve/v1
        slos:
          - {name: loose, objective: 90, sli: {kind: job_success},
             alerting: {page_alert: {labels: {severity: critical}}}}
        """)
    assert main(["validate", "-q", str(path)]) == 0
    _, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("qobserve validate: warning: ")
    assert "'severity' label itself" in lines[0]
    page = write(
        """
        version: qobserve/v1
        slos:
          - {name: loose, objective: 80, sli: {kind: job_success}}
        """,
        "loose.yaml",
    )
    assert main(["validate", "-q", str(page)]) == 0
    assert "the page alert can never fire and is left out" in capsys.readouterr().err


@pytest.mark.shared
def test_sloth_period_option(capsys: pytest.CaptureFixture[str]) -> None:
    base = str(ANCHORS / "sloth" / "01-base-30d" / "in-base.yaml")
    assert main(["validate", "--sloth-period", "28d", base]) == 0
    assert "over 28d" in capsys.readouterr().out
    assert main(["validate", "--sloth-period", "2d", base]) == 2
    assert "longest alert window" in capsys.readouterr().err
    assert main(["validate", "--sloth-period", "a month", base]) == 2
    assert "--sloth-period: 'a month' is not a duration" in capsys.readouterr().err


def test_no_traceback_from_the_console_script(write: Write) -> None:
    path = write("version: qobserve/v1\nslos:\n  - name: [unclosed\n")
    result = subprocess.run(
        [sys.executable, "-m", "qobserve", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(f"qobserve validate: error: {path}: not valid YAML: line 4")
