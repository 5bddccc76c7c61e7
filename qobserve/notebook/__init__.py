"""qobserve in Jupyter: job events as a DataFrame, rich display, a live job view.

Needs the ``notebook`` extra (IPython, and pandas for :func:`jobs`); nothing here is imported by
``import qobserve``. Typical use::

    import qobserve
    qobserve.jobs(experiment="vqe-h2", since="7d")    # a pandas DataFrame
    qobserve.report("2026-W47")                       # the weekly report, inline
    with qobserve.live_jobs():                        # jobs in flight while the block runs
        ...

    %load_ext qobserve.notebook                       # the live view around every cell
"""

from __future__ import annotations

from typing import Any

from qobserve.notebook.frame import jobs
from qobserve.notebook.live import CellWatcher, LiveJobs, live_jobs

__all__ = ["LiveJobs", "jobs", "live_jobs", "load_ipython_extension", "unload_ipython_extension"]

_WATCHER = "_qobserve_live_jobs"


def load_ipython_extension(shell: Any) -> None:
    """``%load_ext qobserve.notebook``: a live job view in every cell that submits jobs."""
    if getattr(shell, _WATCHER, None) is not None:
        return
    watcher = CellWatcher(shell)
    shell.events.register("pre_run_cell", watcher.pre_run_cell)
    shell.events.register("post_run_cell", watcher.post_run_cell)
    setattr(shell, _WATCHER, watcher)  # the shell owns it: no module state


def unload_ipython_extension(shell: Any) -> None:
    watcher = getattr(shell, _WATCHER, None)
    if watcher is None:
        return
    shell.events.unregister("pre_run_cell", watcher.pre_run_cell)
    shell.events.unregister("post_run_cell", watcher.post_run_cell)
    watcher.post_run_cell(None)
    setattr(shell, _WATCHER, None)
