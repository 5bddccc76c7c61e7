"""Reading what instrumentation needs out of job results, whatever their type.

Handles qiskit's ``Result`` (``backend.run``), ``PrimitiveResult`` of Sampler and Estimator
(V2 and executor-based), their pub results, ``BitArray`` and plain count mappings, without
importing qiskit.

Example::

    executed_shots(job.result())          # 4096
    counts_of(sampler_job.result())       # {'00': 2031, '11': 2065}
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from qobserve.errors import classify


class JobResultError(Exception):
    """A job that finished but whose result reports failure (``Result.success`` is False).

    Raised by nobody: instrumentation builds it to describe the failure on the job span; its
    error type is always ``job_failed``.
    """


def error_type_of(exc: BaseException) -> str:
    """The contract's error type of a job's failure: ``job_failed`` for a
    :class:`JobResultError`, else :func:`qobserve.errors.classify`."""
    return "job_failed" if isinstance(exc, JobResultError) else classify(exc)


def failure_of(result: Any) -> JobResultError | None:
    """The failure a finished job's result reports, or None when it reports success."""
    if type(result).__name__ == "Result" and getattr(result, "success", True) is False:
        return JobResultError(str(getattr(result, "status", None) or "result reports failure"))
    return None


def executed_shots(result: Any, parameter_sets: list[int | None] | None = None) -> int | None:
    """Shots executed, summed over the result's experiments or pubs; None when not stated.

    A pub's metadata states the shots of one parameter set: they are multiplied by the pub's
    ``parameter_sets`` (from the submitted pubs), else by the size of its data's shape.
    """
    if result is None:
        return None
    experiments = getattr(result, "results", None)
    if type(result).__name__ == "Result" and isinstance(experiments, list):
        counted = [s for e in experiments if isinstance(s := getattr(e, "shots", None), int)]
        return sum(counted) if counted else None
    try:
        pubs = list(result)
    except TypeError:
        return None
    total = 0
    for index, pub in enumerate(pubs):
        shots = _pub_shots(pub)
        if shots is None:
            return None
        sets = parameter_sets[index] if parameter_sets and index < len(parameter_sets) else None
        total += shots * (sets if sets is not None else _data_size(pub))
    return total or None


def _data_size(pub: Any) -> int:
    shape = getattr(getattr(pub, "data", None), "shape", ())
    return max(math.prod(shape), 1) if isinstance(shape, tuple) else 1


def _pub_shots(pub: Any) -> int | None:
    metadata = getattr(pub, "metadata", None)
    if isinstance(metadata, Mapping):
        shots = metadata.get("shots")
        if isinstance(shots, int):
            return shots
        executor = metadata.get("executor")
        if isinstance(executor, Mapping) and isinstance(executor.get("shots"), int):
            return int(executor["shots"])
    data = getattr(pub, "data", None)
    for value in getattr(data, "values", lambda: ())() if data is not None else ():
        num = getattr(value, "num_shots", None)
        if isinstance(num, int):
            return num
    return None


def counts_of(result: Any) -> dict[str, float]:
    """Measurement counts (or a probability distribution) from a result-like object.

    Accepts a mapping of outcomes to counts or probabilities, a qiskit ``Result`` (its first
    experiment), a ``PrimitiveResult`` of a Sampler (its first pub), a ``SamplerPubResult``, a
    ``BitArray`` or anything with ``get_counts()``. Integer outcomes become bitstrings.
    """
    if isinstance(result, Mapping):
        return _bitstrings(result)
    if type(result).__name__ == "PrimitiveResult" or (
        not hasattr(result, "get_counts") and _is_sequence_of_pubs(result)
    ):
        result = next(iter(result))
    join = getattr(result, "join_data", None)
    if callable(join):
        result = join()
    get_counts = getattr(result, "get_counts", None)
    if callable(get_counts):
        counts = get_counts(0) if type(result).__name__ == "Result" else get_counts()
        return _bitstrings(counts)
    probabilities = getattr(result, "probabilities_dict", None)
    if callable(probabilities):  # a Statevector: the ideal distribution
        return _bitstrings(probabilities())
    raise TypeError(f"cannot read counts from {type(result).__name__}")


def _is_sequence_of_pubs(result: Any) -> bool:
    try:
        first = next(iter(result))
    except (TypeError, StopIteration):
        return False
    return hasattr(first, "join_data")


def _bitstrings(counts: Mapping[Any, Any]) -> dict[str, float]:
    keys = list(counts)
    width = max((len(k) for k in keys if isinstance(k, str) and not k.startswith("0x")), default=0)
    if not width:
        width = max((int(k).bit_length() for k in keys if isinstance(k, int)), default=1)
    out: dict[str, float] = {}
    for key, value in counts.items():
        if isinstance(key, int):
            key = format(key, f"0{width}b")
        elif isinstance(key, str) and key.startswith("0x"):
            key = format(int(key, 16), f"0{width}b")
        else:
            key = str(key).replace(" ", "")
        out[key] = out.get(key, 0.0) + float(value)
    return out
