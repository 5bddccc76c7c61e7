"""Reading qiskit backends into the provider interface."""

from __future__ import annotations

import pytest

from qobserve.collectors.fake import FakeProvider
from qobserve.collectors.qiskit_backend import (
    backend_ref,
    calibration_from_target,
    processor_type_label,
    status_from_backend,
)


@pytest.mark.parametrize(
    ("processor", "label"),
    [
        ({"family": "Eagle", "revision": 3}, "Eagle r3"),
        ({"family": "Falcon", "revision": "5.11", "segment": "H"}, "Falcon r5.11H"),
        ({"family": "Heron", "revision": "2"}, "Heron r2"),
        ({"family": "Heron"}, "Heron"),
        (None, "unknown"),
        ({}, "unknown"),
    ],
)
def test_processor_type_label(processor: dict[str, object] | None, label: str) -> None:
    assert processor_type_label(processor) == label


def test_backend_ref_describes_the_backend(fake: FakeProvider) -> None:
    backend = fake.backend("fake_kyiv")
    ref = backend_ref(backend, provider="fake", backend_type="emulator")
    assert ref.name == "fake_kyiv"
    assert ref.num_qubits == backend.target.num_qubits == 127
    assert ref.processor_type == processor_type_label(backend.configuration().processor_type)
    assert ref.version == backend.backend_version


def test_readout_errors_are_indexed_by_qubit(fake: FakeProvider) -> None:
    target = fake.backend("fake_lima").target
    cal = calibration_from_target(target)
    assert cal.readout_error == [target["measure"][(q,)].error for q in range(5)]
    assert cal.t2 == [p.t2 for p in target.qubit_properties]
    assert set(cal.gate_errors) == {"id", "rz", "sx", "x", "cx"}
    assert len(cal.gate_errors["cx"]) == len(target["cx"])


def test_status_of_a_fake_backend(fake: FakeProvider) -> None:
    status = status_from_backend(fake.backend("fake_lima"))
    assert status.operational is True
    assert status.pending_jobs == 0
    assert status.message == "active"
