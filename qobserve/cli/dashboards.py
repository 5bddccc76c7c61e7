"""``qobserve dashboards``: write the Grafana dashboards for an SLO catalog.

Example::

    qobserve dashboards --slo-dir slo --out dashboards
    qobserve dashboards --check                      # exit 1 when dashboards/ is stale
    qobserve dashboards --prometheus http://127.0.0.1:9090   # run every query once
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from qobserve.cli import require_positive
from qobserve.cli.validate import CATALOG_HELP
from qobserve.slo import default_catalog


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qobserve dashboards``."""
    parser.add_argument(
        "--slo-dir",
        default=default_catalog(),
        metavar="DIR",
        help=f"folder of SLO specifications {CATALOG_HELP}",
    )
    parser.add_argument(
        "--out",
        default="dashboards",
        metavar="DIR",
        help="folder to write the dashboard JSON to (default: dashboards)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when the files in --out differ from a fresh generation",
    )
    parser.add_argument(
        "--prometheus",
        metavar="URL",
        help="run every dashboard query against this Prometheus and report "
        "errors (exit 1) and queries without data",
    )
    parser.add_argument("--scrape-interval", type=float, default=15.0, metavar="SECONDS",
                        help="the data source's scrape interval, for $__rate_interval "
                             "(default: 15)")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    """Generate (or check) the dashboards; returns the exit code."""
    from qobserve.dashboards import dashboard_files
    from qobserve.generate import stale_files, write_files
    from qobserve.promapi import check_url
    from qobserve.slo import load

    require_positive(args.scrape_interval, "--scrape-interval", "seconds")
    if args.prometheus:
        check_url(args.prometheus, "--prometheus")
    files = dashboard_files(load([args.slo_dir]))
    out = Path(args.out)
    if args.check:
        stale = stale_files(out, files)
        for path in stale:
            print(f"{path}: differs from a fresh generation", file=sys.stderr)
        if stale:
            print("run `qobserve dashboards` to update", file=sys.stderr)
            return 1
    else:
        write_files(out, files)
        for name in files:
            print(out / name)
    if args.prometheus:
        return _check_queries(files, args.prometheus, args.scrape_interval)
    return 0


def _check_queries(files: dict[str, str], url: str, scrape_interval: float) -> int:
    from qobserve.dashboards.check import Context, check_dashboard, parse_duration
    from qobserve.promapi import PrometheusAPI

    api, failed = PrometheusAPI(url), 0
    if not api.ready():
        print(f"qobserve dashboards: error: {url} is not a ready Prometheus", file=sys.stderr)
        return 1
    for name, text in files.items():
        board = json.loads(text)
        ctx = Context(range_seconds=parse_duration(board["time"]["from"]),
                      scrape_interval=scrape_interval)  # fmt: skip
        results = check_dashboard(board, api, ctx)
        for r in results:
            if r.error:
                failed += 1
                print(f"{name}: {r.where}: error: {r.error}\n    {r.expr}")
            elif not r.series:
                print(f"{name}: {r.where}: no data")
        print(f"{name}: {len(results)} queries, "
              f"{sum(1 for r in results if r.series)} with data")  # fmt: skip
    return 1 if failed else 0
