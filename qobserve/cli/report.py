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
from qobserve.promapi import PrometheusAuth
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
        help="store (default; or 'store STORE ...': several stores), 'events FILE ...' (CSV "
        "or Parquet; several are merged, each job id counted once) or 'prometheus URL'",
    )
    parser.add_argument(
        "--store",
        metavar="PATH",
        default=None,
        help="event store to read with --source store "
        "(default $QOBSERVE_STORE or .qobserve/events.db)",
    )
    auth = parser.add_argument_group("reaching a protected Prometheus (--source prometheus)")
    auth.add_argument("--prometheus-user", metavar="NAME",
                      help="basic auth user (a user:password@host URL works too)")  # fmt: skip
    auth.add_argument("--prometheus-password-file", metavar="FILE",
                      help="file holding the basic auth password")  # fmt: skip
    token = auth.add_mutually_exclusive_group()
    token.add_argument("--bearer-token-file", metavar="FILE",
                       help="file holding a bearer token (never printed)")  # fmt: skip
    token.add_argument("--bearer-token-env", metavar="VAR",
                       help="variable holding a bearer token (never printed)")  # fmt: skip
    auth.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'",
                      help="extra request header, e.g. 'X-Scope-OrgID: quantum' for "
                           "Mimir/Cortex (repeatable)")  # fmt: skip
    auth.add_argument("--ca-file", metavar="FILE",
                      help="CA certificate(s) to trust for an https URL")  # fmt: skip
    auth.add_argument("--insecure-skip-verify", action="store_true",
                      help="do not verify the server's TLS certificate")  # fmt: skip
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


def parse_source(values: Sequence[str], store: str | None) -> tuple[str, list[str | None]]:
    """``--source`` tokens -> (kind, paths or the URL)."""
    kind, *rest = values
    if kind == "store":
        return kind, list(rest) if rest else [store]
    if kind == "events" and rest:
        return kind, list(rest)
    if kind == "prometheus" and len(rest) == 1:
        from qobserve.promapi import check_url

        return kind, [check_url(rest[0], "--source")]
    raise InputError(
        "expected 'store [STORE ...]', 'events FILE [FILE ...]' or 'prometheus URL', "
        f"got {' '.join(values)!r}",
        field="--source",
    )


def prometheus_auth(args: argparse.Namespace) -> PrometheusAuth:
    """The ``--prometheus-*``, token, header and TLS options as a :class:`PrometheusAuth`."""
    headers: dict[str, str] = {}
    for item in args.header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip() or not value.strip():
            raise InputError(f"expected 'NAME: VALUE', got {item!r}", field="--header")
        headers[name.strip()] = value.strip()
    password = None
    if args.prometheus_password_file:
        try:
            password = Path(args.prometheus_password_file).read_text().rstrip("\n")
        except OSError as err:
            raise InputError(
                f"cannot read: {err.strerror}", path=args.prometheus_password_file,
                field="--prometheus-password-file",
            ) from None  # fmt: skip
        if args.prometheus_user is None:
            raise InputError("needs --prometheus-user", field="--prometheus-password-file")
    if args.ca_file and not Path(args.ca_file).is_file():
        raise InputError("no such file", path=args.ca_file, field="--ca-file")
    return PrometheusAuth(
        username=args.prometheus_user,
        password=password,
        bearer_token_file=args.bearer_token_file,
        bearer_token_env=args.bearer_token_env,
        headers=headers,
        ca_file=args.ca_file,
        verify=not args.insecure_skip_verify,
    )


def run(args: argparse.Namespace) -> int:
    from qobserve.report import FORMATS, build_report, write_report
    from qobserve.report.period import Window

    window = Window.choose(args.week, args.start, args.end, args.tz)
    kind, paths = parse_source(args.source, args.store)
    formats = [f.strip() for f in args.format.split(",") if f.strip()]
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise InputError(
            f"unknown format {(unknown or [''])[0]!r}; use any of {','.join(FORMATS)}",
            field="--format",
        )
    slos = select_slos(load_slos(args.slo_dir), args.slo, args.slo_dir)
    auth = prometheus_auth(args) if kind == "prometheus" else None
    report = build_report(slos, window, source=kind, path=paths, auth=auth)
    for target in write_report(report, args.out, formats):
        print(target)
    return 0
