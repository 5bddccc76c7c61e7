"""``qobserve demo``: an instrumented workload, generated rules and dashboards, and the report.

Example::

    qobserve demo                     # into ./demo-output, no servers needed
    qobserve demo --live              # also Prometheus, Alertmanager, Pushgateway, exporter
"""

from __future__ import annotations

import argparse
from pathlib import Path

from qobserve.cli.validate import CATALOG_HELP
from qobserve.slo import default_catalog


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``qobserve demo``."""
    parser.add_argument(
        "--out",
        default="demo-output",
        metavar="DIR",
        help="folder for everything the demo writes (default: demo-output)",
    )
    parser.add_argument(
        "--slo-dir",
        default=default_catalog(),
        metavar="DIR",
        help=f"SLO catalog to generate from {CATALOG_HELP}",
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="also start Prometheus, Alertmanager, the Pushgateway and the "
        "exporter on 127.0.0.1 and show a page alert arriving",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=300,
        metavar="SECONDS",
        help="--live: how long to wait for the page alert (default: 300)",
    )


def run(args: argparse.Namespace) -> int:
    """Run the demo; 0 when every step behaved as expected."""
    from qobserve.demo.run import print_summary, run_demo

    if args.live:
        from qobserve.demo.live import run_live

        return run_live(Path(args.out), Path(args.slo_dir), timeout=args.timeout)
    summary = run_demo(Path(args.out), Path(args.slo_dir))
    print_summary(summary)
    return 1 if summary.failures else 0
