"""``qobserve generate``: write alert_rules/, dashboards/ and exporters/ from slo/.

Example::

    qobserve generate                 # from ./slo into ./
    qobserve generate --check         # exit 1 when a generated file is out of date
"""

from __future__ import annotations

import argparse
import sys

from qobserve.cli.validate import CATALOG_HELP
from qobserve.slo import default_catalog


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``qobserve generate``."""
    parser.add_argument(
        "--slo-dir",
        default=default_catalog(),
        metavar="DIR",
        help=f"folder of SLO specifications {CATALOG_HELP}",
    )
    parser.add_argument(
        "--out", default=".", metavar="DIR", help="project root to write into (default: .)"
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 when a file differs from a fresh generation",
    )


def run(args: argparse.Namespace) -> int:
    """Generate (or check) every output; returns the exit code."""
    from qobserve.cli.validate import load_specs, print_errors
    from qobserve.exceptions import InputError
    from qobserve.generate import generated_files, stale_files, write_files

    try:
        slos = load_specs("generate", [args.slo_dir], "30d")
    except InputError as err:
        # nothing is written or removed: a broken or empty catalog never deletes working rules
        return print_errors("generate", err)
    files = generated_files(slos)
    if args.check:
        stale = stale_files(args.out, files)
        for path in stale:
            print(f"{path}: differs from a fresh generation", file=sys.stderr)
        if stale:
            print("run `qobserve generate` to update", file=sys.stderr)
        return 1 if stale else 0
    touched = write_files(args.out, files)
    print(f"{len(files)} files generated from {args.slo_dir}/, {len(touched)} changed")
    for path in touched:
        print(f"  {path}")
    return 0
