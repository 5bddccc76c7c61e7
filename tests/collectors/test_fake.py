"""The fake provider: every qiskit-ibm-runtime fake backend, offline."""

from __future__ import annotations

import time

from qiskit_ibm_runtime.fake_provider import FakeProviderForBackendV2

from qobserve.collectors import EMULATOR, BackendRef
from qobserve.collectors.fake import FakeProvider


def test_lists_every_fake_backend(fake_refs: list[BackendRef]) -> None:
    expected = {b.name for b in FakeProviderForBackendV2().backends()}
    assert {r.name for r in fake_refs} == expected
    assert len(fake_refs) == len(expected) >= 60
    assert {r.backend_type for r in fake_refs} == {EMULATOR}
    assert {r.provider for r in fake_refs} == {"fake"}
    assert all(r.num_qubits and r.num_qubits > 0 for r in fake_refs)


def test_calibration_is_read_once_and_shared(
    fake: FakeProvider, fake_refs: list[BackendRef]
) -> None:
    ref = fake_refs[0]
    first = fake.calibration(ref)
    start = time.perf_counter()
    again = FakeProvider().calibration(ref)  # another instance: same process-wide copy
    assert again is first
    assert time.perf_counter() - start < 0.01


def test_usage_is_empty(fake: FakeProvider) -> None:
    assert fake.usage() == []


def test_qiskit_is_imported_when_the_provider_is_created_not_in_a_poll_thread() -> None:
    # qiskit's compiled core can crash a process when it was first imported by a thread that
    # has ended, so providers import it in the thread that creates them.
    import subprocess
    import sys

    code = (
        "import sys, threading\n"
        "from qobserve.collectors import create_provider\n"
        "for name in ('fake', 'aer'):\n"
        "    create_provider(name)\n"
        "assert threading.current_thread() is threading.main_thread()\n"
        "missing = {'qiskit_ibm_runtime.fake_provider', 'qiskit_aer'} - set(sys.modules)\n"
        "assert not missing, missing\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
