"""Span attributes against the registry (``qobserve.attributes``, ``docs/attributes.md``): a
real instrumented run emits only registered names, no name is also a namespace, and no value
is a sentinel."""

from __future__ import annotations

from typing import Any

import pytest

import qobserve
from qobserve.attributes import ATTRIBUTES, markdown
from qobserve.instrument import QiskitInstrumentor, compare
from qobserve.testing import capture
from tests.conftest import ROOT

NAMES = {a.name for a in ATTRIBUTES}


def test_the_docs_table_is_the_registry() -> None:
    assert (ROOT / "docs" / "attributes.md").read_text() == markdown()


def test_no_attribute_name_is_also_a_namespace() -> None:
    assert not [(a, b) for a in NAMES for b in NAMES if b.startswith(a + ".")]


def test_a_real_run_emits_only_registered_attributes(fake_manila: Any) -> None:
    from qiskit import QuantumCircuit, transpile
    from qiskit_ibm_runtime import SamplerV2

    circuit = QuantumCircuit(2)
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.measure_all()
    instrumentor = QiskitInstrumentor()

    @qobserve.experiment("bell")
    def bell() -> Any:
        isa = transpile(circuit, fake_manila, optimization_level=1)
        result = SamplerV2(mode=fake_manila).run([isa], shots=64).result()
        compare(result, {"00": 0.5, "11": 0.5})
        with pytest.raises(ValueError):  # not an ISA circuit: its submit span fails
            SamplerV2(mode=fake_manila).run([circuit], shots=64)
        return result

    with capture(store_path=None) as cap:
        instrumentor.instrument()
        try:
            bell()
            assert instrumentor.flush(10)
        finally:
            instrumentor.uninstrument()
        spans = cap.spans()
    emitted: dict[str, set[Any]] = {}
    for span in spans:
        for attrs in [span.attributes, *(e.attributes for e in span.events)]:
            for key, value in (attrs or {}).items():
                emitted.setdefault(key, set()).add(value)
    assert set(emitted) - NAMES == set()
    assert not [k for k, values in emitted.items() if "__none__" in values]
    job = next(s for s in spans if s.name == "job fake_manila")
    assert job.attributes["quantum.circuit.count"] == 1
    transpiled = next(s for s in spans if s.name == "transpile fake_manila")
    assert transpiled.attributes["quantum.circuit.count"] == 1
    assert transpiled.attributes["quantum.transpile.output.depth"] >= 1
    assert {"error.type", "quantum.primitive"} <= set(emitted)
