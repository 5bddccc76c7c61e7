"""``qobserve rules``: print or write the Prometheus rules for SLO specs.

Example::

    qobserve rules team-slos/ -o /etc/prometheus/rules/team-slos.yml
    qobserve rules sloth-specs/ --sloth-period 28d --format kubernetes | kubectl apply -f -
    qobserve rules --operational          # the catalog in slo/ plus the operational alerts
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qobserve.cli import require_positive
from qobserve.cli.validate import add_paths, load_specs, print_errors
from qobserve.exceptions import InputError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``qobserve rules``."""
    add_paths(parser)
    parser.add_argument(
        "-o", "--output", metavar="FILE", help="write the rules to FILE instead of standard output"
    )
    parser.add_argument(
        "--format",
        choices=("prometheus", "kubernetes"),
        default="prometheus",
        help="a Prometheus rule file, or a Kubernetes PrometheusRule (default: prometheus)",
    )
    parser.add_argument(
        "--operational",
        action="store_true",
        help="also emit the operational alerts (backend down, calibration "
        "stale, quota, cost, exporter and collector health); with --format kubernetes as "
        "a PrometheusRule of their own",
    )
    parser.add_argument(
        "--namespace",
        default="",
        metavar="NS",
        help="--format kubernetes: the namespace of the PrometheusRules (default: none, "
        "kubectl's current one)",
    )
    parser.add_argument(
        "--labels",
        default="",
        metavar="K=V,...",
        help="--format kubernetes: extra labels of every PrometheusRule, e.g. the ones "
        "prometheus-operator's ruleSelector matches (release=prometheus)",
    )
    parser.add_argument(
        "--grafana-url",
        default="http://localhost:3000",
        metavar="URL",
        help="Grafana base URL for the alerts' dashboard links",
    )
    parser.add_argument(
        "--runbook-url",
        default="docs/alerting.md",
        metavar="URL",
        help="runbook base URL; SLOs without runbook_url link to URL#<slo>",
    )
    parser.add_argument(
        "--cost-budget",
        type=float,
        default=1000.0,
        metavar="USD",
        help="spending budget per 30 days for the cost alerts (default: 1000)",
    )


def run(args: argparse.Namespace) -> int:
    """Generate the rules; returns the exit code."""
    from qobserve.rules import OperationalOptions, RuleOptions, prometheus_rules, rules_text

    try:
        slos = load_specs("rules", args.paths, args.sloth_period)
        labels = _labels(args.labels)
    except InputError as err:
        return print_errors("rules", err)
    budget = require_positive(args.cost_budget, "--cost-budget", "USD")
    options = RuleOptions(
        grafana_url=args.grafana_url,
        runbook_url=args.runbook_url,
        operational=OperationalOptions(monthly_cost_budget_usd=budget),
    )
    if args.format == "kubernetes":
        text = prometheus_rules(slos, options, namespace=args.namespace, labels=labels,
                                operational=args.operational)  # fmt: skip
    else:
        text = rules_text(slos, options, operational=args.operational)
    if not args.output:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.output).write_text(text)
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror}", path=args.output) from None
    print(f"{args.output}: {len(slos)} SLOs", file=sys.stderr)
    return 0


def _labels(text: str) -> dict[str, str]:
    """``--labels k=v,k2=v2`` as a mapping; InputError naming the flag when malformed."""
    from qobserve.rules.kubernetes import label_problem

    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        key, sep, value = item.partition("=")
        reason = label_problem(key, value) if sep else f"{item!r} is not KEY=VALUE"
        if reason:
            raise InputError(reason, field="--labels")
        out[key] = value
    return out
