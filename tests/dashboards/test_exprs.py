"""PromQL building blocks of the dashboards."""

from __future__ import annotations

import doctest
import json
from datetime import timedelta
from pathlib import Path

import promql_parser

from qobserve import contract as C
from qobserve.dashboards import exprs as X
from qobserve.servers import promtool
from qobserve.slo.model import SLO, EventSLI
from tests.conftest import require_binary


def test_selectors_bind_exactly_the_variables_their_metric_has_labels_for():
    assert X.sel(C.JOBS_TOTAL, 'outcome="success"') == (
        'quantum_jobs_total{backend=~"$backend",provider=~"$provider",experiment=~"$experiment",'
        'outcome="success"}'
    )
    assert (
        X.sel(C.JOB_QUEUE, suffix="_bucket")
        == 'quantum_job_queue_seconds_bucket{backend=~"$backend",provider=~"$provider"}'
    )
    assert X.sel(C.EXPERIMENTS_TOTAL) == 'quantum_experiments_total{experiment=~"$experiment"}'
    assert X.sel(C.EVENTS_DROPPED_TOTAL) == "qobserve_events_dropped_total"  # no labels, no {}


def test_building_blocks_parse_as_promql():
    exprs = [
        X.rate(C.JOBS_TOTAL, by=("backend", "outcome")),
        X.increase(C.COST_USD_TOTAL, window="30d"),
        X.increase(C.JOBS_TOTAL, by=("error_type",), window=X.STEP),
        X.quantile(0.95, C.JOB_DURATION, by=("backend",)),
        X.mean(C.JOB_EXECUTION, by=("backend",)),
        X.or_zero(f"count({X.sel(C.BACKEND_UP)} == 0)"),
    ]
    for expr in exprs:
        for var in (X.RATE, X.STEP):
            expr = expr.replace(var, "1m")
        promql_parser.parse(expr.replace("$", ""))
    assert X.quantile(0.5, C.JOB_QUEUE, by=("backend",)).startswith(
        "histogram_quantile(0.5, sum by (le, backend) (rate(quantum_job_queue_seconds_bucket{"
    )


def test_slo_names_are_escaped_in_matchers():
    slo = SLO('a"b\\c', "svc", 0.99, timedelta(days=28), EventSLI("job_success"))
    selector = X.slo_selector(slo, 'alertstate="firing"')
    assert selector == '{slo="a\\"b\\\\c",alertstate="firing"}'
    promql_parser.parse(f"ALERTS{selector}")


def test_burn_uses_the_slo_budget_as_a_constant():
    slo = SLO("s", "svc", 0.999, timedelta(days=30), EventSLI("job_success"), group_by=("backend",))
    assert X.window_burn(slo, "1h") == 'slo:sli_error:ratio_rate1h{slo="s"} / 0.001'
    assert X.group_legend(slo, "1h window") == "1h window {{backend}}"


def test_module_examples_run():
    assert doctest.testmod(X).failed == 0


def test_counts_are_exact_differences_that_count_resets_and_new_series_from_zero():
    expr = X.increase(C.EVENTS_DROPPED_TOTAL, window=X.STEP)
    last = "last_over_time(qobserve_events_dropped_total[$__interval])"
    assert expr == (
        f"sum (({last} - last_over_time(qobserve_events_dropped_total[1h] offset $__interval)) "
        f">= 0 or {last})"
    )


def test_catalog_period_sli_reads_each_slo_at_its_own_period():
    slos = [SLO(n, "svc", 0.99, timedelta(days=d), EventSLI("job_success"))
            for n, d in (("a.b", 28), ("c", 30), ("d", 28))]  # fmt: skip
    expr = X.catalog_period_sli(slos)
    assert 'slo:sli_error:ratio_rate28d{slo=~"$slo",backend=~"$backend|",slo=~"a\\\\.b|d"}' in expr
    assert 'slo:sli_error:ratio_rate30d{slo=~"$slo",backend=~"$backend|",slo=~"c"}' in expr
    promql_parser.parse(expr.replace("$", ""))


def test_counts_add_up_across_scrape_gaps_resets_and_new_series(tmp_path: Path):
    # promtool evaluates the expression on series with a failed scrape (stale), a missing
    # sample, a counter reset and a series born late: the per-minute counts must add up to
    # the true increase, 10 + 4
    require_binary("promtool")
    bars = X.increase(C.EVENTS_DROPPED_TOTAL, window="1m")
    name = C.EVENTS_DROPPED_TOTAL.name
    test = {
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": f'{name}{{instance="a"}}', "values": "1 2 3 stale 5 6 1 2 _ 4"},
                {"series": f'{name}{{instance="b"}}', "values": "_ _ _ 3 4 _ _ _ _ _"},
            ],
            "promql_expr_test": [
                {"expr": f"sum_over_time(({bars})[10m:1m])", "eval_time": "9m",
                 "exp_samples": [{"labels": "{}", "value": 14}]},
            ],
        }],
    }  # fmt: skip
    path = tmp_path / "counts.test.yml"
    path.write_text(json.dumps(test))
    done = promtool("test", "rules", str(path))
    assert done.returncode == 0, done.stdout + done.stderr
