"""``qobserve gate``: exit 0 while an SLO has more than a share of its error budget left.

Example (CI, before a hardware sweep)::

    qobserve gate --slo job-success-qpu --min-budget 0.1 --prometheus http://prometheus:9090
    # job-success-qpu: error budget left 4.2% (threshold 10.0%): budget too low
    #   ...
    #   policy: Under 10 % of budget left, hardware sweeps wait.

Exit 0: more than ``--min-budget`` of the budget is left (or the period had no events); 1: it
is not (the figures and the SLO's policy are printed); 2: bad input (unknown SLO, an
unreachable source, an SLI the store cannot compute).
"""

from __future__ import annotations

import argparse

from qobserve.cli.report import prometheus_auth
from qobserve.cli.validate import CATALOG_HELP
from qobserve.promapi import check_url
from qobserve.slo import default_catalog


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--slo", required=True, metavar="NAME", help="the SLO to check")
    parser.add_argument(
        "--min-budget",
        type=float,
        default=0.1,
        metavar="RATIO",
        help="share of the error budget that must be left, 0 to 1 (default 0.1)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--prometheus", metavar="URL", help="read the SLI from this Prometheus")
    source.add_argument(
        "--store",
        metavar="PATH",
        help="read the job events of this store (default $QOBSERVE_STORE or .qobserve/events.db)",
    )
    parser.add_argument(
        "--slo-dir",
        metavar="DIR",
        default=default_catalog(),
        help=f"folder (or file) of SLO specifications {CATALOG_HELP}",
    )
    auth = parser.add_argument_group("reaching a protected Prometheus")
    auth.add_argument("--prometheus-user", metavar="NAME", help="basic auth user")
    auth.add_argument("--prometheus-password-file", metavar="FILE",
                      help="file holding the basic auth password")  # fmt: skip
    token = auth.add_mutually_exclusive_group()
    token.add_argument("--bearer-token-file", metavar="FILE", help="file holding a bearer token")
    token.add_argument("--bearer-token-env", metavar="VAR", help="variable holding a bearer token")
    auth.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                      help="extra request header (repeatable)")  # fmt: skip
    auth.add_argument("--ca-file", metavar="FILE", help="CA certificate(s) for an https URL")
    auth.add_argument("--insecure-skip-verify", action="store_true",
                      help="do not verify the server's TLS certificate")  # fmt: skip


def run(args: argparse.Namespace) -> int:
    from qobserve.report.gate import error_budget_status

    url = check_url(args.prometheus, "--prometheus") if args.prometheus is not None else None
    status = error_budget_status(
        args.slo,
        min_budget=args.min_budget,
        slos=args.slo_dir,
        store=args.store,
        prometheus=url,
        auth=prometheus_auth(args) if url is not None else None,
    )
    print("\n".join(status.lines()))
    return 0 if status.ok else 1
