"""The Aer provider: local simulators."""

from __future__ import annotations

from qobserve.collectors import SIMULATOR, create_provider


def test_aer_simulators_are_up_with_no_calibration() -> None:
    aer = create_provider("aer")
    refs = aer.backends()
    names = {r.name for r in refs}
    assert "aer_simulator" in names
    assert {r.backend_type for r in refs} == {SIMULATOR}
    ref = next(r for r in refs if r.name == "aer_simulator")
    assert ref.num_qubits and ref.num_qubits > 0
    status = aer.status(ref)
    assert status.operational and status.pending_jobs == 0
    assert aer.calibration(ref) is None
    assert aer.usage() == []
