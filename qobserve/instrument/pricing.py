"""The price model: what a job costs, per backend, in the shapes providers bill.

A YAML or JSON file (``configure(price_model=PATH)`` or ``QOBSERVE_PRICE_MODEL``)::

    version: qobserve.prices/v1        # optional
    default: {per_qpu_second: 0, per_shot: 0}
    backends:
      ibm_brisbane: {per_qpu_second: 1.60}
      "ibm_*": {per_qpu_second: 1.60}  # shell-style pattern, tried after exact names
      ionq_forte_1: {per_task: 0.30, per_shot: 0.08}        # Braket QPUs: task + shots
      sv1: {per_minute: 0.075, minimum_billed_seconds: 3}   # Braket simulators: run time

Prices are US dollars. A job costs ``per_task * tasks + per_shot * shots + per_qpu_second *
qpu_seconds + per_minute * max(execution_seconds, minimum_billed_seconds) / 60`` with the
first matching entry (exact name, then patterns in file order, then ``default``); the
minimum applies per task. Without a file, or for a backend no entry matches, the cost is 0.

Example:

    >>> model = PriceModel(exact={"ionq_forte_1": Price(per_task=0.30, per_shot=0.08)})
    >>> round(model.cost("ionq_forte_1", qpu_seconds=None, shots=100), 2)
    8.3
    >>> sv1 = PriceModel(exact={"sv1": Price(per_minute=0.075, minimum_billed_seconds=3)})
    >>> round(sv1.cost("sv1", qpu_seconds=None, shots=1000, execution_seconds=1.2), 6)
    0.00375
"""

from __future__ import annotations

import fnmatch
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qobserve.exceptions import InputError

_PRICE_KEYS = ("per_qpu_second", "per_shot", "per_task", "per_minute", "minimum_billed_seconds")
_TOP_KEYS = {"version", "default", "backends", "currency"}
VERSION = "qobserve.prices/v1"


@dataclass(frozen=True)
class Price:
    """Prices of one backend entry, in US dollars; ``minimum_billed_seconds`` is the least
    execution time ``per_minute`` bills for one task."""

    per_qpu_second: float = 0.0
    per_shot: float = 0.0
    per_task: float = 0.0
    per_minute: float = 0.0
    minimum_billed_seconds: float = 0.0


@dataclass(frozen=True)
class PriceModel:
    """Prices per backend; :meth:`cost` of a job."""

    default: Price = Price()
    exact: dict[str, Price] = field(default_factory=dict)
    patterns: tuple[tuple[str, Price], ...] = ()

    def price(self, backend: str) -> Price:
        """The entry that applies to ``backend``."""
        found = self.exact.get(backend)
        if found is not None:
            return found
        for pattern, price in self.patterns:
            if fnmatch.fnmatchcase(backend, pattern):
                return price
        return self.default

    def cost(
        self,
        backend: str,
        *,
        qpu_seconds: float | None,
        shots: int | None,
        tasks: int = 1,
        execution_seconds: float | None = None,
    ) -> float:
        """US dollars for a job of ``tasks`` tasks on ``backend``; unknown quantities count
        as 0 (``minimum_billed_seconds`` still bills each task once ``per_minute`` is set)."""
        p = self.price(backend)
        billed = max(execution_seconds or 0.0, p.minimum_billed_seconds * tasks)
        return (
            p.per_task * tasks
            + p.per_shot * (shots or 0)
            + p.per_qpu_second * (qpu_seconds or 0.0)
            + p.per_minute * billed / 60.0
        )


FREE = PriceModel()


def load_price_model(path: str | os.PathLike[str]) -> PriceModel:
    """Read and validate a price model file; raises :class:`InputError` naming the field."""
    where = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read price model: {exc.strerror or exc}", path=where) from None
    data = _parse(text, where)
    if data is None:
        return FREE
    if not isinstance(data, dict):
        raise InputError("a price model is a mapping with 'default' and 'backends'", path=where)
    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise InputError(f"unknown key(s): {', '.join(sorted(unknown))}", path=where)
    if data.get("version", VERSION) != VERSION:
        raise InputError(f"must be {VERSION!r}", path=where, field="version")
    if data.get("currency", "USD") != "USD":
        raise InputError("only USD is supported", path=where, field="currency")
    default = _price(data.get("default") or {}, where, "default")
    backends = data.get("backends") or {}
    if not isinstance(backends, dict):
        raise InputError("must map backend names to prices", path=where, field="backends")
    exact: dict[str, Price] = {}
    patterns: list[tuple[str, Price]] = []
    for name, entry in backends.items():
        price = _price(entry, where, f"backends.{name}")
        if any(ch in str(name) for ch in "*?["):
            patterns.append((str(name), price))
        else:
            exact[str(name)] = price
    return PriceModel(default, exact, tuple(patterns))


def _parse(text: str, where: str) -> Any:
    if where.endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc}", path=where) from None
    import yaml  # JSON is YAML too; PyYAML is in the qiskit-free core extras (slo)

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InputError(f"invalid YAML: {exc}", path=where) from None


def _price(entry: Any, where: str, at: str) -> Price:
    if not isinstance(entry, dict):
        raise InputError(f"must be a mapping of {' / '.join(_PRICE_KEYS)}", path=where, field=at)
    unknown = set(entry) - set(_PRICE_KEYS)
    if unknown:
        raise InputError(f"unknown key(s): {', '.join(sorted(unknown))}", path=where, field=at)
    values: dict[str, float] = {}
    for key in _PRICE_KEYS:
        raw = entry.get(key, 0)
        if isinstance(raw, bool) or not isinstance(raw, (int, float)):
            raise InputError(f"must be a number, got {raw!r}", path=where, field=f"{at}.{key}")
        if raw < 0 or not math.isfinite(raw):
            raise InputError(f"must be >= 0, got {raw}", path=where, field=f"{at}.{key}")
        values[key] = float(raw)
    return Price(**values)
