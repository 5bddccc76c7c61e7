"""The burn-rate alerts' ``budget_exhaustion`` annotation, rendered by a real promtool."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from qobserve.rules.alerts import SPENT_TEXT, exhaustion_template, exhaustion_text
from qobserve.rules.render import dump
from qobserve.slo import load
from qobserve.slo.model import BUDGET_REMAINING_RECORD
from tests.conftest import CATALOG
from tests.rules.promtool import run_tests, series

QPU = next(s for s in load([CATALOG]) if s.name == "job-success-qpu")  # 28 days, 1 % budget


def test_budget_left_over_the_burn_in_hours(tmp_path: Path) -> None:
    """Half the budget left at a 200x burn of a 28-day period: 0.5 x 672 h / 200 = 1.68 h;
    per backend for a grouped SLO; the spent text once nothing is left."""
    grouped = replace(QPU, group_by=("backend",))
    burning = 'label_replace(vector(200), "backend", "{b}", "", "")'
    rules = [
        {
            "alert": f"Burn_{b}",
            "expr": burning.format(b=b),
            "labels": {"slo": QPU.name},
            "annotations": {"budget_exhaustion": exhaustion_template(grouped)},
        }
        for b in ("ibm_a", "ibm_b", "ibm_c")
    ]
    remaining = {"ibm_a": "0.5x10", "ibm_b": "0.9x10", "ibm_c": "-0.2x10"}
    expected = {
        "ibm_a": "1.7 hours at this burn",
        "ibm_b": "3.0 hours at this burn",
        "ibm_c": SPENT_TEXT,
    }
    assert [exhaustion_text(QPU, r, 200) for r in (0.5, 0.9, -0.2)] == list(expected.values())
    run_tests(
        tmp_path,
        {"burn.rules.yml": dump({"groups": [{"name": "burn", "rules": rules}]})},
        [
            {
                "interval": "1m",
                "input_series": [
                    series(BUDGET_REMAINING_RECORD, {"slo": QPU.name, "backend": b}, v)
                    for b, v in remaining.items()
                ],
                "alert_rule_test": [
                    {
                        "eval_time": "5m",
                        "alertname": f"Burn_{b}",
                        "exp_alerts": [
                            {
                                "exp_labels": {"slo": QPU.name, "backend": b},
                                "exp_annotations": {"budget_exhaustion": text},
                            }
                        ],
                    }
                    for b, text in expected.items()
                ],
            }
        ],
        name="budget-exhaustion",
    )
