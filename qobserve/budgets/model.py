"""Spending caps declared in ``budgets.yaml`` beside the SLO catalog (the model; the file
format and its loader are in :mod:`qobserve.budgets.loader`).

Example::

    >>> from datetime import UTC, datetime
    >>> cap = Budget(name="b", limit=10.0, unit="usd", period="week", action="warn")
    >>> cap.period_start(datetime(2026, 12, 2, 15, tzinfo=UTC))
    datetime.datetime(2026, 11, 30, 0, 0, tzinfo=datetime.timezone.utc)
    >>> cap.applies("vqe", "ibm_kyiv")
    True
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from qobserve.instants import local_midnight

PERIODS = ("day", "week", "month")
ACTIONS = ("deny", "warn")
#: unit -> the limit's key in the file
UNITS = {"usd": "limit_usd", "qpu_seconds": "limit_qpu_seconds"}


@dataclass(frozen=True)
class Budget:
    """One cap: at most ``limit`` (US dollars or QPU seconds) per ``period`` for the jobs in
    its scope (``experiment`` and ``backends`` patterns; none: every job)."""

    name: str
    limit: float
    unit: str
    period: str
    action: str
    timezone: str = "UTC"
    experiment: str = ""
    backend: str = ""
    #: the provider named by the spec; its backend patterns are in ``backends``
    provider: str = ""
    backends: tuple[str, ...] = ()
    description: str = ""
    source: str = ""

    @property
    def scope(self) -> str:
        """What the cap covers, for messages: ``experiment vqe``, ``provider ibm``, ``all jobs``."""
        for kind in ("experiment", "backend", "provider"):
            value = getattr(self, kind)
            if value:
                return f"{kind} {value}"
        return "all jobs"

    def applies(self, experiment: str, backend: str) -> bool:
        """True when a job of ``experiment`` on ``backend`` counts against this cap."""
        if self.experiment and not fnmatch.fnmatchcase(experiment, self.experiment):
            return False
        if self.backend and not fnmatch.fnmatchcase(backend, self.backend):
            return False
        return not self.provider or any(fnmatch.fnmatchcase(backend, p) for p in self.backends)

    @property
    def store_scope(self) -> tuple[str, str | None]:
        """Which running totals of the store hold this cap's spend: (``t`` in total, ``e`` per
        experiment or ``b`` per backend, the one name to read or None to read every name and
        keep those :meth:`counts`)."""
        if self.experiment:
            return "e", None if _is_pattern(self.experiment) else self.experiment
        if self.backend:
            return "b", None if _is_pattern(self.backend) else self.backend
        if self.provider:
            return "b", None
        return "t", ""

    def counts(self, name: str) -> bool:
        """True when the running total named ``name`` (of :attr:`store_scope`) is this cap's."""
        if self.experiment:
            return fnmatch.fnmatchcase(name, self.experiment)
        return self.applies("", name) if self.backend or self.provider else True

    def period_start(self, now: datetime) -> datetime:
        """The UTC instant the period holding ``now`` began, in the cap's time zone."""
        tz = ZoneInfo(self.timezone)
        today = now.astimezone(tz).date()
        if self.period == "week":
            today -= timedelta(days=today.weekday())
        elif self.period == "month":
            today = today.replace(day=1)
        return local_midnight(today, tz).astimezone(UTC)

    def period_end(self, now: datetime) -> datetime:
        """The UTC instant the period holding ``now`` ends."""
        tz = ZoneInfo(self.timezone)
        start = self.period_start(now).astimezone(tz).date()
        if self.period == "day":
            end = start + timedelta(days=1)
        elif self.period == "week":
            end = start + timedelta(days=7)
        else:
            end = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
        return local_midnight(end, tz).astimezone(UTC)


@dataclass(frozen=True)
class Budgets:
    """Every cap of one ``budgets.yaml``."""

    budgets: tuple[Budget, ...]
    source: str = ""

    def applicable(self, experiment: str, backend: str) -> list[Budget]:
        """The caps a job of ``experiment`` on ``backend`` counts against."""
        return [b for b in self.budgets if b.applies(experiment, backend)]


def _is_pattern(name: str) -> bool:
    return any(ch in name for ch in "*?[")
