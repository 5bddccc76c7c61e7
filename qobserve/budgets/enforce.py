"""The budget check before each submission (``configure(budgets=...)``), see docs/budgets.md.

For every cap that applies to the job (its experiment and backend), the spend of the cap's
current period (the store's jobs, plus the jobs this process admitted that are still in
flight) plus the job's estimate is compared with the limit. Over it, a ``deny`` cap raises
:class:`~qobserve.exceptions.BudgetExceeded` before the SDK is called; a ``warn`` cap logs
once per period and lets the job go. Every decision is counted in
``quantum_budget_decisions_total{budget,decision}``. A failure of the check itself (a broken
store) lets the job go and counts ``qobserve_internal_errors_total{component="budgets"}``.

Example::

    enforcer = Enforcer(load_budgets("slo"), telemetry)
    telemetry.instrumentation.add_pre_submit(enforcer)
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from qobserve import contract
from qobserve.budgets.model import Budget, Budgets
from qobserve.budgets.spend import History, Spend, SpendReader
from qobserve.exceptions import BudgetExceeded

if TYPE_CHECKING:
    from qobserve.instrument.adapter import Submission
    from qobserve.telemetry import Telemetry

logger = logging.getLogger("qobserve")

DECISIONS = ("allow", "warn", "deny")
#: seconds an admitted job not yet seen in flight is still counted (another thread may be
#: between the check and the SDK's answer)
ADMITTED_GRACE = 2.0


@dataclass(frozen=True)
class Estimate:
    """What one job is expected to cost: US dollars and QPU seconds."""

    usd: float
    qpu_seconds: float

    def of(self, unit: str) -> float:
        """The figure in ``unit`` (``usd`` or ``qpu_seconds``)."""
        return self.usd if unit == "usd" else self.qpu_seconds


@dataclass
class _Admitted:
    submission: Submission
    experiment: str
    estimate: Estimate
    at: float
    seen: bool = False


class Enforcer:
    """The pre-submission hook that applies ``budgets`` (see the module docstring)."""

    def __init__(
        self,
        budgets: Budgets,
        telemetry: Telemetry,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """``clock`` is the current time (which periods are current)."""
        self.budgets = budgets
        self.tel = telemetry
        self.clock = clock
        self._reader: SpendReader | None = None
        self._warned: set[tuple[str, str]] = set()
        self._admitted: dict[int, _Admitted] = {}
        self._lock = threading.Lock()
        for budget in budgets.budgets:  # at 0 from the start: rate() sees the first deny
            for decision in DECISIONS:
                telemetry.metrics.inc(contract.BUDGET_DECISIONS_TOTAL, (budget.name, decision), 0)

    def __call__(self, submission: Submission, experiment: str) -> None:
        caps = self.budgets.applicable(experiment, submission.backend)
        if not caps:
            return
        try:
            estimate = self.estimate(submission, experiment)
            verdicts = self._decide(caps, estimate, self.clock())
        except Exception as exc:  # the check failed, not the budget: the job goes
            self.tel.internal_error("budgets", exc)
            return
        refusal: BudgetExceeded | None = None
        for cap, decision, error in verdicts:
            self.tel.metrics.inc(contract.BUDGET_DECISIONS_TOTAL, (cap.name, decision))
            if decision == "deny" and refusal is None:
                refusal = error
            elif decision == "warn":
                self._warn_once(cap, error)
        if refusal is not None:
            raise refusal
        with self._lock:
            self._admitted[id(submission)] = _Admitted(
                submission, experiment, estimate, time.monotonic()
            )

    # -- the job's estimate ------------------------------------------------------------------
    def estimate(self, submission: Submission, experiment: str) -> Estimate:
        """The job's QPU seconds (from the recent jobs of its experiment on its backend) and
        its cost (the price model on its shots and that QPU time)."""
        shots = submission.work.requested_shots()
        qpu = self._recent(experiment, submission.backend).qpu_estimate(shots)
        usd = 0.0
        path = self.tel.config.price_model
        if path:
            prices = self.tel.instrumentation.price_model(
                path, lambda e: self.tel.internal_error("prices", e)
            )
            # the formula the job's recorded cost will use (qobserve.instrument.jobs)
            usd = prices.cost(submission.backend, qpu_seconds=qpu, shots=shots)
        return Estimate(usd, qpu or 0.0)

    def _recent(self, experiment: str, backend: str) -> History:
        # read at every check (an index range of 50 rows): a cached history would miss the
        # job that just finished, and the first estimate of a sweep would stick
        reader = self._spend_reader()
        return reader.history(experiment, backend) if reader is not None else History()

    # -- spend and decisions -----------------------------------------------------------------
    def _decide(
        self, caps: list[Budget], estimate: Estimate, now: datetime
    ) -> list[tuple[Budget, str, BudgetExceeded]]:
        admitted = self._in_flight()
        reader = self._spend_reader()
        read: dict[tuple[datetime, str, str | None], Spend] = {}
        out = []
        for cap in caps:
            start = cap.period_start(now)
            spent = reader.spent(cap, start, read) if reader is not None else 0.0
            spent += sum(
                a.estimate.of(cap.unit)
                for a in admitted
                if cap.applies(a.experiment, a.submission.backend)
            )
            job = estimate.of(cap.unit)
            over = spent + job > cap.limit or spent >= cap.limit
            error = BudgetExceeded(
                cap.name, spent=spent, estimate=job, limit=cap.limit, unit=cap.unit,
                period_start=start.astimezone(ZoneInfo(cap.timezone)).isoformat(),
            )  # fmt: skip
            out.append((cap, cap.action if over else "allow", error))
        return out

    def _in_flight(self) -> list[_Admitted]:
        """The jobs this process admitted whose events are not in the store yet: in flight,
        or admitted a moment ago and not yet handed a job by the SDK."""
        running = {id(t.submission) for t in self.tel.instrumentation.in_flight()}
        now = time.monotonic()
        with self._lock:
            for key, entry in list(self._admitted.items()):
                if key in running:
                    entry.seen = True
                elif entry.seen or now - entry.at > ADMITTED_GRACE:
                    del self._admitted[key]
            return list(self._admitted.values())

    def _spend_reader(self) -> SpendReader | None:
        store = self.tel.store
        if store is None:
            return None
        if self._reader is None:
            self._reader = SpendReader(store.backend)
        return self._reader

    def _warn_once(self, cap: Budget, error: BudgetExceeded) -> None:
        key = (cap.name, error.period_start)
        with self._lock:
            if key in self._warned:
                return
            self._warned.add(key)
        text = str(error).replace("; nothing was submitted", "")
        logger.warning("qobserve: %s (action warn: the job is submitted)", text)
