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


class BudgetExceeded(RuntimeError):
    """A job was refused before submission: it would take a ``deny`` budget over its limit.

    ``budget`` is the cap's name, ``spent`` what its period used so far, ``estimate`` the
    job's estimated cost and ``limit`` the cap, all in ``unit`` (``usd`` or ``qpu_seconds``).
    """

    def __init__(self, budget: str, *, spent: float, estimate: float, limit: float, unit: str,
                 period_start: str) -> None:  # fmt: skip
        self.budget, self.spent, self.estimate = budget, spent, estimate
        self.limit, self.unit, self.period_start = limit, unit, period_start
        shown = "USD" if unit == "usd" else "QPU seconds"
        super().__init__(
            f"budget {budget!r} exceeded: spent {spent:.4g} {shown} since {period_start} "
            f"+ this job's estimate {estimate:.4g} > limit {limit:.4g} {shown}; "
            "nothing was submitted"
        )


class ErrorBudgetExhausted(RuntimeError):
    """An SLO's remaining error budget is at or below the threshold a caller required
    (:func:`qobserve.require_error_budget`); ``remaining`` is None without events."""

    def __init__(self, slo: str, *, remaining: float, threshold: float, policy: str) -> None:
        self.slo, self.remaining, self.threshold, self.policy = slo, remaining, threshold, policy
        text = f"SLO {slo!r}: {remaining:.1%} of its error budget left, at or below {threshold:.1%}"
        super().__init__(f"{text}. Policy: {policy}" if policy else text)
