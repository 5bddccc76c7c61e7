"""Concurrent calls with per-call timeouts."""

from __future__ import annotations

import threading
import time

import pytest

from qobserve.exporter.tasks import Task, run_tasks


def test_results_errors_and_timeouts_are_told_apart() -> None:
    release = threading.Event()

    def boom() -> None:
        raise ValueError("nope")

    tasks = [
        Task(("ok",), lambda: 42, 1.0),
        Task(("err",), boom, 1.0),
        Task(("hang",), lambda: release.wait(30), 0.2),
    ]
    start = time.monotonic()
    run_tasks(tasks, concurrency=3)
    elapsed = time.monotonic() - start
    ok, err, hang = tasks
    assert ok.ok and ok.result == 42
    assert not err.ok and isinstance(err.error, ValueError)
    assert hang.timed_out and hang.running and hang.elapsed == 0.2
    assert 0.2 <= elapsed < 1.0
    release.set()
    assert hang.done.wait(5) and not hang.running
    assert hang.timed_out  # a late return does not turn a timeout into a success


def test_concurrency_is_bounded() -> None:
    lock = threading.Lock()
    active = peak = 0

    def work() -> None:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        time.sleep(0.02)
        with lock:
            active -= 1

    tasks = [Task((str(i),), work, 5.0) for i in range(12)]
    run_tasks(tasks, concurrency=3)
    assert all(t.ok for t in tasks)
    assert peak == 3


def test_a_hanging_call_gives_its_slot_back_at_its_deadline() -> None:
    release = threading.Event()
    tasks = [Task(("hang",), lambda: release.wait(30), 0.2)]
    tasks += [Task((str(i),), lambda: time.sleep(0.01), 5.0) for i in range(5)]
    start = time.monotonic()
    run_tasks(tasks, concurrency=1)
    assert time.monotonic() - start < 1.0
    assert tasks[0].timed_out and all(t.ok for t in tasks[1:])
    release.set()


def test_stop_leaves_the_rest_unstarted() -> None:
    stop = threading.Event()
    release = threading.Event()

    def first() -> bool:
        stop.set()
        return release.wait(30)

    tasks = [
        Task(("first",), first, 10.0),
        Task(("second",), lambda: 1, 10.0),
    ]
    start = time.monotonic()
    run_tasks(tasks, concurrency=1, stop=stop)
    assert time.monotonic() - start < 2.0
    assert tasks[1].started is None
    release.set()


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(ValueError):
        run_tasks([], concurrency=0)
