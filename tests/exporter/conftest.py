"""Fixtures of the exporter tests."""

from __future__ import annotations

from collections.abc import Iterator

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
