"""``qobserve init``: start a project from the catalog shipped with qobserve.

Example::

    qobserve init observability       # slo/, prices.yaml, README.md, generated configs
    qobserve init --force             # into ., overwriting files a previous init wrote
"""

from __future__ import annotations

import argparse


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Arguments of ``qobserve init``."""
    parser.add_argument(
        "dir", nargs="?", default=".", metavar="DIR", help="project folder (default: .)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite files that already exist")


def run(args: argparse.Namespace) -> int:
    """Write the starter project; exit 2 (nothing written) when a file exists without --force."""
    from qobserve.project import write_starter

    written = write_starter(args.dir, force=args.force)
    print(f"{len(written)} files written to {args.dir}/:")
    for top in sorted({p.relative_to(args.dir).parts[0] for p in written}):
        print(f"  {top}")
    print(f"next: cd {args.dir} && qobserve validate && qobserve generate --check")
    return 0
