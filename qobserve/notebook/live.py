"""A live view of the jobs a notebook cell runs: in flight while the cell runs, then a final
table of what they became.

Rows show the backend, the status (a local job's executor state, or the status the SDK last
fetched for a remote one: the view itself never calls the provider), elapsed queue and
execution time, and the cost so far (the price model's per-QPU-second price times the
execution time; the recorded cost once the job is done). With ipywidgets the view is an HTML
widget; without, an HTML output updated in place. One polling thread per cell, joined when
the cell ends: no thread outlives its cell.

Example::

    with qobserve.live_jobs():
        job = sampler.run([isa_circuit]); job.result()

    %load_ext qobserve.notebook      # or: the view in every cell that submits jobs
"""

from __future__ import annotations

import threading
import time
from html import escape
from types import TracebackType
from typing import Any

from qobserve.notebook.display import table_html
from qobserve.telemetry import Telemetry, get_telemetry

#: seconds between refreshes of the view while the cell runs
INTERVAL = 0.5
_COLUMNS = ["job", "backend", "status", "queued", "running", "cost so far"]
_FORMATS = ["text", "text", "text", "s", "s", "usd"]
_FINAL_COLUMNS = ["job", "backend", "outcome", "error type", "queued", "running", "total",
                  "cost"]  # fmt: skip
_FINAL_FORMATS = ["text", "text", "text", "text", "s", "s", "s", "usd"]


def _status(tracked: Any) -> str:
    future = tracked.future
    if future is not None:
        return "RUNNING" if future.running() else "QUEUED"
    # RuntimeJobV2 keeps the last status it fetched; reading it makes no request
    status = getattr(tracked.job, "_status", None)
    return str(getattr(status, "name", status) or "SUBMITTED")


class LiveJobs:
    """The live job view of one cell; a context manager (see the module docstring).

    ``widget`` picks ipywidgets (True), in-place HTML (False) or ipywidgets when importable
    (None). :meth:`refresh` redraws at once; the thread does so every ``interval`` seconds.
    """

    def __init__(
        self,
        *,
        widget: bool | None = None,
        interval: float = INTERVAL,
        telemetry: Telemetry | None = None,
    ) -> None:
        self.interval = interval
        self.telemetry = telemetry or get_telemetry()
        self.widget = _has_ipywidgets() if widget is None else widget
        self.started = 0.0
        self.seen: dict[int, Any] = {}
        self._running_since: dict[int, float] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._output: Any = None

    # -- lifetime ------------------------------------------------------------------------------
    def start(self) -> LiveJobs:
        """Start watching (the cell begins)."""
        self.started = time.time()
        self._stop.clear()
        self._thread = threading.Thread(target=self._poll, name="qobserve-live-jobs", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the thread and leave the final table (the cell ends)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=max(5.0, 2 * self.interval))
            self._thread = None
        final = self._final_html()
        with self._lock:
            if self.widget and self._output is not None:
                self._output.close()  # the widget goes; a plain table stays in the notebook
                self._output = None
            if final is None:
                return
            if self._output is None:
                self._output = _display(final)
            else:
                self._output.update(_html(final))

    def __enter__(self) -> LiveJobs:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- drawing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Redraw the in-flight table now (shown from the first job in flight on)."""
        now = time.time()
        rows = []
        jobs = self.telemetry.instrumentation.in_flight()
        for tracked in sorted(jobs, key=lambda t: t.submitted_at):
            self.seen[id(tracked)] = tracked
            rows.append(self._row(tracked, now))
        if rows or self._output is not None:
            title = f"<p><b>qobserve</b>: {len(rows)} jobs in flight</p>"
            self._show(title + table_html(rows, _COLUMNS, _FORMATS))

    def _row(self, tracked: Any, now: float) -> list[object]:
        status = _status(tracked)
        started = tracked.started_at
        if started is None and status == "RUNNING":
            # a remote job's start is known from server metrics only, after the end: use the
            # first refresh that saw it running
            started = self._running_since.setdefault(id(tracked), now)
        queued = (started or now) - tracked.submitted_at
        running = now - started if started is not None else None
        tel = self.telemetry
        model = tel.instrumentation.price_model(
            tel.config.price_model, lambda exc: tel.internal_error("prices", exc)
        )
        price = model.price(tracked.backend)
        cost = price.per_qpu_second * running if running is not None else 0.0
        return [tracked.job_id or "—", tracked.backend, status, queued, running, cost]

    def _final_html(self) -> str | None:
        """The jobs submitted since :meth:`start` as recorded, or None when there were none."""
        # remote jobs are recorded off-thread, after one metrics() call
        self.telemetry.instrumentation.finisher.flush(10.0)
        store = self.telemetry.store
        if store is None:
            if not self.seen:
                return None
            rows = [[t.job_id, t.backend, "recorded" if t.done else "unfinished"]
                    for t in self.seen.values()]  # fmt: skip
            return table_html(rows, ["job", "backend", "state"])
        store.flush(10.0)
        from qobserve.events import iso

        found = store.query(
            "SELECT job_id, backend, outcome, error_type, queue_seconds, execution_seconds, "
            "duration_seconds, cost_usd FROM job_events WHERE submitted_at >= ? "
            "ORDER BY submitted_at",
            (iso(self.started),),
        )
        if not found:
            return None
        cost = sum(r[7] or 0.0 for r in found)
        title = (
            f"<p><b>qobserve</b>: {len(found)} jobs in this cell · {escape(f'${cost:,.2f}')} </p>"
        )
        return title + table_html([list(r) for r in found], _FINAL_COLUMNS, _FINAL_FORMATS)

    def _show(self, html: str) -> None:
        with self._lock:
            if self._output is None:
                self._output = self._open(html)
            elif self.widget:
                self._output.value = html
            else:
                self._output.update(_html(html))

    def _open(self, html: str) -> Any:
        if self.widget:
            import ipywidgets

            view = ipywidgets.HTML(value=html)
            _ipython().display(view)
            return view
        return _display(html)

    def _poll(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.refresh()
            except Exception as exc:  # the view must never break the cell
                self.telemetry.internal_error("notebook", exc)


def _ipython() -> Any:
    """``IPython.display`` (untyped: its functions are called through ``Any``)."""
    import IPython.display

    return IPython.display


def _display(text: str) -> Any:
    """Show ``text`` as HTML; the handle updates it in place."""
    return _ipython().display(_html(text), display_id=True)


def _html(text: str) -> Any:
    return _ipython().HTML(text)


def _has_ipywidgets() -> bool:
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return False
    return True


def live_jobs(*, widget: bool | None = None, interval: float = INTERVAL) -> LiveJobs:
    """The live job view for the code in a ``with`` block (see :class:`LiveJobs`)."""
    return LiveJobs(widget=widget, interval=interval)


class CellWatcher:
    """Runs a :class:`LiveJobs` around every cell of an IPython shell (``%load_ext``)."""

    def __init__(self, shell: Any) -> None:
        self.shell = shell
        self.view: LiveJobs | None = None

    def pre_run_cell(self, info: Any) -> None:
        self.view = LiveJobs().start()

    def post_run_cell(self, result: Any) -> None:
        if self.view is not None:
            self.view.stop()
            self.view = None
