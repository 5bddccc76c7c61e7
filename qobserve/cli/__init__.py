"""The ``qobserve`` command line.

Each subcommand lives in its own module of this package and exposes two functions::

    def add_arguments(parser: argparse.ArgumentParser) -> None: ...
    def run(args: argparse.Namespace) -> int: ...

Modules are imported only when their subcommand runs, so ``qobserve --help`` stays fast and a
subcommand's optional dependencies are needed only by that subcommand.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Callable, Sequence

from qobserve.exceptions import InputError

#: subcommand -> (module under qobserve.cli, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("init", "start a project: SLO catalog, price model and generated configs"),
    "demo": ("demo", "run an instrumented demo workload and generate every output"),
    "exporter": ("exporter", "serve backend calibration, queue and usage metrics"),
    "generate": ("generate", "write alert_rules/, dashboards/ and exporters/ from slo/"),
    "validate": ("validate", "check SLO specification files"),
    "rules": ("rules", "print or write Prometheus rules for SLO specs"),
    "dashboards": ("dashboards", "write Grafana dashboards for the SLO catalog"),
    "report": ("report", "write the weekly SLO report"),
    "events": ("events", "work with the embedded job event store"),
    "gate": ("gate", "exit 1 when an SLO's error budget is too low to go ahead (CI)"),
}

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser; subcommand modules are imported to add their arguments."""
    parser = argparse.ArgumentParser(
        prog="qobserve", description="Observability and SLOs for quantum workloads."
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, (module, help_) in COMMANDS.items():
        p = sub.add_parser(name, help=help_, description=help_)
        p.set_defaults(_module=module)
        _load(module).add_arguments(p)
    return parser


def require_positive(value: float, field: str, unit: str = "") -> float:
    """``value`` when it is a positive finite number; an InputError naming ``field`` otherwise
    (``nan``, ``inf`` and negatives make rules that always or never fire).

    >>> require_positive(15.0, "--scrape-interval")
    15.0
    """
    if not 0 < value < float("inf"):
        what = f"a positive number{f' of {unit}' if unit else ''}"
        raise InputError(f"must be {what}, got {value}", field=field)
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 1 failure, 2 bad input)."""
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = _lazy_parser(args_list)
    args = parser.parse_args(args_list)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("default")
            warnings.showwarning = _warning_printer(args.command)
            code = int(_load(args._module).run(args) or 0)
    except InputError as err:
        print(f"qobserve {args.command}: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    return code


def _warning_printer(command: str) -> Callable[..., None]:
    """``warnings.showwarning`` for a command: ``qobserve COMMAND: warning: ...``, one line,
    no Python location (the warning is about the user's input, not qobserve's code)."""

    def show(message: Warning | str, *_: object, **__: object) -> None:
        print(f"qobserve {command}: warning: {message}", file=sys.stderr)

    return show


def _lazy_parser(argv: list[str]) -> argparse.ArgumentParser:
    """A parser that imports only the subcommand being run (all of them for --help)."""
    name = next((a for a in argv if not a.startswith("-")), None)
    if name not in COMMANDS:
        return build_parser()
    parser = argparse.ArgumentParser(prog="qobserve")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    module, help_ = COMMANDS[name]
    p = sub.add_parser(name, help=help_, description=help_)
    p.set_defaults(_module=module)
    _load(module).add_arguments(p)
    return parser


def _load(module: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"qobserve.cli.{module}")


def _version() -> str:
    from qobserve import __version__

    return f"qobserve {__version__}"
