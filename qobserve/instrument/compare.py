"""Result checks: how close a result is to its reference, as Hellinger fidelity.

``compare(result, reference)`` returns ``(sum_x sqrt(p(x) q(x)))**2`` for the two normalised
distributions (1 for identical distributions, 0 for disjoint ones; the same quantity as
``qiskit.quantum_info.hellinger_fidelity``), records it in
``quantum_result_fidelity_ratio{backend,experiment}``, and counts the check in
``quantum_result_checks_total{...,verdict}``: ``pass`` when the fidelity is at least the
threshold (``configure(divergence_threshold=...)``, default 0.9), else ``diverged``. When
``result`` came from an instrumented job, the fidelity also goes into that job's event.

Example::

    hardware = SamplerV2(mode=FakeManilaV2()).run([isa]).result()
    ideal = SamplerV2(mode=AerSimulator()).run([isa]).result()
    qobserve.compare(hardware, ideal, backend="fake_manila")   # 0.93
"""

from __future__ import annotations

import math
from typing import Any

from opentelemetry import trace

from qobserve import contract
from qobserve.context import current_experiment
from qobserve.instrument import backends
from qobserve.instrument.results import counts_of
from qobserve.telemetry import get_telemetry


def hellinger_fidelity(p: dict[str, float], q: dict[str, float]) -> float:
    """Hellinger fidelity of two count or probability mappings (normalised here)."""
    p_total, q_total = _total(p, "result"), _total(q, "reference")
    overlap = sum(math.sqrt(v / p_total * q[k] / q_total) for k, v in p.items() if q.get(k, 0) > 0)
    return min(overlap * overlap, 1.0)


def _same_width(
    p: dict[str, float], q: dict[str, float]
) -> tuple[dict[str, float], dict[str, float]]:
    """Both distributions with bitstrings zero-padded to one width ("1" and "01" agree)."""
    width = max((len(k) for k in (*p, *q)), default=0)

    def pad(counts: dict[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for key, value in counts.items():
            out[key.zfill(width)] = out.get(key.zfill(width), 0.0) + value
        return out

    return pad(p), pad(q)


def _total(counts: dict[str, float], what: str) -> float:
    if any(v < 0 or not math.isfinite(v) for v in counts.values()):
        raise ValueError(f"{what} has negative or non-finite counts")
    total = sum(counts.values())
    if total <= 0:
        raise ValueError(f"{what} has no counts")
    return total


def compare(
    result: Any,
    reference: Any,
    *,
    backend: Any = None,
    experiment: str | None = None,
    threshold: float | None = None,
) -> float:
    """Hellinger fidelity of ``result`` against ``reference``, recorded as a result check.

    ``result`` and ``reference`` may be count mappings, probability mappings, qiskit
    ``Result``, Sampler ``PrimitiveResult`` (first pub), pub results, ``BitArray`` or a
    ``Statevector`` (its ideal distribution). ``backend`` (object or name) labels the check;
    by default the backend of the instrumented job that returned ``result``, else
    ``Result.backend_name``, else ``unknown``; a name instrumentation never saw is typed
    ``qpu``. ``experiment`` defaults to the enclosing ``@qobserve.experiment``;
    ``threshold`` to ``configure(divergence_threshold=...)``.
    Raises ValueError or TypeError for inputs that are not distributions; telemetry failures
    are counted, never raised.
    """
    if threshold is not None and not 0 < threshold <= 1:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    fidelity = hellinger_fidelity(*_same_width(counts_of(result), counts_of(reference)))
    tel = get_telemetry()
    try:
        state = tel.instrumentation
        origin = state.origin_of(result)
        if origin is not None:
            origin.set_fidelity(fidelity)
        if origin is not None and backend is None:
            name, kind = origin.backend, origin.backend_type
        else:
            if backend is None:
                backend = getattr(result, "backend_name", None)
            name = backends.backend_name(backend)
            kind = backends.backend_type(backend, state.backend_type_of)
        label = experiment if experiment is not None else current_experiment()
        limit = threshold if threshold is not None else tel.config.divergence_threshold
        verdict = "pass" if fidelity >= limit else "diverged"
        tel.metrics.observe(contract.RESULT_FIDELITY, (name, label), fidelity)
        tel.metrics.inc(contract.RESULT_CHECKS_TOTAL, (name, kind, label, verdict))
        span = trace.get_current_span()
        if span.is_recording():
            attrs: dict[str, Any] = {
                "quantum.backend.name": name,
                "quantum.result.fidelity": fidelity,
                "quantum.result.verdict": verdict,
            }
            span.add_event("result check", attrs)
    except Exception as exc:
        tel.internal_error("compare", exc)
    return fidelity
