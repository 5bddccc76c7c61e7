"""Run blocking calls concurrently, each with its own timeout, without waiting for the stuck.

A provider call can hang on a dead TCP connection, and Python cannot kill a thread. So every
call runs in its own daemon thread; the caller waits until the call returns or its deadline
passes, whichever is first, and moves on. A call past its deadline is *abandoned*: its slot
is given back at once, so a hanging backend never holds the others back, and its thread ends
whenever the call does. The poller keeps such a task and does not call the same thing again
while it still runs, so at most one thread per (collector, backend) can ever be stuck.

Example::

    tasks = [Task(("status", name), fn, timeout=10.0) for name, fn in calls]
    run_tasks(tasks, concurrency=8)
    for t in tasks:
        print(t.key, t.timed_out, t.error, t.result)
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Longest wait between looks at ``stop`` while calls are running.
_STOP_CHECK = 0.25


@dataclass(eq=False)
class Task:
    """One call to run; after :func:`run_tasks`, exactly one of ``result`` (with ``error``
    None), ``error`` or ``timed_out`` describes how it went, unless it never started."""

    key: tuple[str, ...]
    fn: Callable[[], Any]
    timeout: float
    result: Any = None
    error: BaseException | None = None
    timed_out: bool = False
    started: float | None = None
    elapsed: float | None = None
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def ok(self) -> bool:
        """The call returned in time."""
        return (
            self.started is not None
            and not self.timed_out
            and self.error is None
            and self.done.is_set()
        )

    @property
    def running(self) -> bool:
        """Started and not returned yet (an abandoned call may still be running)."""
        return self.started is not None and not self.done.is_set()


def run_tasks(
    tasks: Sequence[Task], *, concurrency: int = 8, stop: threading.Event | None = None
) -> None:
    """Run ``tasks``, at most ``concurrency`` at a time; returns once every task returned or
    passed its timeout (or ``stop`` was set: tasks not started then are left unstarted)."""
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    cond = threading.Condition()
    pending = deque(tasks)
    running: list[Task] = []

    def call(task: Task) -> None:
        try:
            task.result = task.fn()
        except BaseException as err:
            task.error = err
        finally:
            with cond:
                if not task.timed_out:
                    task.elapsed = time.monotonic() - (task.started or 0.0)
                task.done.set()
                cond.notify_all()

    with cond:
        while pending or running:
            now = time.monotonic()
            still: list[Task] = []
            for task in running:
                if task.done.is_set():
                    continue
                if now >= task.started + task.timeout:  # type: ignore[operator]
                    # Decided under the lock the worker takes to finish, so a task is either
                    # done in time or timed out, never both.
                    task.timed_out = True
                    task.elapsed = task.timeout
                    continue
                still.append(task)
            running = still
            if stop is not None and stop.is_set():
                return
            while pending and len(running) < concurrency:
                task = pending.popleft()
                task.started = time.monotonic()
                threading.Thread(
                    target=call, args=(task,), daemon=True, name=f"qobserve-collect-{task.key}"
                ).start()
                running.append(task)
            if running:
                first_deadline = min(t.started + t.timeout for t in running)  # type: ignore[operator]
                wait = max(first_deadline - time.monotonic(), 0.0)
                cond.wait(min(wait, _STOP_CHECK) if stop is not None else wait)
