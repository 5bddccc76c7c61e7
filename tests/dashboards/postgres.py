"""A throwaway PostgreSQL on 127.0.0.1 for the dashboards' SQL panels, and ``psql`` to query it.

Uses the server binaries of Debian's ``postgresql`` package (``/usr/lib/postgresql/*/bin``, or
``postgres`` on PATH). PostgreSQL refuses to run as root: as root the server runs as the
``postgres`` user. Skips outside CI when PostgreSQL is missing, fails in CI.

    with running_postgres() as pg:
        pg.rows("SELECT 1 AS one")      # [{"one": "1"}]
"""

from __future__ import annotations

import contextlib
import csv
import glob
import io
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from qobserve.servers import free_port


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def require_postgres() -> dict[str, str]:
    """Paths of initdb, postgres and psql; skip outside CI when missing, fail in CI."""
    paths = {n: _binary(n) for n in ("initdb", "postgres", "psql")}
    missing = sorted(n for n, p in paths.items() if p is None)
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install postgresql)"
        if os.environ.get("CI"):
            pytest.fail(message + "; .ci/run installs it")
        pytest.skip(message)
    return {n: str(p) for n, p in paths.items()}


@dataclass
class Postgres:
    """A running server: ``psql`` runs SQL on its ``qobserve`` database."""

    psql_binary: str
    port: int

    def psql(self, sql: str, *, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.psql_binary, "-X", "-q", "-v", "ON_ERROR_STOP=1", "--csv", "-h", "127.0.0.1",
             "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-c", sql],
            input=stdin, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    def rows(self, sql: str) -> list[dict[str, str]]:
        """The rows ``sql`` returns; raises with PostgreSQL's message when it fails."""
        done = self.psql(sql)
        if done.returncode:
            raise RuntimeError(done.stderr.strip())
        return list(csv.DictReader(io.StringIO(done.stdout)))


@contextlib.contextmanager
def running_postgres() -> Iterator[Postgres]:
    """Initialise a cluster in a temporary folder and run it until the context ends."""
    bins = require_postgres()
    with tempfile.TemporaryDirectory(prefix="qo-postgres-") as tmp:
        yield from _serve(bins, Path(tmp))


def _serve(bins: dict[str, str], workdir: Path) -> Iterator[Postgres]:
    data = workdir / "pgdata"
    data.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:  # the server refuses root; pytest's tmp folders are root's only
        workdir.chmod(0o755)
        shutil.chown(workdir, "postgres")
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    initdb = [bins["initdb"], "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"]
    subprocess.run([*as_user, *initdb], check=True, capture_output=True, timeout=120)
    port = free_port()
    log = open(workdir / "postgres.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [*as_user, bins["postgres"], "-D", str(data), "-h", "127.0.0.1", "-p", str(port),
         "-k", str(workdir), "-c", "fsync=off"],
        stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    pg = Postgres(bins["psql"], port)
    try:
        deadline = time.monotonic() + 30
        while pg.psql("SELECT 1").returncode:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((workdir / "postgres.log").read_text()[-3000:])
            time.sleep(0.2)
        yield pg
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        log.close()
