"""Errors qobserve raises for a user's mistakes.

Every command turns an :class:`InputError` into one line on stderr and exit code 2; nothing a
user can get wrong ends in a traceback.

Example::

    raise InputError("objective must be between 0 and 100", path="slo/jobs.yaml",
                     field="slos[0].objective")
    # str(err) == "slo/jobs.yaml: slos[0].objective: objective must be between 0 and 100"
"""

from __future__ import annotations

import os


class InputError(ValueError):
    """Bad input from a user: a file, a field in it, and what is wrong."""

    def __init__(
        self, message: str, *, path: str | os.PathLike[str] | None = None, field: str | None = None
    ) -> None:
        self.message = message
        self.path = os.fspath(path) if path is not None else None
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        parts = [p for p in (self.path, self.field) if p]
        return ": ".join([*parts, self.message])


class InputErrors(InputError):
    """Several input errors found in one pass, reported together."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)
