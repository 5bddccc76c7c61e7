"""The poll scheduler: asks every provider about every backend, in the background.

One poll = discovery (``provider.backends()``, per provider) then every collector for every
backend (and the provider-wide ones once per provider), all concurrently with per-call
timeouts (:mod:`qobserve.exporter.tasks`). Per (collector, backend) it keeps:

- the samples of the last successful call; a failed or timed-out call drops them, so stale
  values are never served as current;
- ``qobserve_collector_*``: up, errors, duration of the last call, time of the last success;
- exponential backoff with jitter after failures: the n-th consecutive failure waits
  ``backoff_base * 2**(n-1)`` seconds (at most ``max_backoff``), times a random factor in
  [0.5, 1], before the next try, so a struggling API is not hammered in lock step.

A backend that discovery stops listing loses all its series. Provider-wide collectors
(``discovery``, ``usage``) carry the provider's name in the ``backend`` label.

Example::

    poller = Poller([create_provider("fake")], interval=60.0)
    report = poller.poll()
    samples = poller.samples()      # contract samples + self-metrics, ready to expose
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from qobserve import contract
from qobserve.collectors import COLLECTORS, BackendRef, CollectOptions, Collector, Provider
from qobserve.collectors.base import Sample, invalid, sample
from qobserve.errors import describe
from qobserve.exporter.tasks import Task, run_tasks
from qobserve.redact import redact

log = logging.getLogger("qobserve.exporter")

DISCOVERY = "discovery"


@dataclass
class KeyState:
    """What the poller knows about one (collector, backend) pair."""

    samples: list[Sample] = field(default_factory=list)
    up: bool = False
    errors: int = 0
    duration: float | None = None
    last_success: float | None = None
    failures: int = 0
    next_attempt: float = 0.0
    stuck: Task | None = None
    last_error: str = ""
    retry_delay: float = 0.0
    dropped: int = 0  # invalid samples of the last successful call


@dataclass(frozen=True)
class PollReport:
    """How one poll went."""

    duration: float
    backends: int
    succeeded: int
    failed: int
    timed_out: int
    skipped: int


class Poller:
    """Polls ``providers``; :meth:`poll` is thread-safe (concurrent calls run one by one)."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        interval: float = 60.0,
        timeout: float = 10.0,
        timeouts: Mapping[str, float] | None = None,
        options: CollectOptions | None = None,
        collectors: Iterable[Collector] | None = None,
        backends: Sequence[str] | None = None,
        concurrency: int = 8,
        backoff_base: float | None = None,
        max_backoff: float | None = None,
        stop: threading.Event | None = None,
        rng: random.Random | None = None,
    ) -> None:
        names = [p.name for p in providers]
        if len(set(names)) != len(names):
            raise ValueError(f"provider names must be unique: {names}")
        self.providers = list(providers)
        self.interval = interval
        self.timeout = timeout
        self.timeouts = dict(timeouts or {})
        self.options = options or CollectOptions()
        self.collectors = list(COLLECTORS.values() if collectors is None else collectors)
        self.patterns = list(backends or [])
        self.concurrency = concurrency
        self.backoff_base = interval if backoff_base is None else backoff_base
        self.max_backoff = 10 * interval if max_backoff is None else max_backoff
        self._stop = stop
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._state: dict[tuple[str, str], KeyState] = {}
        self._refs: dict[str, list[BackendRef]] = {}
        self._warned_duplicates: set[str] = set()
        self.polls = 0

    # --- one poll ------------------------------------------------------------------------
    def poll(self) -> PollReport:
        """Poll every provider and collector once; returns a summary."""
        with self._lock:
            start = time.monotonic()
            counts = {"ok": 0, "failed": 0, "timed_out": 0, "skipped": 0}
            discovery = self._plan(
                [((DISCOVERY, p.name), functools.partial(_discover, p)) for p in self.providers],
                counts,
            )
            self._run(discovery, counts)
            for task in discovery:
                if task.ok:
                    self._refs[task.key[1]] = self._select(task.key[1], task.result)
            self._forget_gone_backends()
            calls = []
            for provider in self.providers:
                for collector in self.collectors:
                    if collector.scope == "provider":
                        targets: list[BackendRef | None] = [None]
                    else:
                        targets = list(self._refs.get(provider.name, []))
                    for ref in targets:
                        key = (collector.name, ref.name if ref else provider.name)
                        fn = functools.partial(collector.collect, provider, ref, self.options)
                        calls.append((key, fn))
            self._run(self._plan(calls, counts), counts)
            self.polls += 1
            return PollReport(
                duration=time.monotonic() - start,
                backends=sum(len(r) for r in self._refs.values()),
                succeeded=counts["ok"],
                failed=counts["failed"],
                timed_out=counts["timed_out"],
                skipped=counts["skipped"],
            )

    def _plan(
        self, calls: Iterable[tuple[tuple[str, str], Callable[[], object]]], counts: dict[str, int]
    ) -> list[Task]:
        """Tasks for the calls that are due; the rest are counted as skipped."""
        now = time.monotonic()
        tasks = []
        for key, fn in calls:
            state = self._state.setdefault(key, KeyState())
            if state.stuck is not None and state.stuck.running:
                # The previous call still hangs: calling again would only pile up threads.
                self._failed(key, state, "previous call has not returned", state.stuck.timeout)
                counts["skipped"] += 1
                continue
            state.stuck = None
            if now < state.next_attempt:
                counts["skipped"] += 1
                continue
            tasks.append(Task(key, fn, self.timeouts.get(key[0], self.timeout)))
        return tasks

    def _run(self, tasks: list[Task], counts: dict[str, int]) -> None:
        run_tasks(tasks, concurrency=self.concurrency, stop=self._stop)
        for task in tasks:
            key = (task.key[0], task.key[1])
            state = self._state[key]
            if task.started is None:  # stopped before it started
                continue
            if task.ok:
                counts["ok"] += 1
                self._succeeded(key, state, task)
            elif task.timed_out or task.running:
                counts["timed_out"] += 1
                state.stuck = task
                self._failed(key, state, f"timed out after {task.timeout:g}s", task.timeout)
            else:
                counts["failed"] += 1
                reason = describe(task.error) if task.error is not None else "failed"
                self._failed(key, state, reason, task.elapsed or 0.0)

    def _succeeded(self, key: tuple[str, str], state: KeyState, task: Task) -> None:
        if not state.up and state.errors:
            log.info("collector %s for %s recovered", *key)
        state.samples = self._valid(key, state, task.result) if key[0] != DISCOVERY else []
        state.up = True
        state.duration = task.elapsed
        state.last_success = time.time()
        state.failures = 0
        state.retry_delay = 0.0
        state.next_attempt = 0.0
        state.last_error = ""

    def _failed(self, key: tuple[str, str], state: KeyState, reason: str, duration: float) -> None:
        reason = redact(reason)
        if state.up or state.failures == 0:
            log.warning("collector %s for %s failed: %s", key[0], key[1], reason)
        else:
            log.debug("collector %s for %s failed again: %s", key[0], key[1], reason)
        state.samples = []
        state.up = False
        state.errors += 1
        state.duration = duration
        state.failures += 1
        state.last_error = reason
        delay = min(self.max_backoff, self.backoff_base * 2 ** (state.failures - 1))
        state.retry_delay = delay * self._rng.uniform(0.5, 1.0)
        state.next_attempt = time.monotonic() + state.retry_delay

    def _valid(
        self, key: tuple[str, str], state: KeyState, samples: Iterable[Sample]
    ) -> list[Sample]:
        """``samples`` without the ones a provider's bad value made unexposable (see
        :func:`~qobserve.collectors.base.invalid`); each one dropped is an error of ``key``,
        logged as a warning when the previous call dropped none."""
        kept, dropped = [], []
        for s in samples:
            reason = invalid(s)
            if reason:
                dropped.append(f"{s.metric.name}: {reason}")
            else:
                kept.append(s)
        if dropped:
            level = logging.DEBUG if state.dropped else logging.WARNING
            log.log(
                level,
                "collector %s for %s: %d invalid samples dropped, e.g. %s",
                *key,
                len(dropped),
                redact(dropped[0]),
            )
        state.errors += len(dropped)
        state.dropped = len(dropped)
        return kept

    def _select(self, provider: str, refs: Sequence[object]) -> list[BackendRef]:
        """The discovered backends the user asked for, without names another provider
        already has (the first provider listed keeps a name). An entry that is no
        :class:`BackendRef` with a name is dropped and counted as a discovery error."""
        taken = {r.name for p, rs in self._refs.items() if p != provider for r in rs}
        state = self._state[(DISCOVERY, provider)]
        out, bad = [], []
        for ref in refs:
            reason = _bad_ref(ref)
            if reason:
                bad.append(reason)
                continue
            assert isinstance(ref, BackendRef)
            if self.patterns and not any(fnmatch.fnmatchcase(ref.name, p) for p in self.patterns):
                continue
            if ref.name in taken:
                if ref.name not in self._warned_duplicates:
                    self._warned_duplicates.add(ref.name)
                    log.warning(
                        "backend %s of provider %s ignored: another provider has it",
                        ref.name,
                        provider,
                    )
                continue
            out.append(ref)
        if bad:
            log.log(
                logging.DEBUG if state.dropped else logging.WARNING,
                "provider %s: %d backends ignored, e.g. %s",
                provider,
                len(bad),
                redact(bad[0]),
            )
        state.errors += len(bad)
        state.dropped = len(bad)
        return out

    def _forget_gone_backends(self) -> None:
        live = {r.name for refs in self._refs.values() for r in refs}
        live.update(p.name for p in self.providers)
        for key in [k for k in self._state if k[1] not in live]:
            log.info("backend %s is gone; removing its series", key[1])
            del self._state[key]

    # --- results -------------------------------------------------------------------------
    def backends(self) -> list[BackendRef]:
        """Backends known after the last poll."""
        with self._lock:
            return [r for refs in self._refs.values() for r in refs]

    def state(self, collector: str, backend: str) -> KeyState | None:
        """The poller's record of one (collector, backend) pair."""
        return self._state.get((collector, backend))

    def samples(self) -> list[Sample]:
        """Every sample to expose: collected ones, then the poller's self-metrics."""
        with self._lock:
            return self._samples()

    def _samples(self) -> list[Sample]:
        out: list[Sample] = []
        for state in self._state.values():
            out.extend(state.samples)
        for (collector, backend), state in self._state.items():
            if state.stuck is None and state.duration is None and not state.errors:
                continue  # never ran yet
            out.append(sample(contract.COLLECTOR_UP, 1 if state.up else 0, collector, backend))
            out.append(sample(contract.COLLECTOR_ERRORS_TOTAL, state.errors, collector, backend))
            if state.duration is not None:
                out.append(sample(contract.COLLECTOR_DURATION, state.duration, collector, backend))
            if state.last_success is not None:
                out.append(
                    sample(contract.COLLECTOR_LAST_SUCCESS, state.last_success, collector, backend)
                )
        return out


def _discover(provider: Provider) -> list[object]:
    """``provider.backends()`` as a list; a TypeError when it is not a sequence at all, so
    that provider's discovery is down and the others keep polling."""
    found = provider.backends()
    if isinstance(found, str | bytes | Mapping) or not isinstance(found, Iterable):
        raise TypeError(f"backends() returned {type(found).__name__}, not a list of BackendRef")
    return list(found)


def _bad_ref(ref: object) -> str:
    """Why a discovered entry cannot be polled ('' when it can): its name is every series'
    ``backend`` label, so it must be non-empty text."""
    if not isinstance(ref, BackendRef):
        return f"{type(ref).__name__} {ref!r:.60} is not a BackendRef"
    if not isinstance(ref.name, str) or not ref.name:
        return f"name {ref.name!r:.60} is not a non-empty text"
    try:
        ref.name.encode()
    except UnicodeEncodeError:
        return f"name {ref.name!r:.60} is not valid Unicode"
    return ""
