"""Shared fixtures for the qobserve test suite."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from qobserve.resources import builtin_catalog
from qobserve.servers import find_binary
from tests.braket_api import FakeBraketAPI, point_botocore_at

ROOT = Path(__file__).resolve().parent.parent
#: the design's reference files beside the checkout (``../shared``), read by tests marked
#: ``shared``; a clone without it still runs every other test
SHARED = ROOT.parent / "shared"
DATA = Path(__file__).resolve().parent / "data"
#: the default SLO catalog, as the installed package finds it
CATALOG = builtin_catalog()


def unavailable(reason: str) -> NoReturn:
    """Something a test needs is missing: skip with ``reason`` outside CI, fail in CI
    (``CI=true``), where .ci/run provides everything."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must provide it", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``shared`` need ``../shared`` beside the checkout."""
    if item.get_closest_marker("shared") and not SHARED.is_dir():
        unavailable(f"needs ../shared, the reference files beside the checkout ({SHARED})")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """In CI, a run in which no test passed fails (exit 5), even when nothing failed: every
    test skipped or deselected means the suite did not check anything."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    passed = reporter.stats.get("passed") if reporter is not None else None
    if os.environ.get("CI") and exitstatus == pytest.ExitCode.OK and not passed:
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED


def require_binary(kind: str) -> str:
    """Path of a server binary; skips the test outside CI when it is not installed, fails in CI."""
    path = find_binary(kind)
    if path is None:
        package = (
            "chromium"
            if kind == "chromium"
            else ("prometheus prometheus-alertmanager prometheus-pushgateway")
        )
        unavailable(f"{kind} is not installed (apt-get install {package}; .ci/run installs it)")
    return path


def require_module(name: str, extra: str) -> None:
    """Import ``name``; skips the test outside CI when it is not installed, fails in CI."""
    import importlib

    try:
        importlib.import_module(name)
    except ImportError:
        unavailable(f"{name} is not installed (pip install 'qobserve[{extra}]')")


@pytest.fixture
def braket_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeBraketAPI]:
    """A loopback stand-in of the Braket and S3 APIs, with every AWS client pointed at it."""
    require_module("braket.aws", "braket")
    api = FakeBraketAPI()
    point_botocore_at(api, tmp_path, monkeypatch)
    yield api
    api.close()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return ROOT
