"""Example series for generated tests: label values solved from selectors and matchers."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from qobserve.rules.examples import (
    Series,
    counter_values,
    event_traffic,
    gauge_values,
    sample,
    solve,
)
from qobserve.slo.model import SLO
from tests.slo.conftest import Write, load_quiet


@given(st.lists(st.from_regex(r"[a-z_][a-z0-9_]{0,8}", fullmatch=True), min_size=1, max_size=4))
def test_sample_of_an_alternation(words: list[str]) -> None:
    regex = "|".join(map(re.escape, words))
    found = sample(regex)
    assert found is not None and re.fullmatch(regex, found)


def test_sample_various() -> None:
    for regex in ("(5..|429)", "ibm_.+", "[^a-z]+\\d", "a{2,3}", "x?y*", "fake_(manila|kyiv)"):
        found = sample(regex)
        assert found and re.fullmatch(regex, found), regex
    assert sample("(") is None
    assert sample("\\bword\\b") == "word"


def test_solve_matchers() -> None:
    assert solve((("a", "=", "1"), ("b", "=~", "x|y"))) == {"a": "1", "b": "x"}
    assert solve((("outcome", "!=", "success"),), labels=("outcome",)) == {"outcome": "error"}
    assert solve((("a", "=", "1"), ("a", "=", "2"))) is None
    assert solve((("code", "!~", "5.."),), base={"code": "503"}) == {"code": ""}


def test_traffic_of_catalog_kinds(catalog: list[SLO]) -> None:
    for slo in catalog:
        traffic = event_traffic(slo)
        if slo.sli.kind in ("availability", "freshness"):
            assert traffic is None
            continue
        assert traffic is not None and traffic.good and traffic.bad, slo.name


def test_traffic_from_queries(write: Write) -> None:
    path = write("""
        version: prometheus/v1
        service: s
        slos:
          - name: same-metric
            objective: 99
            sli:
              events:
                error_query: sum(rate(http_total{job="a",code=~"5.."}[{{.window}}]))
                total_query: sum(rate(http_total{job="a"}[{{.window}}]))
          - name: two-metrics
            objective: 99
            sli:
              events:
                error_query: sum(rate(errors_total{job="a"}[{{.window}}]))
                total_query: sum(rate(requests_total{job="a"}[{{.window}}]))
          - name: latency
            objective: 99
            sli:
              events:
                error_query: >-
                  sum(rate(h_count[{{.window}}])) - sum(rate(h_bucket{le="1"}[{{.window}}]))
                total_query: sum(rate(h_count[{{.window}}]))
        """)
    slos, _ = load_quiet(path)
    by = {s.name: event_traffic(s) for s in slos}
    same = by["s-same-metric"]
    assert same is not None
    assert same.bad == (Series("http_total", (("code", "5aa"), ("job", "a"))),)
    assert same.good == (Series("http_total", (("job", "a"),)),)
    two = by["s-two-metrics"]
    assert two is not None and two.good == (Series("requests_total", (("job", "a"),)),)
    assert set(two.bad) == {
        Series("requests_total", (("job", "a"),)),
        Series("errors_total", (("job", "a"),)),
    }
    assert by["s-latency"] is None  # two metrics on the bad side: no example, no data tests


def test_expanding_notation() -> None:
    assert counter_values([(10, 3), (0, 2), (5, 2)]) == "0+10x3 30+0x1 35+5x1"
    assert gauge_values([(1, 0, 2), (0, 0, 3)]) == "1+0x2 0+0x2"
    assert gauge_values([(0, 60, 1), (-100, 60, 2)]) == "0+60x1 20+60x1"
