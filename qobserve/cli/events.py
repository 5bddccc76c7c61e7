"""``qobserve events``: work with the embedded job event store.

Example::

    qobserve events export --format parquet -o events.parquet
    qobserve events export --what runs --since 2026-11-16 > runs.csv
    qobserve events reconcile --since 2026-11-20
    qobserve events export --since 7d --until 2026-11-23T09:00+01:00
"""

from __future__ import annotations

import argparse
import sys

from qobserve.config import DEFAULT_STORE
from qobserve.store.export import FORMATS, TABLES, export_events


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``qobserve events``."""
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    export = sub.add_parser("export", help="write job events (or runs) as CSV or Parquet")
    export.add_argument("--store", default=DEFAULT_STORE, help=f"store path ({DEFAULT_STORE})")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument(
        "--what",
        choices=sorted(TABLES),
        default="jobs",
        help="job events (default) or experiment runs",
    )
    export.add_argument("-o", "--output", help="output file (CSV: stdout when omitted)")
    export.add_argument(
        "--since",
        metavar="WHEN",
        help="only rows finished at or after WHEN: an ISO 8601 date or date-time (UTC unless "
        "it has an offset) or a time ago such as 7d, 12h",
    )
    export.add_argument(
        "--until", metavar="WHEN", help="only rows finished before WHEN (same forms)"
    )
    reconcile = sub.add_parser(
        "reconcile", help="record the outcome of jobs that outlived their process"
    )
    reconcile.add_argument("--store", default=DEFAULT_STORE, help=f"store path ({DEFAULT_STORE})")
    reconcile.add_argument("--since", help="only jobs submitted at or after (ISO 8601, UTC)")
    reconcile.add_argument("--price-model", help="price model file for the jobs' cost")


def run(args: argparse.Namespace) -> int:
    """Run ``qobserve events ACTION``."""
    if args.action == "reconcile":
        from qobserve.instrument.reconcile import reconcile

        done = reconcile(args.store, since=args.since, price_model=args.price_model)
        print(
            f"completed {done.completed}, failed {done.failed}, cancelled {done.cancelled}, "
            f"still unfinished {done.unfinished}, lookup failed {len(done.failures)}"
        )
        for job_id, backend, error in done.failures:
            print(
                f"qobserve events: warning: job {job_id} on {backend} not looked up, left "
                f"unfinished: {error}",
                file=sys.stderr,
            )
        return 1 if done.failures else 0  # the others are reconciled; run it again later
    n = export_events(
        args.store, args.output, fmt=args.format, what=args.what, since=args.since, until=args.until
    )
    if args.output:
        print(f"wrote {n} rows to {args.output}", file=sys.stderr)
    return 0
