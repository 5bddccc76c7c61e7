"""The user reference documents every metric and every command."""

from __future__ import annotations

from pathlib import Path

from qobserve.cli import COMMANDS
from qobserve.contract import ALL_METRICS

ROOT = Path(__file__).resolve().parent.parent


def test_every_metric_is_documented() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text()
    missing = [m.name for m in ALL_METRICS if f"`{m.name}`" not in text]
    assert not missing


def test_every_command_is_documented() -> None:
    text = (ROOT / "docs" / "cli.md").read_text()
    missing = [c for c in COMMANDS if f"qobserve {c}" not in text]
    assert not missing
