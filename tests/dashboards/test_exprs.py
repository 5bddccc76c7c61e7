"""PromQL building blocks of the dashboards."""

from __future__ import annotations

import doctest
from datetime import timedelta

import promql_parser

from qobserve import contract as C
from qobserve.dashboards import exprs as X
from qobserve.slo.model import SLO, EventSLI


def test_selectors_bind_exactly_the_variables_their_metric_has_labels_for():
    assert X.sel(C.JOBS_TOTAL, 'outcome="success"') == (
        'quantum_jobs_total{backend=~"$backend",experiment=~"$experiment",outcome="success"}'
    )
    assert (
        X.sel(C.JOB_QUEUE, suffix="_bucket")
        == 'quantum_job_queue_seconds_bucket{backend=~"$backend"}'
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
    assert expr == (
        "sum ((qobserve_events_dropped_total - qobserve_events_dropped_total offset "
        "$__interval) >= 0 or qobserve_events_dropped_total)"
    )


def test_catalog_period_sli_reads_each_slo_at_its_own_period():
    slos = [SLO(n, "svc", 0.99, timedelta(days=d), EventSLI("job_success"))
            for n, d in (("a.b", 28), ("c", 30), ("d", 28))]  # fmt: skip
    expr = X.catalog_period_sli(slos)
    assert 'slo:sli_error:ratio_rate28d{slo=~"$slo",backend=~"$backend|",slo=~"a\\\\.b|d"}' in expr
    assert 'slo:sli_error:ratio_rate30d{slo=~"$slo",backend=~"$backend|",slo=~"c"}' in expr
    promql_parser.parse(expr.replace("$", ""))
