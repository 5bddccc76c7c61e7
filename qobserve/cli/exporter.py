"""``qobserve exporter``: serve backend calibration, queue and usage metrics to Prometheus.

Example::

    qobserve exporter --listen 127.0.0.1:9464 --provider fake --interval 60s
    qobserve exporter --provider ibm --provider-option ibm.instance=crn:v1:... --per-qubit
    qobserve exporter --backends 'fake_*' --web-config-file web.yml
    qobserve exporter --events postgresql://qobserve@db/events   # the fleet's job counters
"""

from __future__ import annotations

import argparse
import logging
import re
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING, Any

from qobserve.exceptions import InputError

if TYPE_CHECKING:
    from qobserve.budgets.model import Budgets

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
_LONGEST = 365 * 86400.0


def parse_duration(text: str, field: str) -> float:
    """Seconds in a Prometheus-style duration (``500ms``, ``30s``, ``1m30s``, ``2h``) or a
    plain number of seconds; InputError naming ``field`` otherwise.

    >>> parse_duration("1m30s", "--interval")
    90.0
    """
    text = text.strip()
    try:
        seconds = float(text)
    except ValueError:
        parts = _DURATION.findall(text)
        if not parts or "".join(n + u for n, u in parts) != text:
            raise InputError(
                f"not a duration: {text!r} (examples: 30s, 1m, 500ms)", field=field
            ) from None
        seconds = sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)
    if not 0 < seconds <= _LONGEST:  # a longer wait overflows the poll thread's timer
        raise InputError(f"must be a positive duration of at most 365d, got {text!r}", field=field)
    return seconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qobserve exporter``."""
    from qobserve.exporter.app import DEFAULT_LISTEN

    parser.add_argument(
        "--listen",
        default=DEFAULT_LISTEN,
        metavar="HOST:PORT",
        help=f"address to serve on (default {DEFAULT_LISTEN}, loopback only; "
        "0.0.0.0:9464 for every interface)",
    )
    parser.add_argument(
        "--provider",
        action="append",
        metavar="NAME",
        help="provider to poll: fake (default), ibm, aer, or a registered one; repeat for several",
    )
    parser.add_argument(
        "--provider-option",
        action="append",
        default=[],
        metavar="PROVIDER.KEY=VALUE",
        help="option for a provider's factory, e.g. ibm.instance=CRN, "
        "ibm.channel=ibm_quantum_platform, ibm.account=NAME (saved account)",
    )
    parser.add_argument(
        "--interval", default="60s", metavar="DURATION", help="time between polls (default 60s)"
    )
    parser.add_argument(
        "--timeout",
        default="10s",
        metavar="DURATION",
        help="limit for each collector call on each backend (default 10s)",
    )
    parser.add_argument(
        "--collector-timeout",
        action="append",
        default=[],
        metavar="COLLECTOR=DURATION",
        help="limit for one collector (discovery, info, status, calibration, "
        "usage), e.g. calibration=30s",
    )
    parser.add_argument(
        "--max-backoff",
        default=None,
        metavar="DURATION",
        help="longest wait before retrying a failing call (default 10 intervals)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=8,
        metavar="N",
        help="provider calls running at once (default 8)",
    )
    parser.add_argument(
        "--per-qubit",
        action="store_true",
        help="also expose per-qubit T1, T2 and readout error series",
    )
    parser.add_argument(
        "--backends",
        action="append",
        default=[],
        metavar="NAMES",
        help="comma-separated backend names or glob patterns to keep (default: all)",
    )
    parser.add_argument(
        "--web-config-file",
        default=None,
        metavar="PATH",
        help="TLS and basic auth settings (Prometheus exporter-toolkit format)",
    )
    parser.add_argument(
        "--events",
        default=None,
        metavar="STORE",
        help="also serve the job counters and histograms computed from this event store "
        "(SQLite path or postgresql:// URL), exact for every runner that writes it",
    )
    parser.add_argument(
        "--budgets",
        default=None,
        metavar="PATH",
        help="with --events: also serve each budget's spend and limit in its current period "
        "(budgets.yaml or its catalog folder)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["debug", "info", "warning", "error"],
        help="log verbosity on stderr (default info)",
    )


def run(args: argparse.Namespace) -> int:
    """Serve until SIGTERM or SIGINT; 0 after a clean stop."""
    logger = logging.getLogger("qobserve")
    level = logger.level
    handler = _setup_logging(args.log_level)
    try:
        return _serve(args)
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def _serve(args: argparse.Namespace) -> int:
    from qobserve.collectors import provider_names
    from qobserve.exporter.app import build

    providers = args.provider or ([] if args.events else ["fake"])
    known = provider_names()
    for name in providers:
        if name not in known:
            raise InputError(
                f"unknown provider {name!r}; known: {', '.join(known)}", field="--provider"
            )
    exporter = build(
        args.listen,
        providers,
        interval=parse_duration(args.interval, "--interval"),
        timeout=parse_duration(args.timeout, "--timeout"),
        timeouts=_collector_timeouts(args.collector_timeout),
        max_backoff=(
            parse_duration(args.max_backoff, "--max-backoff") if args.max_backoff else None
        ),
        concurrency=_positive(args.concurrency, "--concurrency"),
        per_qubit=args.per_qubit,
        backends=[n.strip() for item in args.backends for n in item.split(",") if n.strip()],
        web_config=args.web_config_file,
        provider_options=_provider_options(args.provider_option, providers),
        events=args.events,
        budgets=_budgets(args.budgets),
    )
    stop = threading.Event()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        logging.getLogger("qobserve.exporter").info(
            "%s received, stopping", signal.Signals(signum).name
        )
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        exporter.start()
        while not stop.wait(3600):
            pass
    finally:
        exporter.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0


def _setup_logging(level: str) -> logging.Handler:
    """qobserve's log lines on stderr at ``level``; other libraries' stay at their own level."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("qobserve")
    logger.addHandler(handler)
    logger.setLevel(level.upper())
    return handler


def _positive(value: int, field: str) -> int:
    if value < 1:
        raise InputError(f"must be at least 1, got {value}", field=field)
    return value


def _collector_timeouts(items: Sequence[str]) -> dict[str, float]:
    from qobserve.collectors import COLLECTORS
    from qobserve.exporter.poller import DISCOVERY

    names = [DISCOVERY, *COLLECTORS]
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or name not in names:
            raise InputError(
                f"expected COLLECTOR=DURATION with COLLECTOR one of "
                f"{', '.join(names)}, got {item!r}",
                field="--collector-timeout",
            )
        out[name] = parse_duration(value, "--collector-timeout")
    return out


def _provider_options(items: Sequence[str], providers: Sequence[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        name, dot, option = key.partition(".")
        if not sep or not dot or not option.isidentifier():
            raise InputError(
                f"expected PROVIDER.KEY=VALUE, got {item!r}", field="--provider-option"
            )
        if name not in providers:
            raise InputError(
                f"option for provider {name!r}, which is not polled "
                f"(--provider {' '.join(providers)})",
                field="--provider-option",
            )
        out.setdefault(name, {})[option] = value
    return out


def _budgets(path: str | None) -> Budgets | None:
    if path is None:
        return None
    from qobserve.budgets.loader import load_budgets

    return load_budgets(path)
