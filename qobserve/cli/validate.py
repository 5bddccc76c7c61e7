"""``qobserve validate``: check SLO specification files and list every mistake.

Example::

    qobserve validate                 # the catalog in slo/
    qobserve validate slo team-slos/checkout.yaml sloth/
    # qobserve validate: error: slo/jobs.yaml: job-success-qpu: slos[1].objective: must be ...

A catalog folder's ``budgets.yaml`` (or a budgets file named on the command line) is
validated too. Exit 0 when every spec is usable (warnings go to stderr), 2 when any is not.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from qobserve.budgets.loader import is_budgets_file
from qobserve.exceptions import InputError, InputErrors
from qobserve.slo import default_catalog
from qobserve.slo.model import SLO

if TYPE_CHECKING:
    from qobserve.budgets.model import Budgets

EXIT_OK, EXIT_USAGE = 0, 2
#: how every command taking SLO specs documents its default
CATALOG_HELP = "(default: ./slo, else the catalog shipped with qobserve)"


def add_paths(parser: argparse.ArgumentParser) -> None:
    """The arguments every command reading SLO specs takes."""
    parser.add_argument(
        "paths",
        nargs="*",
        default=[default_catalog()],
        metavar="PATH",
        help=f"SLO spec files or folders of *.yaml/*.yml {CATALOG_HELP}",
    )
    parser.add_argument("--sloth-period", default="30d", metavar="DURATION",
                        help="period of Sloth prometheus/v1 SLOs, whose specs have none "
                             "(default: 30d, as Sloth's --default-slo-period)")  # fmt: skip


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qobserve validate``."""
    add_paths(parser)
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print nothing when everything is fine"
    )
    parser.add_argument(
        "--prometheus",
        metavar="URL",
        default=None,
        help="also warn when this Prometheus keeps data for less than an SLO's period",
    )


def load_specs(command: str, paths: Sequence[str], sloth_period: str) -> list[SLO]:
    """Load ``paths``, printing warnings as ``qobserve COMMAND: warning: ...`` on stderr.

    Raises :class:`InputErrors` (the CLI prints each error and exits 2), also when the paths
    hold no SLO at all: no command ever generates from an empty catalog.
    """
    from qobserve.rules.alerts import alert_warnings
    from qobserve.slo import load
    from qobserve.slo.promql import parse_duration

    try:
        period = parse_duration(sloth_period)
    except ValueError as err:
        raise InputError(str(err), field="--sloth-period") from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        slos = load(paths, sloth_period=timedelta(seconds=period.total_seconds()))
    if not slos:
        raise InputError("no SLO found", path=", ".join(str(p) for p in paths))
    notes = [str(w.message) for w in caught]
    notes += [note for slo in slos for note in alert_warnings(slo)]
    for note in notes:
        print(f"qobserve {command}: warning: {note}", file=sys.stderr)
    return slos


def print_errors(command: str, err: InputError) -> int:
    """Print each error of ``err`` on its own line; returns the usage exit code."""
    for one in err.errors if isinstance(err, InputErrors) else [err]:
        print(f"qobserve {command}: error: {one}", file=sys.stderr)
    return EXIT_USAGE


def load_budget_files(paths: Sequence[str]) -> list[Budgets]:
    """The ``budgets.yaml`` files among ``paths`` (or in their folders), loaded; raises
    :class:`InputErrors` with the problems of all of them."""
    from qobserve.budgets.loader import budgets_file, load_budgets

    found = [budgets_file(p) for p in paths if Path(p).is_dir() or is_budgets_file(p)]
    loaded, errors = [], []
    for path in dict.fromkeys(f for f in found if f is not None):
        try:
            loaded.append(load_budgets(path))
        except InputError as err:
            errors.extend(err.errors if isinstance(err, InputErrors) else [err])
    if errors:
        raise InputErrors(errors)
    return loaded


def run(args: argparse.Namespace) -> int:
    """Validate the specs (and the catalog's budgets); returns the exit code."""
    try:
        budgets = load_budget_files(args.paths)
    except InputError as err:
        print_errors("validate", err)
        budgets = None
    slo_paths = [p for p in args.paths if not is_budgets_file(p)]
    try:
        slos = load_specs("validate", slo_paths, args.sloth_period) if slo_paths else []
    except InputError as err:
        return print_errors("validate", err)
    if budgets is None:
        return EXIT_USAGE
    if args.prometheus is not None:
        from qobserve.promapi import PrometheusAPI, PrometheusError, check_url
        from qobserve.redact import redact
        from qobserve.retention import retention_warnings

        try:
            url = check_url(args.prometheus, "--prometheus")
            notes = retention_warnings(PrometheusAPI(url, timeout=10), slos)
        except PrometheusError as err:
            text = redact(str(err))
            return print_errors("validate", InputError(f"cannot read its flags: {text}",
                                                       field="--prometheus"))  # fmt: skip
        for note in notes:
            print(f"qobserve validate: warning: {note}", file=sys.stderr)
    if not args.quiet:
        width = max((len(s.name) for s in slos), default=0)
        for s in slos:
            alerts = [
                a
                for a, spec in (("page", s.page_alert), ("ticket", s.ticket_alert))
                if spec is None or not spec.disabled
            ]
            print(
                f"{s.name:<{width}}  {s.format:<13} {s.sli.kind:<13} "
                f"{s.objective * 100:g}% over {s.period_str:<4} alerts: "
                f"{','.join(alerts) or 'none'}  ({s.source})"
            )
        files = len({s.source for s in slos})
        if slos:
            print(f"ok: {len(slos)} SLOs in {files} file{'s' if files > 1 else ''}")
        for b in budgets:
            print(f"ok: {len(b.budgets)} budgets in {b.source}")
    return EXIT_OK
