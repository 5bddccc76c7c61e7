"""Prometheus rules, promtool tests and Alertmanager config generated from SLO specs.

Example::

    from qobserve.slo import load
    from qobserve.rules import rule_files, alertmanager_config

    slos = load(["slo"])
    files = rule_files(slos)          # {"slo-job-success-qpu.rules.yml": "...", ...}
    # qobserve.generate writes these with the dashboards and the deploy kit
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qobserve.rules.aggregation import GLOBAL_RULES, global_group
from qobserve.rules.alertmanager import alertmanager_config
from qobserve.rules.alerts import alert_rules
from qobserve.rules.kubernetes import prometheus_rules
from qobserve.rules.operational import operational_group, operational_tests
from qobserve.rules.options import AlertmanagerOptions, OperationalOptions, RuleOptions
from qobserve.rules.recording import recording_rules
from qobserve.rules.render import dump
from qobserve.rules.testgen import slo_tests
from qobserve.slo.model import SLO

__all__ = ["AlertmanagerOptions", "OperationalOptions", "RuleOptions", "alertmanager_config",
           "groups", "prometheus_rules", "rule_files", "rules_text"]  # fmt: skip

RULES_DIR = "alert_rules"
ALERTMANAGER_FILE = "exporters/alertmanager.yml"
OPERATIONAL_RULES = "operational.rules.yml"
KUBERNETES_RULES = "kubernetes/prometheusrule.yaml"


def slo_group(slo: SLO, options: RuleOptions) -> dict[str, Any]:
    """The rule group of one SLO: its recording rules, then its alerts."""
    return {
        "name": f"qobserve-slo-{slo.name}",
        "rules": recording_rules(slo) + alert_rules(slo, options),
    }


def groups(
    slos: Sequence[SLO], options: RuleOptions | None = None, *, operational: bool = True
) -> list[dict[str, Any]]:
    """Every rule group for ``slos`` (and the operational alerts), as data."""
    options = options or RuleOptions()
    out = [slo_group(s, options) for s in sorted(slos, key=lambda s: s.name)]
    return out + ([operational_group(options)] if operational else [])


def rules_text(
    slos: Sequence[SLO], options: RuleOptions | None = None, *, operational: bool = True
) -> str:
    """One Prometheus rule file with every group (what ``qobserve rules`` prints)."""
    return dump({"groups": groups(slos, options, operational=operational)})


def rule_files(slos: Sequence[SLO], options: RuleOptions | None = None) -> dict[str, str]:
    """Every file of ``alert_rules/``: path relative to it -> text. Byte-identical across runs.

    ``slo-<name>.rules.yml`` and ``slo-<name>.test.yml`` per SLO, ``operational.rules.yml`` and
    ``operational.test.yml``, and ``kubernetes/prometheusrule.yaml``: one PrometheusRule per
    SLO and one for the operational alerts; with
    ``options.global_aggregation``, ``global/slo-global.rules.yml`` for the global ruler.
    """
    options = options or RuleOptions()
    files: dict[str, str] = {}
    for slo in sorted(slos, key=lambda s: s.name):
        rules = f"slo-{slo.name}.rules.yml"
        header = f"SLO {slo.name}: {slo.description}".rstrip(": ")
        files[rules] = dump({"groups": [slo_group(slo, options)]}, header=header)
        files[f"slo-{slo.name}.test.yml"] = dump(
            slo_tests(slo, rules, options), header=f"promtool test rules for SLO {slo.name}"
        )
    group = operational_group(options)
    files[OPERATIONAL_RULES] = dump({"groups": [group]}, header="Operational alerts.")
    files["operational.test.yml"] = dump(
        operational_tests(group, OPERATIONAL_RULES, options.operational),
        header="promtool test rules for the operational alerts",
    )
    files[KUBERNETES_RULES] = prometheus_rules(slos, options)
    if options.global_aggregation:
        files[GLOBAL_RULES] = dump(
            {"groups": [global_group(slos, options.global_aggregation)]},
            header=f"Global level for a Thanos/Mimir ruler: SLIs summed over "
            f"{options.global_aggregation}.",
        )
    return files
