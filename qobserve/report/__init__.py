"""The weekly SLO report: from the event store, an events file or Prometheus, to Markdown,
HTML, JSON and CSV.

Needs the ``report`` extra (pandas, pyarrow). Typical use::

    from qobserve.report import build_report, write_report
    from qobserve.report.period import Window

    report = build_report(slos, Window.iso_week("2026-W47", "Europe/Zurich"),
                          source="events", path="jobs.parquet")
    write_report(report, "reports/")   # slo-report-2026-W47.{md,html,json,csv}
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from qobserve.exceptions import InputError
from qobserve.promapi import PrometheusAuth
from qobserve.report.model import Report
from qobserve.report.period import Window
from qobserve.slo.model import SLO

#: every output format; ``pdf`` needs Chromium, so it is not among the defaults
FORMATS: tuple[str, ...] = ("md", "html", "json", "csv", "pdf")
DEFAULT_FORMATS: tuple[str, ...] = ("md", "html", "json", "csv")
SOURCES: tuple[str, ...] = ("store", "events", "prometheus")


def build_report(
    slos: Sequence[SLO],
    window: Window,
    *,
    source: str = "store",
    path: str | Path | Sequence[str | Path | None] | None = None,
    now: datetime | None = None,
    auth: PrometheusAuth | None = None,
) -> Report:
    """Compute the report for ``window``.

    ``source`` is ``store`` (``path``: the store, an SQLite file or a ``postgresql://`` URL,
    default ``$QOBSERVE_STORE_URL``, ``$QOBSERVE_STORE`` or ``.qobserve/events.db``),
    ``events`` (``path``: a CSV or Parquet file) or ``prometheus`` (``path``: its URL,
    reached with ``auth``). Several stores or files (a list) are merged, each job id
    counted once.
    """
    paths = [path] if path is None or isinstance(path, str | Path) else list(path)
    if source == "prometheus":
        from qobserve.report.sources.prometheus import report_from_prometheus

        if len(paths) != 1 or not paths[0]:
            raise InputError("needs one Prometheus URL", field="--source")
        return report_from_prometheus(str(paths[0]), slos, window, now=now, auth=auth)
    from qobserve.report.build import events_range, report_from_events
    from qobserve.report.events import merge

    span = events_range(window, slos)
    ids = len(paths) > 1
    if source == "store":
        from qobserve.report.sources.store import default_store, read_store

        stores = [p or default_store() for p in paths]
        events = merge([read_store(p, window=span, ids=ids) for p in stores])
        label = f"event store{'s' * ids} {', '.join(map(str, stores))}"
    elif source == "events":
        from qobserve.report.sources.files import read_events_file

        if not all(paths):
            raise InputError("needs the events file", field="--source")
        events = merge([read_events_file(p, window=span, ids=ids) for p in paths if p])
        label = f"events file{'s' * ids} {', '.join(map(str, paths))}"
    else:
        raise InputError(
            f"unknown source {source!r}; use one of {', '.join(SOURCES)}", field="--source"
        )
    return report_from_events(events, slos, window, source=label, now=now)


def write_report(
    report: Report, out: str | Path, formats: Iterable[str] = DEFAULT_FORMATS
) -> list[Path]:
    """Write the report in each format into ``out``; returns the files written."""
    from qobserve.report.render_data import render_csv, render_daily_csv, render_json
    from qobserve.report.render_html import render_html
    from qobserve.report.render_markdown import render_markdown

    chosen = list(dict.fromkeys(formats))
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown:
        raise InputError(
            f"unknown format {unknown[0]!r}; use {','.join(FORMATS)}", field="--format"
        )
    folder = Path(out)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise InputError(
            f"cannot create the output folder: {err.strerror}", path=str(folder)
        ) from None
    renderers: dict[str, list[tuple[str, Callable[[Report], str]]]] = {
        "pdf": [],  # written below: a binary file, printed from the HTML
        "md": [(".md", render_markdown)],
        "html": [(".html", render_html)],
        "json": [(".json", render_json)],
        "csv": [(".csv", render_csv), ("-daily.csv", render_daily_csv)],
    }
    written = []
    for fmt in chosen:
        for suffix, render in renderers[fmt]:
            target = folder / f"{report.file_stem}{suffix}"
            try:
                target.write_text(render(report), encoding="utf-8")
            except OSError as err:
                raise InputError(f"cannot write: {err.strerror}", path=str(target)) from None
            written.append(target)
        if fmt == "pdf":
            from qobserve.report.render_pdf import render_pdf

            target = folder / f"{report.file_stem}.pdf"
            render_pdf(render_html(report), target.resolve())
            written.append(target)
    return written


def weekly(
    week: str | None = None,
    *,
    start: str | None = None,
    end: str | None = None,
    tz: str = "UTC",
    slos: str | os.PathLike[str] | Sequence[SLO] | None = None,
    source: str = "store",
    path: str | Path | None = None,
    now: datetime | None = None,
) -> Report:
    """The report of the ISO ``week`` (``2026-W47``; default the last full week) or of
    ``start``..``end``, for the SLOs in the folder or file ``slos`` (or given as objects;
    default ``slo/`` when there is one, else the catalog shipped with qobserve).

    With ``source="store"`` and no ``path`` it reads the store this process writes to, flushed
    first. In a notebook the returned report shows inline; it is also what
    ``qobserve.report(...)`` returns::

        qobserve.report("2026-W47", tz="Europe/Zurich")
    """
    window = Window.choose(week, start, end, tz, now)
    if slos is None:
        from qobserve.slo import default_catalog

        slos = default_catalog()
    if isinstance(slos, str | os.PathLike):
        from qobserve.slo import load

        if not Path(slos).exists():
            raise InputError("no such SLO folder or file", path=str(slos), field="slos")
        chosen = load([slos])
    else:
        chosen = list(slos)
    if source == "store" and path is None:
        from qobserve.telemetry import get_telemetry

        store = get_telemetry().store
        if store is not None:
            store.flush(30.0)
            path = store.path
    return build_report(chosen, window, source=source, path=path, now=now)


class _CallableModule(types.ModuleType):
    """``qobserve.report(...)`` is :func:`weekly`; the module stays a module for imports."""

    def __call__(self, *args: Any, **kwargs: Any) -> Report:
        return weekly(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule

__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "SOURCES",
    "Report",
    "Window",
    "build_report",
    "weekly",
    "write_report",
]
