"""Shared fixtures for the qobserve test suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from qobserve.servers import find_binary

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"


def require_binary(kind: str) -> str:
    """Path of a server binary; skips the test outside CI when it is not installed, fails in CI."""
    import os

    path = find_binary(kind)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail(f"{kind} is not installed; .ci/run installs it")
        pytest.skip(
            f"{kind} is not installed (apt-get install prometheus "
            "prometheus-alertmanager prometheus-pushgateway)"
        )
    return path


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return ROOT
