"""``qobserve report``: write the weekly SLO report.

Example::

    qobserve report --week 2026-W47 --tz Europe/Zurich --source events jobs.parquet \\
        --format md,html --out reports/
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from qobserve.cli.validate import CATALOG_HELP
from qobserve.exceptions import InputError
from qobserve.slo import default_catalog
from qobserve.slo.model import SLO


def add_arguments(parser: argparse.ArgumentParser) -> None:
    when = parser.add_mutually_exclusive_group()
    when.add_argument(
        "--week",
        metavar="YYYY-Www",
        help="ISO week to report on, e.g. 2026-W47 (default: the last full week)",
    )
    when.add_argument(
        "--from",
        dest="start",
        metavar="DATE",
        help="start of a custom range (ISO date = local midnight, or date-time)",
    )
    parser.add_argument(
        "--to", dest="end", metavar="DATE", help="end of a custom range, exclusive (with --from)"
    )
    parser.add_argument(
        "--source",
        nargs="+",
        default=["store"],
        metavar=("KIND", "ARG"),
        help="store (default), 'events FILE' (CSV or Parquet) or 'prometheus URL'",
    )
    parser.add_argument(
        "--store",
        metavar="PATH",
        default=None,
        help="event store to read with --source store "
        "(default $QOBSERVE_STORE or .qobserve/events.db)",
    )
    parser.add_argument(
        "--slo-dir",
        metavar="DIR",
        default=default_catalog(),
        help=f"folder (or file) of SLO specifications {CATALOG_HELP}",
    )
    parser.add_argument(
        "--slo",
        action="append",
        metavar="NAME",
        default=[],
        help="report only this SLO (repeatable)",
    )
    parser.add_argument(
        "--format",
        default="md,html,json,csv",
        metavar="LIST",
        help="comma-separated formats: md, html, json, csv, pdf (default md,html,json,csv; "
        "pdf needs Chromium)",
    )
    parser.add_argument(
        "--out", default="reports", metavar="DIR", help="output folder (default reports/)"
    )
    parser.add_argument(
        "--tz",
        default="UTC",
        metavar="ZONE",
        help="IANA time zone in which weeks and days begin (default UTC)",
    )


def load_slos(path: str) -> list[SLO]:
    """The SLO specifications under ``path`` (the SLO package's loader)."""
    from qobserve.slo import load

    if not Path(path).exists():
        raise InputError("no such SLO folder or file", path=path, field="--slo-dir")
    return load([path])


def select_slos(slos: Sequence[SLO], names: Sequence[str], where: str) -> list[SLO]:
    """``slos`` restricted to ``names`` (all when empty); an unknown name is an error."""
    if not names:
        return list(slos)
    known = {s.name: s for s in slos}
    for name in names:
        if name not in known:
            raise InputError(
                f"unknown SLO {name!r}; known: {', '.join(sorted(known))}",
                path=where,
                field="--slo",
            )
    return [known[n] for n in dict.fromkeys(names)]


def parse_source(values: Sequence[str], store: str | None) -> tuple[str, str | None]:
    """``--source`` tokens -> (kind, path or URL)."""
    kind, *rest = values
    if kind == "store" and not rest:
        return kind, store
    if kind in ("events", "prometheus") and len(rest) == 1:
        return kind, rest[0]
    raise InputError(
        f"expected 'store', 'events FILE' or 'prometheus URL', got {' '.join(values)!r}",
        field="--source",
    )


def run(args: argparse.Namespace) -> int:
    from qobserve.report import FORMATS, build_report, write_report
    from qobserve.report.period import Window

    window = Window.choose(args.week, args.start, args.end, args.tz)
    kind, path = parse_source(args.source, args.store)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(
            f"unknown format {(unknown or [''])[0]!r}; use any of {','.join(FORMATS)}",
            field="--format",
        )
    slos = select_slos(load_slos(args.slo_dir), args.slo, args.slo_dir)
    report = build_report(slos, window, source=kind, path=path)
    for target in write_report(report, args.out, formats):
        print(target)
    return 0
