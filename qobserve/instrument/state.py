"""Everything instrumentation remembers between jobs, in one object owned by the telemetry.

One :class:`InstrumentationState` per :class:`qobserve.telemetry.Telemetry` (created on first
use as ``telemetry.instrumentation``): the idempotency keys seen, the jobs in flight, which
job returned which result (for ``compare()``), the price models loaded, the type of each
backend seen, the finisher of remote jobs and the pre-submission hooks. A
``qobserve.testing.capture()`` block has a telemetry of its own and therefore a fresh state;
``uninstrument()`` calls :meth:`InstrumentationState.reset`.

Example::

    state = get_telemetry().instrumentation
    state.add_pre_submit(lambda submission, experiment: None)
    state.in_flight()          # [] when nothing is running
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qobserve.instrument.finisher import Finisher
from qobserve.instrument.idempotency import DuplicateTracker
from qobserve.instrument.pricing import FREE, PriceModel, load_price_model

if TYPE_CHECKING:
    from qobserve.instrument.adapter import Submission
    from qobserve.instrument.jobs import TrackedJob

#: called before every submission with what it is about to submit; may raise to refuse it
PreSubmit = Callable[["Submission", str], None]
_MAX_BACKENDS = 10_000


class InstrumentationState:
    """The instrumentation's memory (see the module docstring)."""

    def __init__(self, pre_submit: tuple[PreSubmit, ...] = ()) -> None:
        """``pre_submit``: hooks that stay through :meth:`reset` (the configured budgets)."""
        self.duplicates = DuplicateTracker()
        self.finisher = Finisher()
        # set.add/discard and list(set) are atomic under the GIL: no lock on the submit path
        self._inflight: set[TrackedJob] = set()
        self._origins: weakref.WeakKeyDictionary[Any, TrackedJob] = weakref.WeakKeyDictionary()
        self._prices: dict[str, PriceModel] = {}
        self._backend_types: dict[str, str] = {}
        self._configured_hooks = pre_submit
        self._pre_submit: tuple[PreSubmit, ...] = pre_submit
        self._series: set[tuple[str, ...]] = set()
        self._lock = threading.Lock()
        #: orders "a job's event is queued" against "a fidelity arrives" (both rare, short)
        self.fidelity_lock = threading.Lock()

    # -- jobs in flight ----------------------------------------------------------------------
    def started(self, tracked: TrackedJob) -> None:
        """``tracked`` was submitted and is not finished."""
        self._inflight.add(tracked)

    def ended(self, tracked: TrackedJob) -> None:
        """``tracked`` has its outcome (or was abandoned)."""
        self._inflight.discard(tracked)

    def in_flight(self) -> list[TrackedJob]:
        """Jobs submitted and not finished yet (in no particular order)."""
        return list(self._inflight)

    # -- results -> jobs ---------------------------------------------------------------------
    def remember_origin(self, result: Any, tracked: TrackedJob) -> None:
        """``result`` was returned by ``tracked`` (ignored when not weak-referenceable)."""
        with contextlib.suppress(TypeError):
            self._origins[result] = tracked

    def origin_of(self, result: Any) -> TrackedJob | None:
        """The instrumented job that returned ``result``, if any."""
        try:
            return self._origins.get(result)
        except TypeError:  # not weak-referenceable
            return None

    # -- backends ----------------------------------------------------------------------------
    def remember_backend(self, name: str, kind: str) -> None:
        """Backend ``name`` is of type ``kind`` (so a result check by name is labelled alike)."""
        if self._backend_types.get(name) == kind:
            return
        with self._lock:
            if len(self._backend_types) < _MAX_BACKENDS or name in self._backend_types:
                self._backend_types[name] = kind

    def backend_type_of(self, name: str) -> str | None:
        """The type of a backend seen by instrumentation, None for one never seen."""
        return self._backend_types.get(name)

    # -- metric series ---------------------------------------------------------------------
    def first_job(self, labels: tuple[str, ...]) -> bool:
        """True once per label set: the first job of that backend x experiment."""
        if labels in self._series:
            return False
        with self._lock:
            if labels in self._series or len(self._series) >= _MAX_BACKENDS:
                return False
            self._series.add(labels)
        return True

    # -- prices ------------------------------------------------------------------------------
    def price_model(self, path: str | None, on_error: Callable[[Exception], None]) -> PriceModel:
        """The model at ``path`` (read once), :data:`FREE` without a path; a broken file is
        reported through ``on_error(exc)`` once and prices nothing."""
        if not path:
            return FREE
        found = self._prices.get(path)
        if found is not None:
            return found
        with self._lock:
            found = self._prices.get(path)
            if found is None:
                try:
                    found = load_price_model(path)
                except Exception as exc:
                    on_error(exc)
                    found = FREE
                self._prices[path] = found
        return found

    # -- pre-submission hooks (budgets) ------------------------------------------------------
    def add_pre_submit(self, hook: PreSubmit) -> None:
        """Call ``hook(submission, experiment)`` before each submission; an exception it raises
        reaches the caller and nothing is submitted (budget enforcement)."""
        with self._lock:
            self._pre_submit = (*self._pre_submit, hook)

    def remove_pre_submit(self, hook: PreSubmit) -> None:
        """Stop calling ``hook``."""
        with self._lock:
            self._pre_submit = tuple(h for h in self._pre_submit if h is not hook)

    @property
    def pre_submit(self) -> tuple[PreSubmit, ...]:
        """The hooks, in the order they were added."""
        return self._pre_submit

    # -- life cycle --------------------------------------------------------------------------
    def reset(self) -> None:
        """Forget keys, results, prices, backend types and the hooks added since (the
        configured ones stay). Jobs in flight keep their telemetry: they still finish, and are
        still accounted for at exit."""
        self.duplicates.clear()
        with self._lock:
            self._origins = weakref.WeakKeyDictionary()
            self._prices = {}
            self._backend_types = {}
            self._pre_submit = self._configured_hooks
            self._series = set()

    def shutdown(self, timeout: float = 10.0) -> None:
        """At exit: record remote jobs still being finished, then store every unfinished job
        as such (see ``TrackedJob.abandon``)."""
        self.finisher.flush(timeout)
        for tracked in self.in_flight():
            try:
                tracked.abandon()
            except Exception as exc:
                tracked.tel.internal_error("instrument", exc)
