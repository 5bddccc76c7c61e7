"""The status collector."""

from __future__ import annotations

from typing import cast

from qobserve import contract
from qobserve.collectors import (
    BackendRef,
    BackendStatus,
    CollectOptions,
    Provider,
    StatusCollector,
)
from qobserve.collectors.fake import FakeProvider


class Queue:
    name = "queue"

    def __init__(self, status: BackendStatus) -> None:
        self._status = status

    def status(self, backend: BackendRef) -> BackendStatus:  # noqa: ARG002 - the Provider interface
        return self._status


def _values(provider: object, name: str = "b") -> dict[str, float]:
    samples = StatusCollector().collect(
        cast(Provider, provider), BackendRef(name), CollectOptions()
    )
    assert all(s.labels == (name,) for s in samples)
    return {s.metric.name: s.value for s in samples}


def test_down_backend_with_a_queue() -> None:
    values = _values(Queue(BackendStatus(operational=False, pending_jobs=17, message="maint")))
    assert values == {contract.BACKEND_UP.name: 0.0, contract.BACKEND_PENDING_JOBS.name: 17.0}


def test_unknown_queue_length_is_left_out() -> None:
    assert _values(Queue(BackendStatus(operational=True))) == {contract.BACKEND_UP.name: 1.0}


def test_fake_backend_status(fake: FakeProvider) -> None:
    ref = fake.backends()[0]
    values = _values(fake, ref.name)
    assert values == {contract.BACKEND_UP.name: 1.0, contract.BACKEND_PENDING_JOBS.name: 0.0}
