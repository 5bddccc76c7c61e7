"""Every command prints warnings the same way: ``qobserve COMMAND: warning: ...``, one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from qobserve.cli import main

SEVERITY = """\
version: qobserve/v1
slos:
  - {name: loose, objective: 90, sli: {kind: job_success},
     alerting: {page_alert: {labels: {severity: critical}}}}
"""


@pytest.mark.parametrize(
    "argv",
    [["generate", "--check", "--slo-dir"], ["dashboards", "--check", "--slo-dir"]],
)
def test_spec_warnings_look_the_same_from_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    specs = tmp_path / "slo"
    specs.mkdir()
    (specs / "loose.yaml").write_text(SEVERITY)
    main([*argv, str(specs), *(["--out", str(tmp_path)] if argv[0] != "dashboards" else [])])
    err = capsys.readouterr().err.splitlines()
    warning_lines = [line for line in err if "warning:" in line.lower() or "Warning" in line]
    assert warning_lines, "the spec's warning was not printed"
    for line in warning_lines:
        assert line.startswith(f"qobserve {argv[0]}: warning: "), line
        assert "Warning:" not in line and ".py:" not in line  # no Python location
