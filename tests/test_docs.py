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


def test_every_otel_metric_name_is_documented() -> None:
    from qobserve.contract import INSTRUMENTATION_METRICS

    rows = (ROOT / "docs" / "opentelemetry.md").read_text()
    kinds = {"counter": "Counter", "gauge": "UpDownCounter", "histogram": "Histogram"}
    missing = [
        spec.name
        for spec in INSTRUMENTATION_METRICS
        if f"| `{spec.otel[0]}` | `{spec.otel[1]}` | {kinds[spec.type]} | `{spec.name}` |"
        not in rows
    ]
    assert not missing
