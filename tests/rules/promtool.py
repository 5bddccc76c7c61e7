"""Run real ``promtool test rules`` on rule and test files built in a test."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from qobserve.rules.render import dump
from qobserve.servers import promtool
from tests.conftest import require_binary

#: seconds spent in promtool per test id, printed by the timing test
TIMINGS: dict[str, float] = {}


def run_tests(
    folder: Path,
    rule_files: dict[str, str],
    tests: list[dict[str, Any]],
    *,
    interval: str = "1m",
    name: str = "scenario",
) -> float:
    """Write ``rule_files`` and a test file with ``tests`` into ``folder``, run
    ``promtool test rules`` and fail with its output unless it passes; returns the seconds
    promtool took."""
    require_binary("promtool")
    folder.mkdir(parents=True, exist_ok=True)
    for file_name, text in rule_files.items():
        (folder / file_name).write_text(text)
    test_file = folder / f"{name}.test.yml"
    test_file.write_text(
        dump({"rule_files": sorted(rule_files), "evaluation_interval": interval, "tests": tests})
    )
    start = time.perf_counter()
    result = promtool("test", "rules", str(test_file))
    elapsed = time.perf_counter() - start
    TIMINGS[name] = elapsed
    assert result.returncode == 0, result.stdout + result.stderr
    return elapsed


def close_to(expr: str, value: float, tolerance: float = 1e-9) -> str:
    """PromQL that is 1 when ``expr`` is within ``tolerance`` of ``value`` (promtool compares
    floats exactly; this compares them like a human)."""
    return f"abs(({expr}) - {value!r}) < bool {tolerance!r}"


def series(name: str, labels: dict[str, str], values: str) -> dict[str, str]:
    """A promtool input series."""
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return {"series": f"{name}{{{inner}}}" if inner else name, "values": values}


def alerts(slo: str, severity: str, at: str, fires: bool) -> dict[str, Any]:
    """Whether ``slo``'s ``severity`` alert is firing at ``at``."""
    expr = (
        f'count(ALERTS{{slo="{slo}",severity="{severity}",alertstate="firing",'
        f'alertname="SLOErrorBudgetBurn"}}) or vector(0)'
    )
    return {"expr": expr, "eval_time": at, "exp_samples": [{"labels": "{}", "value": int(fires)}]}


def ever(slo: str, severity: str, until: str, step: str, fired: bool) -> dict[str, Any]:
    """Whether any alert of ``slo`` with ``severity`` fired at any evaluation up to ``until``."""
    expr = (
        f'max_over_time((count(ALERTS{{slo="{slo}",severity="{severity}",'
        f'alertstate="firing"}}) or vector(0))[{until}:{step}])'
    )
    return {
        "expr": expr,
        "eval_time": until,
        "exp_samples": [{"labels": "{}", "value": int(fired)}],
    }
