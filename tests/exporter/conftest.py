"""Fixtures of the exporter tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from qobserve.servers import free_port
from tests.conftest import unavailable

from .http_client import get
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


@dataclass
class ExporterProcess:
    """A ``qobserve exporter`` process started by :func:`exporter_process`."""

    proc: subprocess.Popen[bytes]
    url: str
    log: Path


@contextlib.contextmanager
def exporter_process(
    tmp_path: Path, args: Sequence[str], env: dict[str, str] | None = None
) -> Iterator[ExporterProcess]:
    """``qobserve exporter ARGS`` on a free 127.0.0.1 port, ready (first poll done) when
    yielded; killed at the end if the test has not stopped it."""
    port = free_port()
    log = tmp_path / "exporter.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "qobserve", "exporter", "--listen", f"127.0.0.1:{port}", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if get(url + "/readyz", timeout=2).status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert proc.poll() is None, log.read_text()
        yield ExporterProcess(proc, url, log)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
