"""A plain Qiskit script: one Bell circuit on a fake backend through SamplerV2, no qobserve
import (run it under ``opentelemetry-instrument``)."""

from qiskit import QuantumCircuit, transpile
from qiskit_ibm_runtime import SamplerV2
from qiskit_ibm_runtime.fake_provider import FakeManilaV2

backend = FakeManilaV2()
bell = QuantumCircuit(2)
bell.h(0)
bell.cx(0, 1)
bell.measure_all()
counts = SamplerV2(mode=backend).run([transpile(bell, backend)], shots=256).result()[0]
print("counts", sum(counts.data.meas.get_counts().values()))
