"""The experiment run a piece of code belongs to, carried in a context variable.

Every job submitted inside a ``@qobserve.experiment`` run inherits its experiment name and
``run_id``, across threads started with ``contextvars.copy_context()`` and across ``await``.

Example::

    run = current_run()
    run.experiment if run else "__none__"
"""

from __future__ import annotations

import itertools
import os
from contextvars import ContextVar
from typing import NamedTuple

#: experiment label of jobs that run outside any decorated experiment
NO_EXPERIMENT = "__none__"

_RUN: ContextVar[RunContext | None] = ContextVar("qobserve_run", default=None)
# run ids are a per-process random prefix plus a counter: unique, and far cheaper than uuid4
_PREFIX = os.urandom(6).hex()
_COUNTER = itertools.count(1)


class RunContext(NamedTuple):
    """The experiment run in progress: its (guarded) name and id."""

    experiment: str
    run_id: str

    def _repr_html_(self) -> str:
        from qobserve.notebook.display import run_html

        return run_html(self)


def new_run_id() -> str:
    """A run id unique across processes: ``<12 hex random>-<counter>``."""
    return f"{_PREFIX}-{next(_COUNTER):x}"


def current_run() -> RunContext | None:
    """The innermost experiment run of the calling context, or None outside any."""
    return _RUN.get()


def current_experiment() -> str:
    """The experiment label for a job submitted now: the run's name or ``__none__``."""
    run = _RUN.get()
    return run.experiment if run is not None else NO_EXPERIMENT


def _reseed_after_fork() -> None:
    global _PREFIX
    _PREFIX = os.urandom(6).hex()


os.register_at_fork(after_in_child=_reseed_after_fork)
