"""Shared fixtures for the qobserve test suite."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest
from hypothesis import settings

from qobserve.resources import builtin_catalog
from qobserve.servers import Database, find_binary, start_postgresql
from tests.braket_api import FakeBraketAPI, point_botocore_at

# No per-example deadline: a deadline is a wall-clock assertion, and on a loaded 2-core CI
# machine under coverage it fails tests whose behaviour is right. Timings are in benchmarks/.
settings.register_profile("qobserve", deadline=None)
settings.load_profile("qobserve")

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
        package = {"postgresql": "postgresql", "chromium": "chromium"}.get(
            kind, "prometheus prometheus-alertmanager prometheus-pushgateway"
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
def postgresql_server() -> Iterator[Database]:
    """One throwaway PostgreSQL server for the session (Debian's postgresql package)."""
    require_binary("postgresql")
    with start_postgresql() as server:
        yield server


@pytest.fixture
def postgresql_url(postgresql_server: Database) -> str:
    """The URL of a fresh, empty database on the session's PostgreSQL server."""
    import uuid

    import psycopg

    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgresql_server.url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return postgresql_server.url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top folder."""
    return ROOT


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA, a server certificate for 127.0.0.1 and a client certificate for
    ``prometheus.test``, made with the openssl command line tool."""
    openssl = shutil.which("openssl")
    if openssl is None:
        unavailable("openssl is not installed")
    folder = tmp_path_factory.mktemp("certs")

    def run(*args: str) -> None:
        subprocess.run([openssl, *args], cwd=folder, check=True, capture_output=True, timeout=60)

    key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run(
        "req",
        "-x509",
        *key,
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=qobserve test CA",
    )
    for name, san in (("server", "IP:127.0.0.1,DNS:localhost"), ("client", "DNS:prometheus.test")):
        (folder / f"{name}.ext").write_text(f"subjectAltName={san}\n")
        run("req", *key, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}")
        run(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.crt",
            "-days",
            "2",
            "-extfile",
            f"{name}.ext",
        )
    return folder
