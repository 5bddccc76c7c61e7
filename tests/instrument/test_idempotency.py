"""Duplicate submissions: explicit keys (block, job tag, store) and automatic keys by scope."""

from __future__ import annotations

from typing import Any

import pytest

import qobserve
from qobserve.events import JobEvent
from qobserve.instrument import QiskitInstrumentor, idempotency_key
from qobserve.store import EventStore
from qobserve.testing import Capture

AER = {"backend": "aer_simulator", "provider": "aer", "experiment": "__none__"}


def duplicates(cap: Capture) -> list[tuple[str, int]]:
    return [(e["idempotency_key"], e["duplicate"]) for e in cap.job_events()]


def sample(backend: Any, circuit: Any, **kwargs: Any) -> Any:
    from qiskit_ibm_runtime import SamplerV2

    sampler = SamplerV2(mode=backend)
    tags = kwargs.pop("tags", None)
    if tags:
        sampler.options.environment.job_tags = tags
    return sampler.run([circuit], shots=kwargs.pop("shots", 10)).result()


def test_key_of_a_block(cap: Capture, aer: Any, bell: Any) -> None:
    with idempotency_key("sweep-7"):
        sample(aer, bell)
        sample(aer, bell, shots=20)  # a retry of the same logical job, whatever changed
    sample(aer, bell)  # outside the block: its own automatic key
    assert duplicates(cap)[:2] == [("sweep-7", 0), ("sweep-7", 1)]
    assert cap.sample("quantum_job_duplicates_total", **AER) == 1


def test_key_of_a_job_tag(cap: Capture, aer: Any, bell: Any) -> None:
    sample(aer, bell, tags=["team:vqe", "idempotency:run-42"])
    sample(aer, bell, tags=["idempotency:run-42"])
    assert duplicates(cap) == [("run-42", 0), ("run-42", 1)]


def test_key_stored_by_an_earlier_process(cap: Capture, aer: Any, bell: Any) -> None:
    """Another writer of the same store (as an earlier process would be) saw the key."""
    store = cap.telemetry.store
    assert store is not None
    earlier = EventStore(store.path)
    earlier.add_job(JobEvent(job_id="old", idempotency_key="nightly-2026-11-20"))
    earlier.close()
    with idempotency_key("nightly-2026-11-20"):
        sample(aer, bell)
    assert duplicates(cap) == [("nightly-2026-11-20", 0), ("nightly-2026-11-20", 1)]
    assert cap.sample("quantum_job_duplicates_total", **AER) == 1


def test_automatic_keys_are_scoped_to_the_run(cap: Capture, aer: Any, bell: Any) -> None:
    @qobserve.experiment("bench")
    def bench(resubmit: bool) -> None:
        sample(aer, bell)
        if resubmit:
            sample(aer, bell)

    bench(resubmit=True)  # same circuits twice in one run: the second is a duplicate
    bench(resubmit=False)  # the next run repeats them on purpose: not a duplicate
    flags = [flag for _, flag in duplicates(cap)]
    keys = {key for key, _ in duplicates(cap)}
    assert flags == [0, 1, 0] and len(keys) == 1 and keys.pop().startswith("auto:")
    assert (
        cap.sample(
            "quantum_job_duplicates_total",
            backend="aer_simulator",
            provider="aer",
            experiment="bench",
        )
        == 1
    )


def test_parameter_values_make_different_keys(cap: Capture, aer: Any) -> None:
    from qiskit import QuantumCircuit
    from qiskit.circuit import Parameter
    from qiskit_ibm_runtime import SamplerV2

    theta = Parameter("theta")
    qc = QuantumCircuit(1)
    qc.rx(theta, 0)
    qc.measure_all()
    sampler = SamplerV2(mode=aer)
    for value in (0.1, 0.2, 0.1):
        sampler.run([(qc, [value])], shots=10).result()
    keys = [key for key, _ in duplicates(cap)]
    assert keys[0] != keys[1] and keys[0] == keys[2]
    assert [flag for _, flag in duplicates(cap)] == [0, 0, 1]


@pytest.mark.parametrize(("scope", "expected"), [("global", [0, 1]), ("off", [0, 0])])
def test_automatic_key_scopes(aer: Any, bell: Any, scope: str, expected: list[int]) -> None:
    from qobserve.testing import capture

    instrumentor = QiskitInstrumentor()
    instrumentor.instrument(auto_idempotency=scope)
    try:
        with capture() as cap:
            for name in ("first", "second"):  # two runs
                qobserve.experiment(name)(lambda: sample(aer, bell))()
            assert [flag for _, flag in duplicates(cap)] == expected
            if scope == "off":
                assert [key for key, _ in duplicates(cap)] == ["", ""]
    finally:
        instrumentor.uninstrument()


def test_rejected_submission_does_not_claim_its_key(cap: Capture, fake_manila: Any) -> None:
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime import SamplerV2
    from qiskit_ibm_runtime.exceptions import IBMInputValueError

    too_wide = QuantumCircuit(7)
    too_wide.measure_all()
    with idempotency_key("retry-me"):
        with pytest.raises(IBMInputValueError):
            SamplerV2(mode=fake_manila).run([too_wide])
        with pytest.raises(IBMInputValueError):
            SamplerV2(mode=fake_manila).run([too_wide])
    assert duplicates(cap) == [("", 0), ("", 0)]


def test_key_must_be_a_string() -> None:
    with pytest.raises(TypeError), idempotency_key(""):
        pass


def test_an_environment_token_in_a_key_is_masked_everywhere(
    cap: Capture, aer: Any, bell: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "envTOKEN0123456789abcdef"
    monkeypatch.setenv("NIGHTLY_API_TOKEN", token)
    with idempotency_key(f"nightly-{token}"):
        sample(aer, bell)
        sample(aer, bell)
    sample(aer, bell, tags=[f"idempotency:tagged-{token}"])
    assert duplicates(cap) == [
        ("nightly-[REDACTED]", 0),
        ("nightly-[REDACTED]", 1),
        ("tagged-[REDACTED]", 0),
    ]
    keys = [s.attributes.get("qobserve.idempotency_key") for s in cap.spans()]
    assert "nightly-[REDACTED]" in keys and not any(token in str(k) for k in keys)
