"""PromQL helpers: quoting, number and duration formats, template checks, selectors."""

from __future__ import annotations

from datetime import timedelta

import promql_parser
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qobserve.slo.promql import (
    Selector,
    check_template,
    division_operands,
    fmt_number,
    is_plain_selector,
    parse_duration,
    quote,
    selectors,
)


@given(st.text())
def test_quote_round_trips_through_the_parser(value: str) -> None:
    node = promql_parser.parse(f"x{{label={quote(value)}}}")
    assert isinstance(node, promql_parser.VectorSelector)
    assert node.matchers.matchers[0].value == value


@pytest.mark.parametrize(
    ("value", "text"),
    [(6.0, "6"), (14.4, "14.4"), (1e-05, "1e-05"), (0.1 + 0.2, "0.30000000000000004"), (28, "28")],
)
def test_fmt_number_matches_go(value: float, text: str) -> None:
    assert fmt_number(value) == text
    assert float(text) == value


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_fmt_number_is_exact(value: float) -> None:
    assert float(fmt_number(value)) == value


def test_durations() -> None:
    assert parse_duration("4w") == parse_duration("28d") == timedelta(days=28)
    assert parse_duration("1h30m") == timedelta(minutes=90)
    for bad, reason in (
        ("1M", "calendar unit"),
        ("soon", "not a duration"),
        ("0s", "not a duration"),
    ):
        with pytest.raises(ValueError, match=reason):
            parse_duration(bad)


def test_check_template() -> None:
    assert check_template("sum(rate(x[{{.window}}]))") is None
    assert check_template("") == "is empty"
    assert "no {{.window}} placeholder" in str(check_template("sum(rate(x[5m]))"))
    assert "is not valid PromQL" in str(check_template("sum(rate(x[{{.window}}])"))
    assert "range vector" in str(check_template("x[{{.window}}]"))
    assert check_template("vector(1)", need_window=False) is None


def test_selectors_and_operands() -> None:
    expr = 'sum(rate(a{x="1",y=~"5.."}[{{.window}}])) / sum(rate({__name__="b"}[{{.window}}]))'
    assert selectors(expr) == [
        Selector("a", (("x", "=", "1"), ("y", "=~", "5.."))),
        Selector("b", ()),
    ]
    assert (
        str(Selector("a", (("x", "!~", 'q"'),))) == 'a{x!~"q\\""}' and str(Selector("b", ())) == "b"
    )
    assert division_operands(f"(({expr}))") == (
        'sum(rate(a{x="1",y=~"5.."}[5m]))',
        'sum(rate({__name__="b"}[5m]))',
    )
    assert division_operands("a + b") is None
    assert is_plain_selector('x{a="1"}') and not is_plain_selector("rate(x[5m])")
    assert not is_plain_selector("x{")
