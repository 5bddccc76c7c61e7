"""compare(): Hellinger fidelity of a result against its reference, recorded as a check."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qobserve
from qobserve.instrument import compare, hellinger_fidelity
from qobserve.testing import Capture, capture

outcomes = st.sampled_from(["00", "01", "10", "11"])
distributions = st.dictionaries(outcomes, st.integers(1, 10_000), min_size=1)


@settings(max_examples=200, deadline=None)
@given(distributions, distributions)
def test_same_as_qiskit(p: dict[str, int], q: dict[str, int]) -> None:
    from qiskit.quantum_info import hellinger_fidelity as qiskit_fidelity

    assert hellinger_fidelity(p, q) == pytest.approx(qiskit_fidelity(p, q), abs=1e-12)
    assert hellinger_fidelity(p, p) == pytest.approx(1.0)


def test_hardware_against_ideal(
    cap: Capture, fake_manila: Any, aer: Any, isa_bell: Any
) -> None:  # fmt: skip
    from qiskit.quantum_info import hellinger_fidelity as qiskit_fidelity
    from qiskit_ibm_runtime import SamplerV2

    @qobserve.experiment("bell-check")
    def check() -> float:
        noisy = SamplerV2(mode=fake_manila).run([isa_bell], shots=2000).result()
        ideal = SamplerV2(mode=aer).run([isa_bell], shots=2000).result()
        fidelity = compare(noisy, ideal)  # backend: the job that produced ``noisy``
        expected = qiskit_fidelity(noisy[0].data.meas.get_counts(), ideal[0].data.meas.get_counts())
        assert fidelity == pytest.approx(expected)
        return fidelity

    fidelity = check()
    assert 0.8 < fidelity < 1.0  # a noisy emulator is close to, not equal to, the ideal
    fidelities = {e["backend"]: e["fidelity"] for e in cap.job_events()}
    assert fidelities == {"fake_manila": pytest.approx(fidelity), "aer_simulator": None}
    labels = {"backend": "fake_manila", "experiment": "bell-check"}
    assert cap.sample("quantum_result_fidelity_ratio_count", **labels) == 1
    assert cap.sample("quantum_result_fidelity_ratio_sum", **labels) == pytest.approx(fidelity)
    verdict = "pass" if fidelity >= 0.9 else "diverged"
    assert cap.sample("quantum_result_checks_total", **labels, backend_type="emulator",
                      verdict=verdict) == 1  # fmt: skip
    span = next(s for s in cap.spans() if s.name == "experiment bell-check")
    [event] = [e for e in span.events if e.name == "result check"]
    assert event.attributes["quantum.result.verdict"] == verdict


def test_threshold_and_labels(cap: Capture) -> None:
    counts, reference = {"00": 60, "11": 40}, {"00": 0.5, "11": 0.5}
    fidelity = compare(counts, reference, backend="ibm_torino", experiment="x", threshold=0.999)
    assert fidelity == pytest.approx((0.6**0.5 * 0.5**0.5 + 0.4**0.5 * 0.5**0.5) ** 2)
    labels = {"backend": "ibm_torino", "backend_type": "qpu", "experiment": "x"}
    assert cap.sample("quantum_result_checks_total", **labels, verdict="diverged") == 1
    compare(counts, reference, backend="ibm_torino", experiment="x")  # default 0.9
    assert cap.sample("quantum_result_checks_total", **labels, verdict="pass") == 1


def test_configured_threshold() -> None:
    with capture(divergence_threshold=0.5) as cap:
        compare({"0": 1, "1": 1}, {"0": 1}, backend="ibm_marrakesh")  # fidelity 0.5
        labels = {"backend": "ibm_marrakesh", "experiment": "__none__"}
        assert cap.sample("quantum_result_checks_total", **labels, backend_type="qpu",
                          verdict="pass") == 1  # fmt: skip


def test_backend_name_seen_by_instrumentation(cap: Capture, aer: Any, bell: Any) -> None:
    aer.run(bell, shots=10).result()  # instrumentation learns aer_simulator is a simulator
    compare({"00": 1}, {"00": 1}, backend="aer_simulator")
    labels = {"backend": "aer_simulator", "experiment": "__none__", "backend_type": "simulator"}
    assert cap.sample("quantum_result_checks_total", **labels, verdict="pass") == 1


def test_counts_of_many_result_types(aer: Any, bell: Any) -> None:
    from qiskit.quantum_info import Statevector

    job_result = aer.run(bell, shots=100).result()
    ideal = Statevector.from_label("00")
    with capture():
        assert compare(job_result, job_result.get_counts()) == pytest.approx(1.0)
        assert compare({0: 5, 3: 5}, {"00": 1, "11": 1}) == pytest.approx(1.0)
        assert compare({"0x0": 1}, ideal) == pytest.approx(1.0)


def test_bad_inputs_raise() -> None:
    with capture():
        with pytest.raises(ValueError, match="no counts"):
            compare({}, {"0": 1})
        with pytest.raises(ValueError, match="negative"):
            compare({"0": -1}, {"0": 1})
        with pytest.raises(ValueError, match="threshold"):
            compare({"0": 1}, {"0": 1}, threshold=0)
        with pytest.raises(TypeError, match="cannot read counts"):
            compare(42, {"0": 1})


def test_exposed_on_the_package() -> None:
    assert qobserve.compare is compare  # type: ignore[attr-defined]
