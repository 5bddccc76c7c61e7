"""The test suite in a clone without ``../shared``: skips naming it outside CI, fails in CI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT


def _run(clone: Path, ci: bool, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", *args],
        cwd=clone, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """The tests and their configuration, in a folder with no ``../shared`` beside it."""
    clone = tmp_path / "clone"
    ignore = shutil.ignore_patterns("__pycache__", ".*_cache")
    shutil.copytree(ROOT / "tests", clone / "tests", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", clone)
    assert not (tmp_path / "shared").exists()
    return clone


def test_tests_needing_shared_skip_outside_ci_and_fail_in_ci(clone: Path) -> None:
    local = _run(clone, False, "-m", "shared", "tests/slo", "tests/rules")
    assert local.returncode == 0, local.stdout + local.stderr
    assert " passed" not in local.stdout and " failed" not in local.stdout
    assert "skipped" in local.stdout and "needs ../shared" in local.stdout

    ci = _run(clone, True, "-m", "shared", "tests/slo", "tests/rules")
    assert ci.returncode == 1, ci.stdout + ci.stderr
    assert "needs ../shared" in ci.stdout and "CI must provide it" in ci.stdout


def test_a_ci_run_in_which_no_test_passed_fails(clone: Path) -> None:
    (clone / "tests" / "test_nothing.py").write_text(
        "import pytest\n\n\ndef test_skipped() -> None:\n    pytest.skip('not here')\n"
    )
    assert _run(clone, False, "tests/test_nothing.py").returncode == 0
    assert _run(clone, True, "tests/test_nothing.py").returncode == 5
