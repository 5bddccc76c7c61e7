"""instrument_all(): every installed SDK instrumented, each one still working without the
others (a process where an SDK cannot be imported)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from qobserve.instrument import instrument_all, uninstrument_all
from qobserve.instrument.sdks import SDKS

ROOT = Path(__file__).resolve().parents[2]


def test_instrument_all_instruments_what_is_installed() -> None:
    try:
        done = instrument_all()
        assert done == sorted(SDKS)  # the test environment installs every extra
        assert all(cls().is_instrumented for _, cls in SDKS.values())
    finally:
        uninstrument_all()
    assert not any(cls().is_instrumented for _, cls in SDKS.values())


def test_each_instrumentor_works_with_the_other_sdks_absent() -> None:
    """Block every SDK but Cirq from import: instrument_all() picks Cirq alone and records its
    job; the others' instrumentors still instrument (patching nothing) without raising."""
    script = textwrap.dedent(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in {"qiskit", "qiskit_aer", "qiskit_ibm_runtime",
                                          "braket", "pennylane"}:
                    raise ImportError(name)
        sys.meta_path.insert(0, Block())
        import cirq
        from qobserve.instrument import (BraketInstrumentor, PennyLaneInstrumentor,
                                         instrument_all)
        from qobserve.testing import capture
        assert instrument_all() == ["cirq"], instrument_all()
        BraketInstrumentor().instrument()
        PennyLaneInstrumentor().instrument()
        assert BraketInstrumentor().patched == () and PennyLaneInstrumentor().patched == ()
        with capture() as cap:
            q = cirq.LineQubit(0)
            cirq.Simulator().run(cirq.Circuit(cirq.H(q), cirq.measure(q)), repetitions=3)
            print(cap.sample("quantum_shots_total", backend="cirq_simulator", provider="cirq",
                             backend_type="simulator", experiment="__none__"))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "3.0"
