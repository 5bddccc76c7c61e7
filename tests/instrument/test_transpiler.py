"""Transpiler spans and durations: one per user call, with level and depth before/after."""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import StatusCode

import qobserve
from qobserve.testing import Capture


def transpile_spans(cap: Capture) -> list[Any]:
    return [s for s in cap.spans() if s.name.startswith("transpile ")]


def test_pass_manager_run(cap: Capture, fake_manila: Any, bell: Any) -> None:
    from qiskit.transpiler import generate_preset_pass_manager

    pm = generate_preset_pass_manager(optimization_level=1, backend=fake_manila)

    @qobserve.experiment("prep")
    def prepare() -> Any:
        return pm.run(bell)

    isa = prepare()
    [span] = transpile_spans(cap)
    assert span.name == "transpile fake_manila"
    assert dict(span.attributes) == {
        "quantum.backend.name": "fake_manila",
        "quantum.circuit.count": 1,
        "quantum.transpile.optimization_level": 1,
        "quantum.transpile.input.depth": bell.depth(),
        "quantum.transpile.input.size": bell.size(),
        "quantum.transpile.output.depth": isa.depth(),
        "quantum.transpile.output.size": isa.size(),
    }
    parent = next(s for s in cap.spans() if s.name == "experiment prep")
    assert span.parent.span_id == parent.context.span_id
    assert cap.sample("quantum_transpile_duration_seconds_count", backend="fake_manila") == 1
    seconds = cap.sample("quantum_transpile_duration_seconds_sum", backend="fake_manila")
    assert 0 < seconds <= (span.end_time - span.start_time) / 1e9


def test_transpile_is_one_span(cap: Capture, fake_manila: Any, bell: Any) -> None:
    """transpile() builds a preset pass manager and runs it: still one span, one sample."""
    import qiskit

    isa = qiskit.transpile([bell, bell], backend=fake_manila, optimization_level=0)
    [span] = transpile_spans(cap)
    assert span.attributes["quantum.transpile.optimization_level"] == 0
    assert span.attributes["quantum.circuit.count"] == 2
    assert span.attributes["quantum.transpile.output.depth"] == max(c.depth() for c in isa)
    assert span.attributes["quantum.transpile.output.size"] == sum(c.size() for c in isa)
    assert cap.sample("quantum_transpile_duration_seconds_count", backend="fake_manila") == 1


def test_transpile_default_level(cap: Capture, fake_manila: Any, bell: Any) -> None:
    import qiskit

    qiskit.transpile(bell, backend=fake_manila)
    [span] = transpile_spans(cap)
    assert span.attributes["quantum.transpile.optimization_level"] == 2  # qiskit's default


def test_failing_transpile(cap: Capture, fake_manila: Any) -> None:
    from qiskit import QuantumCircuit
    from qiskit.transpiler import generate_preset_pass_manager
    from qiskit.transpiler.exceptions import TranspilerError

    too_wide = QuantumCircuit(7)
    too_wide.cx(0, 6)
    pm = generate_preset_pass_manager(optimization_level=1, backend=fake_manila)
    with pytest.raises(TranspilerError):
        pm.run(too_wide)
    [span] = transpile_spans(cap)
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes["error.type"] == "invalid_input"
    assert cap.sample("quantum_transpile_duration_seconds_count", backend="fake_manila") == 1


def test_pass_manager_without_known_backend(cap: Capture, fake_manila: Any, bell: Any) -> None:
    """A pass manager built from a bare target: the backend label says unknown."""
    from qiskit.transpiler import generate_preset_pass_manager

    generate_preset_pass_manager(optimization_level=1, target=fake_manila.target).run(bell)
    [span] = transpile_spans(cap)
    assert span.name == "transpile unknown"
    assert cap.sample("quantum_transpile_duration_seconds_count", backend="unknown") == 1
