"""Fixtures of the SLO spec tests: spec files written on the fly and their errors."""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from qobserve.exceptions import InputErrors
from qobserve.slo import load
from qobserve.slo.model import SLO
from tests.conftest import SHARED

#: upstream projects' own examples (tests reading them are marked ``shared``)
ANCHORS = SHARED / "anchors"

Write = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Write a (dedented) spec file under tmp_path and return its path."""

    def _write(text: str, name: str = "spec.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return _write


def errors(*paths: Path | str) -> list[str]:
    """The lines of the InputErrors that loading ``paths`` raises (fails if none)."""
    with pytest.raises(InputErrors) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        load(list(paths))
    return [str(e) for e in info.value.errors]


def load_quiet(*paths: Path | str) -> tuple[list[SLO], list[str]]:
    """The SLOs of ``paths`` and the warnings loading them gave."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        slos = load(list(paths))
    return slos, [str(w.message) for w in caught]
