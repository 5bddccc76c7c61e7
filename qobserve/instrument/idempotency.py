"""Idempotency keys: which submissions repeat one already made.

A job's key is, in order of preference:

1. the key of the innermost :func:`idempotency_key` block around the submission;
2. a job tag ``idempotency:<key>`` (``options.environment.job_tags`` of a primitive);
3. an automatic key: a SHA-256 of the circuits, parameter values, observables, shots,
   primitive and backend name (:meth:`qobserve.instrument.inputs.Inputs.fingerprint`).

Explicit keys (1, 2) are global: a key already in the event store, from any earlier process,
or earlier in this process, makes the job a duplicate. Automatic keys are scoped to the
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
    """The caller's explicit key: the enclosing :func:`idempotency_key`, else a job tag."""
    key = _USER_KEY.get()
    if key is not None:
        return key
    if tags:
        for tag in tags:
            if isinstance(tag, str) and tag.startswith(TAG_PREFIX) and len(tag) > len(TAG_PREFIX):
                return tag[len(TAG_PREFIX) :]
    return None


class DuplicateTracker:
    """Keys seen in this process (bounded, oldest forgotten first) plus the event store."""

    def __init__(self, max_seen: int = _MAX_SEEN) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._max = max_seen
        self._lock = threading.Lock()

    def check_and_add(self, key: str, scope: str, store: Any) -> bool:
        """True when ``key`` (within ``scope``: a run id, or "" for global) was seen before;
        records it as seen either way."""
        scoped = f"{scope}\x00{key}"
        with self._lock:
            if scoped in self._seen:
                self._seen.move_to_end(scoped)
                return True
            self._seen[scoped] = None
            if len(self._seen) > self._max:
                self._seen.popitem(last=False)
        # a global key may have been stored by an earlier process; a scoped one cannot
        return not scope and store is not None and bool(store.has_idempotency_key(key))

    def clear(self) -> None:
        """Forget every key seen in this process."""
        with self._lock:
            self._seen.clear()
