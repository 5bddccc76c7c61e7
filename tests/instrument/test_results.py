"""Shots, failures and counts read from every kind of result."""

from __future__ import annotations

from typing import Any

import pytest

from qobserve.instrument.results import counts_of, executed_shots, failure_of


def test_shots_of_backend_run_and_primitive_results(aer: Any, bell: Any) -> None:
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.executor_sampler import Sampler

    assert executed_shots(aer.run([bell, bell], shots=7).result()) == 14
    assert executed_shots(SamplerV2(mode=aer).run([bell, bell], shots=5).result()) == 10
    assert executed_shots(Sampler(mode=aer).run([bell], shots=6).result()) == 6
    assert executed_shots(None) is None and executed_shots(42) is None


def test_failure_of(aer: Any, bell: Any) -> None:
    assert failure_of(aer.run(bell, shots=1).result()) is None
    assert failure_of({"00": 1}) is None


def test_counts_of(aer: Any, bell: Any) -> None:
    from qiskit_ibm_runtime import SamplerV2

    pub_result = SamplerV2(mode=aer).run([bell], shots=50).result()
    counts = pub_result[0].data.meas.get_counts()
    assert counts_of(pub_result) == counts_of(pub_result[0]) == counts
    assert counts_of(pub_result[0].data.meas) == counts
    assert counts_of({3: 2, 0: 1}) == {"11": 2.0, "00": 1.0}
    assert counts_of({"0 1": 4}) == {"01": 4.0}
    with pytest.raises(TypeError):
        counts_of(object())
