"""The info collector."""

from __future__ import annotations

from qobserve import contract
from qobserve.collectors import BackendRef, CollectOptions, InfoCollector
from qobserve.collectors.fake import FakeProvider


def test_info_and_qubits_come_from_discovery(
    fake: FakeProvider, fake_refs: list[BackendRef]
) -> None:
    ref = next(r for r in fake_refs if r.name == "fake_kyiv")
    samples = InfoCollector().collect(fake, ref, CollectOptions())
    info = [s for s in samples if s.metric is contract.BACKEND_INFO]
    assert [(s.labels, s.value) for s in info] == [
        (("fake_kyiv", "fake", ref.processor_type, ref.version), 1.0)
    ]
    assert ref.processor_type == "Eagle r3"
    qubits = [s for s in samples if s.metric is contract.BACKEND_QUBITS]
    assert [(s.labels, s.value) for s in qubits] == [(("fake_kyiv",), 127.0)]


def test_unknown_qubit_count_is_left_out() -> None:
    class P:
        name = "p"

    samples = InfoCollector().collect(P(), BackendRef("b"), CollectOptions())  # type: ignore[arg-type]
    assert [s.metric for s in samples] == [contract.BACKEND_INFO]
    assert samples[0].labels == ("b", "p", "unknown", "")
