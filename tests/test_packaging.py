"""The distributions: the wheel, installed into a fresh venv, works in an empty folder.

The sdist is built from a copy of the checkout and the wheel from the sdist (what ``python -m
build`` does), so a file missing from either shows up here. The fresh venv gets only the
wheel; its dependencies are borrowed from the test venv through a ``.pth`` line, so no
network and no reinstall of Qiskit are needed, while the checkout itself is out of reach.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import ROOT, unavailable

#: what never belongs in a build: caches, venvs, outputs
_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "*.egg-info", "build", "dist", "__pycache__", ".*_cache", ".hypothesis",
    ".qobserve", ".benchmarks", "demo-output", "reports",
)  # fmt: skip


def _run(*cmd: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
        check=False,
    )  # fmt: skip
    assert done.returncode == 0, f"{cmd}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist and the wheel built from it, as ``python -m build`` makes them."""
    if importlib.util.find_spec("build") is None:
        unavailable("the 'build' package is not installed (pip install -e '.[test]')")
    tmp = tmp_path_factory.mktemp("dist")
    shutil.copytree(ROOT, tmp / "src", ignore=_IGNORE)
    _run(sys.executable, "-m", "build", "--no-isolation", "--outdir", tmp / "out", ".",
         cwd=tmp / "src")  # fmt: skip
    (sdist,) = (tmp / "out").glob("qobserve-*.tar.gz")
    (wheel,) = (tmp / "out").glob("qobserve-*.whl")
    return sdist, wheel


def wheel_metadata(wheel: Path) -> str:
    """The wheel's METADATA file."""
    import zipfile

    with zipfile.ZipFile(wheel) as z:
        (name,) = (n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        return z.read(name).decode()


def test_the_wheel_works_in_an_empty_folder(dists: tuple[Path, Path], tmp_path: Path) -> None:
    _, wheel = dists
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
         "--no-index", wheel, cwd=tmp_path)  # fmt: skip
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp_path).strip())  # fmt: skip
    (site / "borrowed-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    empty = tmp_path / "empty"
    empty.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "QOBSERVE_"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    where = _run(python, "-c", "import qobserve; print(qobserve.__file__, qobserve.__version__)",
                 cwd=empty, env=env).split()  # fmt: skip
    assert where[0].startswith(str(site)), where
    assert f"Version: {where[1]}\n" in wheel_metadata(wheel)  # the version is written once

    def qobserve(*args: str, cwd: Path = empty) -> str:
        return _run(venv / "bin" / "qobserve", *args, cwd=cwd, env=env)

    assert "qobserve demo finished" in qobserve("demo")
    assert (empty / "demo-output" / "alert_rules" / "slo-job-success-qpu.rules.yml").is_file()

    assert "files written" in qobserve("init", "project")
    project = empty / "project"
    assert "# Default SLO catalog" in (project / "slo" / "jobs.yaml").read_text()
    assert (project / "prices.yaml").is_file() and (project / "README.md").is_file()
    assert "ok: 9 SLOs in 4 files" in qobserve("validate", cwd=project)
    assert ", 0 changed" in qobserve("generate", cwd=project)
    qobserve("report", "--store", str(empty / "demo-output" / "events.db"), cwd=project)
    assert list((project / "reports").glob("slo-report-*.html"))


def test_the_sdist_holds_what_make_test_needs(dists: tuple[Path, Path]) -> None:
    import tarfile

    sdist, _ = dists
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    for needed in ("Makefile", "README.md", "CHANGELOG.md", "LICENSE", ".ci/run",
                   "qobserve/data/slo/jobs.yaml", "qobserve/data/init/prices.yaml",
                   "tests/conftest.py", "tests/data", "docs/slo.md", "benchmarks/harness.py",
                   "examples/vqe_h2.py", "alert_rules/operational.rules.yml"):  # fmt: skip
        assert needed in names, f"{needed} is missing from {sdist.name}"
