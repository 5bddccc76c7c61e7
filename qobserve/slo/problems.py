"""Collect every mistake in a set of SLO files, each with its file, SLO name and field.

Parsers never stop at the first problem: they record it through a :class:`Where` (a position in
one file) and carry on, so ``qobserve validate`` lists everything wrong in one run.

Example::

    problems = Problems()
    where = Where(problems, "slo/jobs.yaml").at("slos").at(2).named("qpu-job-success")
    where.at("objective").error("must be between 0 and 100, got 120")
    problems.raise_if_any()
    # InputErrors: slo/jobs.yaml: qpu-job-success: slos[2].objective: must be between 0 and ...
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

from qobserve.exceptions import InputError, InputErrors

T = TypeVar("T")

_TYPE_NAMES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               dict: "a mapping", list: "a list"}  # fmt: skip


#: Longest excerpt of a value quoted in a message.
_EXCERPT = 60


def short(value: Any) -> str:
    """``repr(value)`` cut to a readable length: a message quotes a value, never dumps it (an
    alias bomb or a megabyte string stays out of the terminal and of memory)."""
    if isinstance(value, dict | list):
        return f"a {'mapping' if isinstance(value, dict) else 'list'} of {len(value)} items"
    if isinstance(value, str) and len(value) > _EXCERPT:
        return repr(value[:_EXCERPT]) + f"... ({len(value)} characters)"
    text = repr(value)
    return text if len(text) <= _EXCERPT else text[:_EXCERPT] + "..."


class InputWarning(UserWarning):
    """Something in a spec that works but probably does not do what its author meant."""


@dataclass
class Problems:
    """The errors found so far, in the order they were found."""

    errors: list[InputError] = field(default_factory=list)

    def raise_if_any(self) -> None:
        """Raise :class:`InputErrors` with every error, if there is one: grouped by file (in
        the order found within a file)."""
        if self.errors:
            raise InputErrors(sorted(self.errors, key=lambda e: e.path or ""))


@dataclass(frozen=True)
class Where:
    """A position in one input file: the file, the SLO (once its name is known) and a field."""

    problems: Problems
    path: str
    field: str = ""
    slo: str = ""

    def at(self, key: str | int) -> Where:
        """The position of ``key`` (a mapping key or a list index) below this one."""
        if isinstance(key, int):
            return replace(self, field=f"{self.field}[{key}]")
        return replace(self, field=f"{self.field}.{key}" if self.field else key)

    def named(self, slo: str) -> Where:
        """The same position, now known to belong to the SLO ``slo``."""
        return replace(self, slo=slo)

    def error(self, message: str) -> None:
        """Record a mistake at this position."""
        parts = [p for p in (self.slo, self.field) if p]
        self.problems.errors.append(
            InputError(message, path=self.path, field=": ".join(parts) or None)
        )

    def warn(self, message: str) -> None:
        """Warn (``InputWarning``) about something at this position that is allowed but odd."""
        parts = [p for p in (self.path, self.slo, self.field) if p]
        warnings.warn(InputWarning(": ".join([*parts, message])), stacklevel=2)

    def get(
        self,
        mapping: Mapping[str, Any],
        key: str,
        kind: type[T] | tuple[type, ...],
        *,
        required: bool = False,
        default: Any = None,
    ) -> Any:
        """``mapping[key]`` checked against ``kind``; records an error and returns ``default``
        when it is missing (and required) or of the wrong type."""
        if key not in mapping or mapping[key] is None:
            if required:
                self.at(key).error("is required")
            return default
        value = mapping[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        # bool is an int in Python; a YAML `true` is never a number here
        if isinstance(value, bool) and bool not in kinds:
            ok = False
        else:
            ok = isinstance(value, kinds) or (float in kinds and isinstance(value, int))
        if not ok:
            names = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            self.at(key).error(f"must be {names}, got {type(value).__name__} {short(value)}")
            return default
        return value

    def mapping(self, value: Any, *, what: str = "a mapping") -> dict[str, Any] | None:
        """``value`` when it is a mapping, else records an error and returns None."""
        if isinstance(value, dict):
            return value
        self.error(f"must be {what}, got {type(value).__name__}")
        return None

    def string_map(self, mapping: Mapping[str, Any], key: str) -> dict[str, str]:
        """An optional ``{str: str}`` mapping (labels, annotations); numbers become strings."""
        raw = self.get(mapping, key, dict, default={})
        out: dict[str, str] = {}
        for k, v in raw.items():
            if not isinstance(k, str) or isinstance(v, dict | list) or v is None:
                self.at(key).at(str(k)).error("must map a string to a string")
                continue
            out[k] = str(v).lower() if isinstance(v, bool) else str(v)
        return out

    def check_keys(self, mapping: Mapping[str, Any], allowed: Iterable[str]) -> None:
        """Record an error for every key of ``mapping`` not in ``allowed`` (catches typos)."""
        known = set(allowed)
        for key in mapping:
            if key not in known:
                hint = ", ".join(sorted(known))
                self.at(str(key)).error(f"unknown field (expected one of: {hint})")
