"""Grafana-style interpolation of dashboard queries (the live-Prometheus runs are in
test_dashboards_queries.py)."""

from __future__ import annotations

from typing import Any

import pytest

from qobserve.dashboards.check import Context, interpolate, parse_duration
from qobserve.dashboards.panels import filter_variables

VARIABLES: list[dict[str, Any]] = [v.to_json_data() for v in filter_variables()]


def test_all_selects_the_all_value():
    expr = 'sum(rate(x{backend=~"$backend",experiment=~"${experiment}"}[5m]))'
    out = interpolate(expr, VARIABLES, Context())
    assert out == 'sum(rate(x{backend=~".*",experiment=~".*"}[5m]))'


def test_selected_values_become_an_escaped_regex_alternation():
    ctx = Context(selected={"backend": ["fake_brisbane", "aer.sim"], "experiment": ["a+b"]})
    out = interpolate('x{backend=~"$backend",experiment=~"[[experiment]]"}', VARIABLES, ctx)
    assert out == r'x{backend=~"(fake_brisbane|aer\\.sim)",experiment=~"a\\+b"}'


def test_global_intervals_follow_grafana():
    # 6h over 1000 points is a 22 s step; the rate window is at least 4 scrape intervals
    ctx = Context(range_seconds=6 * 3600, scrape_interval=15)
    assert interpolate("[$__interval] [$__rate_interval] [$__range]", [], ctx) == (
        "[22s] [60s] [21600s]"
    )
    # with a long step the rate window is one step plus one scrape interval
    ctx = Context(range_seconds=30 * 86400, scrape_interval=15)
    assert interpolate("$__rate_interval $__range_s", [], ctx) == "2607s 2592000"


def test_an_unknown_variable_is_an_error():
    with pytest.raises(KeyError, match="nope"):
        interpolate("x[$nope]", VARIABLES, Context())


def test_relative_times_parse():
    assert parse_duration("now-30d") == 30 * 86400
    assert parse_duration("6h") == 21600
    with pytest.raises(ValueError):
        parse_duration("2024-01-01")
