"""Idempotency keys: which submissions repeat one already made.

A job's key is, in order of preference:

1. the key of the innermost :func:`idempotency_key` block around the submission;
2. a job tag ``idempotency:<key>`` (``options.environment.job_tags`` of a primitive);
3. an automatic key: a SHA-256 of everything that changes the result: circuits, parameter
   values, observables, shots, seeds and the other run options, primitive and backend name
   (:meth:`qobserve.instrument.inputs.Inputs.fingerprint`).

The decision is taken at submission. A submission whose key matches a job that succeeded or is
still in flight is a duplicate; a resubmission after failed or cancelled jobs is a retry.
Explicit keys (1, 2) are global: jobs in the event store, from any earlier process, count as
well as those of this process. Automatic keys are scoped to the
experiment run (``auto_scope="run"``, the default; outside a run, to the process), because the
same circuits submitted again by a *later* run are usually deliberate (a benchmark run every
hour), while the same circuits twice in one run are a retry or a double submission. With
``auto_scope="global"`` automatic keys behave like explicit ones; ``"off"`` disables them.

Example::

    with idempotency_key("calibration-sweep-2026-11-21-q3"):
        job = sampler.run([circuit])
"""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from qobserve.redact import redact

TAG_PREFIX = "idempotency:"
AUTO_PREFIX = "auto:"
AUTO_SCOPES = ("run", "global", "off")
_MAX_SEEN = 100_000

_USER_KEY: ContextVar[str | None] = ContextVar("qobserve_idempotency_key", default=None)


@contextlib.contextmanager
def idempotency_key(key: str) -> Iterator[None]:
    """Give every job submitted inside the block the idempotency key ``key``."""
    if not isinstance(key, str) or not key:
        raise TypeError("idempotency key must be a non-empty string")
    token = _USER_KEY.set(key)
    try:
        yield
    finally:
        _USER_KEY.reset(token)


def explicit_key(tags: Any = None) -> str | None:
    """The caller's explicit key: the enclosing :func:`idempotency_key`, else a job tag.

    A secret in it (an environment token used to build a key) is masked here, once, so the
    key matched, stored and put on spans is the same and never holds the secret: keys that
    differ only in their secret count as one.
    """
    key = _USER_KEY.get()
    if key is None and tags:
        for tag in tags:
            if isinstance(tag, str) and tag.startswith(TAG_PREFIX) and len(tag) > len(TAG_PREFIX):
                key = tag[len(TAG_PREFIX) :]
                break
    return None if key is None else redact(key)


#: what a submission is, decided when it is made
NEW, DUPLICATE, RETRY = "new", "duplicate", "retry"
_IN_FLIGHT, _SUCCEEDED, _FAILED = 0, 1, 2


class DuplicateTracker:
    """What became of each key seen in this process (bounded, oldest forgotten first), plus
    the event store for keys of earlier processes.

    A submission whose key matches a job that succeeded or is still in flight is a
    duplicate; one whose earlier jobs all failed or were cancelled is a retry.
    """

    def __init__(self, max_seen: int = _MAX_SEEN) -> None:
        self._seen: OrderedDict[str, int] = OrderedDict()
        self._max = max_seen
        self._lock = threading.Lock()

    def submitted(self, key: str, scope: str, store: Any) -> str:
        """Classify a submission of ``key`` (within ``scope``: a run id, or "" for global) as
        :data:`NEW`, :data:`DUPLICATE` or :data:`RETRY`, and note it as in flight unless it is
        a duplicate."""
        scoped = f"{scope}\x00{key}"
        with self._lock:
            state = self._seen.get(scoped)
        if state is None and not scope and store is not None:
            # a global key may have been stored by an earlier process
            outcomes = store.key_outcomes(key)
            if outcomes:
                state = _FAILED if outcomes <= {"error", "cancelled"} else _SUCCEEDED
        with self._lock:
            state = self._seen.get(scoped, state)
            duplicate = state in (_IN_FLIGHT, _SUCCEEDED)
            self._seen[scoped] = state if duplicate and state is not None else _IN_FLIGHT
            self._seen.move_to_end(scoped)
            if len(self._seen) > self._max:
                self._seen.popitem(last=False)
        if duplicate:
            return DUPLICATE
        return NEW if state is None else RETRY

    def finished(self, key: str, scope: str, succeeded: bool) -> None:
        """A job of ``key`` that was not a duplicate has its outcome."""
        scoped = f"{scope}\x00{key}"
        with self._lock:
            if succeeded:
                self._seen[scoped] = _SUCCEEDED
            elif self._seen.get(scoped) == _IN_FLIGHT:
                self._seen[scoped] = _FAILED

    def withdraw(self, key: str, scope: str, kind: str) -> None:
        """A submission the SDK rejected gives back what :meth:`submitted` noted."""
        scoped = f"{scope}\x00{key}"
        with self._lock:
            if self._seen.get(scoped) != _IN_FLIGHT:
                return
            if kind == NEW:
                del self._seen[scoped]
            else:
                self._seen[scoped] = _FAILED

    def clear(self) -> None:
        """Forget every key seen in this process."""
        with self._lock:
            self._seen.clear()
