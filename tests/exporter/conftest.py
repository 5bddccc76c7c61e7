"""Fixtures of the exporter tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .providers import Stuck


@pytest.fixture
def stuck() -> Iterator[Stuck]:
    """A provider whose calls hang until the test ends."""
    provider = Stuck()
    yield provider
    provider.release()
