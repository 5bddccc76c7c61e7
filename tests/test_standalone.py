"""The test suite in a clone without ``../shared``: skips naming it outside CI, fails in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _run(clone: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-m", "shared",
         "tests/slo", "tests/rules"],
        cwd=clone, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_tests_needing_shared_skip_outside_ci_and_fail_in_ci(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    ignore = shutil.ignore_patterns("__pycache__", ".*_cache")
    shutil.copytree(ROOT / "tests", clone / "tests", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", clone)
    assert not (tmp_path / "shared").exists()

    local = _run(clone, ci=False)
    assert local.returncode == 0, local.stdout + local.stderr
    assert " passed" not in local.stdout and " failed" not in local.stdout
    assert "skipped" in local.stdout and "needs ../shared" in local.stdout

    ci = _run(clone, ci=True)
    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert "needs ../shared" in ci.stdout and "CI must provide it" in ci.stdout
