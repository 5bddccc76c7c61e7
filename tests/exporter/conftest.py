"""Fixtures of the exporter tests."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import unavailable

from .providers import Stuck


@pytest.fixture
def stuck() -> Iterator[Stuck]:
    """A provider whose calls hang until the test ends."""
    provider = Stuck()
    yield provider
    provider.release()


def require_bcrypt() -> None:
    """Skip outside CI when bcrypt (the exporter extra) is missing; fail in CI."""
    import importlib.util

    if importlib.util.find_spec("bcrypt") is None:
        unavailable("bcrypt is not installed (pip install 'qobserve[exporter]')")


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
