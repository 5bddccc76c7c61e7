"""Jobs submitted from worker threads keep the experiment run that handed the work over."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import qobserve
from qobserve.instrument import QiskitInstrumentor
from qobserve.testing import Capture, capture


def _experiments(cap: Capture) -> list[tuple[str, int]]:
    return sorted((e["experiment"], e["duplicate"]) for e in cap.job_events())


def _job(aer: Any, bell: Any, shots: int) -> bool:
    return bool(aer.run(bell, shots=shots).result().success)


def test_executor_map(cap: Capture, aer: Any, bell: Any) -> None:
    @qobserve.experiment("sweep")
    def sweep() -> list[bool]:
        with ThreadPoolExecutor(max_workers=2) as pool:
            return list(pool.map(lambda shots: _job(aer, bell, shots), (10, 20, 30, 40)))

    assert all(sweep())
    assert _experiments(cap) == [("sweep", 0)] * 4
    [run] = cap.experiment_runs()
    assert {e["run_id"] for e in cap.job_events()} == {run["run_id"]}


def test_a_pool_worker_does_not_keep_an_earlier_run(cap: Capture, aer: Any, bell: Any) -> None:
    with ThreadPoolExecutor(max_workers=1) as pool:
        qobserve.experiment("first")(lambda: pool.submit(_job, aer, bell, 10).result())()
        pool.submit(_job, aer, bell, 20).result()  # outside any run, same worker thread
    assert _experiments(cap) == [("__none__", 0), ("first", 0)]


def test_run_in_executor(cap: Capture, aer: Any, bell: Any) -> None:
    @qobserve.experiment("async-sweep")
    async def sweep() -> list[bool]:
        loop = asyncio.get_running_loop()
        return list(await asyncio.gather(
            *(loop.run_in_executor(None, _job, aer, bell, s) for s in (10, 20))
        ))  # fmt: skip

    assert all(asyncio.run(sweep()))
    assert _experiments(cap) == [("async-sweep", 0)] * 2


def test_thread_started_in_a_run(cap: Capture, aer: Any, bell: Any) -> None:
    @qobserve.experiment("threaded")
    def threaded() -> None:
        worker = threading.Thread(target=_job, args=(aer, bell, 10))
        worker.start()
        worker.join()
        assert "run" not in vars(worker)  # the thread object is left as it was made

    threaded()
    assert _experiments(cap) == [("threaded", 0)]


def test_opt_out(aer: Any, bell: Any) -> None:
    instrumentor = QiskitInstrumentor()
    instrumentor.instrument(propagate_context=False)
    try:
        with capture() as cap:

            @qobserve.experiment("sweep")
            def sweep() -> None:
                with ThreadPoolExecutor(max_workers=1) as pool:
                    pool.submit(_job, aer, bell, 10).result()

            sweep()
    finally:
        instrumentor.uninstrument()
    assert _experiments(cap) == [("__none__", 0)]
