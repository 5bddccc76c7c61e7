"""``qobserve generate``: write alert_rules/, dashboards/ and exporters/ from slo/.

Example::

    qobserve generate                 # from ./slo into ./
    qobserve generate --check         # exit 1 when a generated file is out of date
    qobserve generate --global-aggregation   # also the global level, summed over cluster
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys

from qobserve.cli.validate import CATALOG_HELP
from qobserve.generate import GenerateOptions
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
    parser.add_argument(
        "--exporter-target",
        metavar="HOST:PORT",
        help="where Prometheus scrapes the exporter (default: 127.0.0.1:9464)",
    )
    parser.add_argument(
        "--app-target",
        action="append",
        dest="app_targets",
        metavar="HOST:PORT",
        help="an instrumented process Prometheus scrapes; repeatable (default: 127.0.0.1:9465)",
    )
    parser.add_argument(
        "--grafana-url",
        metavar="URL",
        help="Grafana base URL of the alerts' dashboard links (default: http://localhost:3000)",
    )
    parser.add_argument("--runbook-url", metavar="URL",
                        help="runbook base URL: SLOs without runbook_url link to URL#<slo>, "
                             "relative ones resolve against an absolute URL "
                             "(default: docs/alerting.md)")  # fmt: skip
    parser.add_argument(
        "--global-aggregation",
        nargs="?",
        const="cluster",
        default=None,
        type=_label,
        metavar="LABEL",
        help="also write alert_rules/global/slo-global.rules.yml for a Thanos/Mimir ruler: "
        "every SLI summed over LABEL (default: cluster)",
    )


def _label(text: str) -> str:
    if not re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", text) or text.startswith("__"):
        raise argparse.ArgumentTypeError(f"{text!r} is not a label name")
    return text


def run(args: argparse.Namespace) -> int:
    """Generate (or check) every output; returns the exit code."""
    from qobserve.generate import generated_files, stale_files, write_files
    from qobserve.slo import load

    options = GenerateOptions(
        exporter_target=args.exporter_target,
        app_targets=tuple(args.app_targets) if args.app_targets else None,
        grafana_url=args.grafana_url,
        runbook_url=args.runbook_url,
        global_aggregation=args.global_aggregation,
    )
    files = generated_files(load([args.slo_dir]), options)
    if args.check:
        stale = stale_files(args.out, files)
        for path in stale:
            print(f"{path}: differs from a fresh generation", file=sys.stderr)
        if stale:
            print(f"run `{_command(args, options)}` to update", file=sys.stderr)
        return 1 if stale else 0
    touched = write_files(args.out, files)
    print(f"{len(files)} files generated from {args.slo_dir}/, {len(touched)} changed")
    for path in touched:
        print(f"  {path}")
    return 0


def _command(args: argparse.Namespace, options: GenerateOptions) -> str:
    """The ``qobserve generate`` command with the flags this run was given (defaults left out)."""
    parts = ["qobserve generate"]
    if args.slo_dir != default_catalog():
        parts.append(f"--slo-dir {shlex.quote(str(args.slo_dir))}")
    if args.out != ".":
        parts.append(f"--out {shlex.quote(str(args.out))}")
    for flag, value in options.given("exporter_target", "grafana_url", "runbook_url").items():
        parts.append(f"--{flag.replace('_', '-')} {shlex.quote(value)}")
    parts.extend(f"--app-target {shlex.quote(t)}" for t in options.app_targets or ())
    return " ".join(parts)
