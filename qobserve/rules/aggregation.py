"""The global level of two-level SLO rules, for a Thanos or Mimir ruler over many clusters.

The first level is each SLO's usual rules, evaluated where the data is (one Prometheus per
cluster, or one Prometheus grouping by a relabelled ``cluster`` label). The global level sums
the first level's bad and total rates over clusters and divides the sums, so the fleet SLI is
the exact ratio of summed events: a plain ``sum(...)`` on a global ruler would add the
per-cluster *ratios*, and averaging them would let a quiet cluster weigh as much as a busy
one. Every window and the period get::

    slo_global:sli_total:rate<w>        sum without (cluster) (slo:sli_total:rate<w>)
    slo_global:sli_bad:rate<w>          sum without (cluster) (slo:sli_bad:rate<w>)
    slo_global:sli_error:ratio_rate<w>  bad / (total > 0)

SLOs given as a raw error ratio have no event counts to add up and get no global level.

Example::

    global_group(slos, "cluster")["rules"][0]["record"]     # 'slo_global:sli_total:rate5m'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from qobserve.rules.recording import Rule, has_counts, selector
from qobserve.slo.model import (
    SLO,
    sli_bad_record,
    sli_error_record,
    sli_total_record,
)

#: the level prefix of the global records (``level:metric:operations``)
GLOBAL_LEVEL = "slo_global"
#: the global rules, in a folder of their own: the per-cluster Prometheus (which loads
#: ``alert_rules/*.rules.yml``) must not evaluate them, the global ruler loads only them
GLOBAL_RULES = "global/slo-global.rules.yml"


def global_record(record: str) -> str:
    """The global name of a first-level record: ``slo:sli_bad:rate5m`` ->
    ``slo_global:sli_bad:rate5m``."""
    return f"{GLOBAL_LEVEL}:{record.split(':', 1)[1]}"


def global_rules(slo: SLO, label: str) -> list[Rule]:
    """The global records of ``slo``, aggregating its first level over ``label``."""
    if not has_counts(slo):
        return []
    sel = selector(slo)
    rules: list[Rule] = []
    for window in slo.windows:
        total, bad = sli_total_record(window), sli_bad_record(window)
        g_total, g_bad = global_record(total), global_record(bad)
        rules += [
            {"record": g_total, "expr": f"sum without ({label}) ({total}{sel})"},
            {"record": g_bad, "expr": f"sum without ({label}) ({bad}{sel})"},
            {
                "record": global_record(sli_error_record(window)),
                "expr": f"{g_bad}{sel}\n/\n({g_total}{sel} > 0)",
            },
        ]
    return rules


def global_group(slos: Sequence[SLO], label: str) -> dict[str, Any]:
    """One rule group with the global level of every SLO that has event counts."""
    rules = [r for slo in sorted(slos, key=lambda s: s.name) for r in global_rules(slo, label)]
    return {"name": "qobserve-slo-global", "rules": rules}
