"""SDK instrumentation: Qiskit (primitives, ``backend.run``, jobs and the transpiler), Amazon
Braket tasks, PennyLane device executions and Cirq sampler calls, traced and measured with
the contract's metrics, spans and job events. :func:`instrument_all` instruments every SDK
that is installed.

Example::

    import qobserve
    from qobserve.instrument import QiskitInstrumentor, idempotency_key

    QiskitInstrumentor().instrument()

    @qobserve.experiment("bell")
    def bell():
        with idempotency_key("bell-2026-11-21"):
            return SamplerV2(mode=FakeManilaV2()).run([isa_bell]).result()

Importing this package imports no SDK; instrumenting imports what it wraps.
"""

from __future__ import annotations

from qobserve.instrument.backends import backend_type
from qobserve.instrument.braket_adapter import BraketInstrumentor
from qobserve.instrument.cirq_adapter import CirqInstrumentor
from qobserve.instrument.compare import compare, hellinger_fidelity
from qobserve.instrument.idempotency import idempotency_key
from qobserve.instrument.instrumentor import QiskitInstrumentor
from qobserve.instrument.pennylane_adapter import PennyLaneInstrumentor
from qobserve.instrument.pricing import PriceModel, load_price_model
from qobserve.instrument.sdks import instrument_all, uninstrument_all

__all__ = [
    "BraketInstrumentor",
    "CirqInstrumentor",
    "PennyLaneInstrumentor",
    "PriceModel",
    "QiskitInstrumentor",
    "backend_type",
    "compare",
    "hellinger_fidelity",
    "idempotency_key",
    "instrument_all",
    "load_price_model",
    "uninstrument_all",
]
