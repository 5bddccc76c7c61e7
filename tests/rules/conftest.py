"""Fixtures of the rule tests: the catalog and Sloth's rendered golden outputs."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

from qobserve.slo import load
from qobserve.slo.model import SLO
from tests.conftest import CATALOG
from tests.slo.conftest import (
    ANCHORS,
    write,  # noqa: F401 - the spec-file fixture, shared
)

SLOTH = ANCHORS / "sloth"


def sloth_golden(path: Path, version: str = "v0.16.0") -> str:
    """A Sloth ``.tpl`` golden rendered the way Sloth's integration test renders it."""
    text = path.read_text().replace("{{ .version }}", version)
    return re.sub(r'\{\{"(\{\{.*?\}\})"\}\}', r"\1", text)


@pytest.fixture(scope="session")
def catalog() -> list[SLO]:
    """The default SLO catalog of the repository."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the catalog itself must load without warnings
        return load([CATALOG])


@pytest.fixture(scope="session")
def by_name(catalog: list[SLO]) -> dict[str, SLO]:
    """The catalog's SLOs by name."""
    return {s.name: s for s in catalog}
