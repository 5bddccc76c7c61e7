"""Fixtures of the reliability suite: the CLI run as a real subprocess."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest


def run_cli(
    args: Sequence[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """``qobserve ARGS`` in a fresh interpreter (no store of the caller's), output captured."""
    full_env = {**os.environ, "QOBSERVE_STORE": "none", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "qobserve", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def cli(argv: Sequence[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """``qobserve ARGV`` in this process: (exit code, stderr); argparse's exits included."""
    from qobserve.cli import main

    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    return code, capsys.readouterr().err


@contextlib.contextmanager
def tmpfs(where: Path, size: str = "2m", *, read_only: bool = False) -> Iterator[Path]:
    """A real tmpfs of ``size`` mounted at ``where``: a disk that fills up, or a read-only
    file system. Needs root: skipped with the reason otherwise, never in CI (runs as root)."""
    if os.geteuid() != 0:
        if os.environ.get("CI"):
            pytest.fail("the reliability suite mounts tmpfs; CI runs it as root")
        pytest.skip("mounting a tmpfs (full or read-only disk) needs root")
    where.mkdir(parents=True, exist_ok=True)
    opts = f"size={size},mode=0777" + (",ro" if read_only else "")
    subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "tmpfs", str(where)], check=True)
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)
