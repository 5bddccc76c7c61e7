"""Fixtures of the collector tests: the real fake provider, loaded once per session."""

from __future__ import annotations

import pytest

from qobserve.collectors import BackendRef, create_provider
from qobserve.collectors.fake import FakeProvider


@pytest.fixture(scope="session")
def fake() -> FakeProvider:
    """The fake provider (all qiskit-ibm-runtime fake backends)."""
    provider = create_provider("fake")
    assert isinstance(provider, FakeProvider)
    return provider


@pytest.fixture(scope="session")
def fake_refs(fake: FakeProvider) -> list[BackendRef]:
    """Every fake backend as discovered."""
    return list(fake.backends())
