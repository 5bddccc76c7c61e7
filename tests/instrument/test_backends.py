"""backend_type: qpu, emulator or simulator, for the real backend classes."""

from __future__ import annotations

from typing import Any

from qobserve.instrument.backends import backend_name, backend_type
from qobserve.instrument.state import InstrumentationState


def test_types_of_real_backends(fake_manila: Any, aer: Any, ibm_backend: Any) -> None:
    from qiskit.providers.basic_provider import BasicSimulator
    from qiskit.providers.fake_provider import GenericBackendV2
    from qiskit_aer import AerSimulator
    from qiskit_aer.noise import NoiseModel

    assert backend_type(fake_manila) == "emulator"
    assert backend_type(GenericBackendV2(3)) == "emulator"
    assert backend_type(aer) == "simulator"
    assert backend_type(AerSimulator(noise_model=NoiseModel())) == "simulator"  # empty = ideal
    assert backend_type(AerSimulator.from_backend(fake_manila)) == "emulator"
    assert backend_type(BasicSimulator()) == "simulator"
    assert backend_type(ibm_backend) == "qpu"
    ibm_backend._configuration.simulator = True
    try:
        assert backend_type(ibm_backend) == "simulator"  # an IBM cloud simulator
    finally:
        ibm_backend._configuration.simulator = False


def test_names() -> None:
    assert backend_name(None) == "unknown"
    assert backend_name("ibm_kyiv") == "ibm_kyiv"

    class V1:
        def name(self) -> str:
            return "old_style"

    assert backend_name(V1()) == "old_style"


def test_names_seen_keep_their_type() -> None:
    state = InstrumentationState()
    assert backend_type("ibm_never_seen", state.backend_type_of) == "qpu"
    state.remember_backend("my_local_sim", "simulator")
    assert backend_type("my_local_sim", state.backend_type_of) == "simulator"
    state.reset()
    assert backend_type("my_local_sim", state.backend_type_of) == "qpu"
