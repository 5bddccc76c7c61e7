"""Small PromQL helpers: quoting, durations, and checks with the promql-parser package.

Example::

    quote('600\\\\.0')                               # '"600\\\\\\\\.0"'
    check_template("sum(rate(x[{{.window}}]))")      # None: fine
    check_template("sum(rate(x[5m]))")               # 'has no {{.window}} placeholder ...'
    [s.name for s in selectors("a{x='1'} / b")]      # ['a', 'b']
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import promql_parser

from qobserve.slo.model import WINDOW, render

# OpenSLO's shorthand also has M (month), Q (quarter) and Y (year): calendar units that a
# rolling Prometheus window cannot express.
_CALENDAR_UNIT = re.compile(r"\s*\d+\s*[MQY]\s*")
_DURATION_SHAPE = re.compile(r"\d+(\.\d+)?|(\d+(ms|y|w|d|h|m|s))+")


def quote(value: str) -> str:
    """A PromQL double-quoted string literal for ``value``."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def fmt_number(value: float) -> str:
    """A number as PromQL (and Go's ``%v``) print it: ``14.4``, ``6`` not ``6.0``, ``1e-05``."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def parse_duration(text: str) -> timedelta:
    """A Prometheus duration (``30d``, ``4w``, ``1h30m``); ``ValueError`` with a reason if not."""
    if _CALENDAR_UNIT.fullmatch(text):
        raise ValueError(
            f"{text!r} uses a calendar unit (M, Q, Y); a rolling window needs a "
            "fixed duration such as 28d or 30d"
        )
    if not _DURATION_SHAPE.fullmatch(text.strip()):  # the parser panics on -1, inf, nan
        raise ValueError(f"{text!r} is not a duration (examples: 5m, 6h, 28d, 4w)")
    try:
        value = promql_parser.parse_duration(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a duration (examples: 5m, 6h, 28d, 4w)") from None
    if value <= timedelta(0):
        raise ValueError(f"{text!r} must be longer than zero")
    return value


def check_template(template: str, *, need_window: bool = True) -> str | None:
    """Why ``template`` is not usable PromQL (with ``{{.window}}`` rendered as ``5m``), or None."""
    if not template.strip():
        return "is empty"
    if need_window and WINDOW not in template:
        return f"has no {WINDOW} placeholder: the query must use it as its range, e.g. [{WINDOW}]"
    return check_expr(render(template, "5m"))


def check_expr(expr: str) -> str | None:
    """Why ``expr`` is not PromQL evaluating to an instant vector or a number, or None."""
    try:
        node = promql_parser.parse(expr)
    except ValueError as err:
        return f"is not valid PromQL: {err}"
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    if isinstance(node, promql_parser.MatrixSelector | promql_parser.SubqueryExpr):
        return "is a range vector: a rule needs an instant vector, e.g. rate(x[{{.window}}])"
    if isinstance(node, promql_parser.StringLiteral):
        return "is a string: a rule needs an instant vector"
    return None


@dataclass(frozen=True)
class Selector:
    """A vector selector found in an expression: metric name and ``(label, op, value)``."""

    name: str
    matchers: tuple[tuple[str, str, str], ...]

    def __str__(self) -> str:
        inner = ",".join(f"{label}{op}{quote(value)}" for label, op, value in self.matchers)
        return f"{self.name}{{{inner}}}" if inner or not self.name else self.name


_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


def selectors(expr: str) -> list[Selector]:
    """The vector selectors of ``expr`` in order of appearance (``{{.window}}`` allowed)."""
    found: list[Selector] = []

    def visit(node: promql_parser.Expr) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            matchers = []
            name = node.name or ""
            for m in node.matchers.matchers:
                if m.name == "__name__":
                    name = name or m.value
                    continue
                matchers.append((m.name, _OPS[str(m.op).rsplit(".", 1)[-1]], m.value))
            found.append(Selector(name, tuple(matchers)))

    promql_parser.walk(promql_parser.parse(render(expr, "5m")), visit)
    return found


def is_plain_selector(expr: str) -> bool:
    """Whether ``expr`` is just a vector selector such as ``http_requests_total{code="200"}``."""
    try:
        node = promql_parser.parse(expr)
    except ValueError:
        return False
    return isinstance(node, promql_parser.VectorSelector) and node.offset is None


def division_operands(expr: str) -> tuple[str, str] | None:
    """``(numerator, denominator)`` PromQL when ``expr`` is, at its top, ``a / b``; else None."""
    node = promql_parser.parse(render(expr, "5m"))
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    if isinstance(node, promql_parser.BinaryExpr) and str(node.op) == "/":
        return str(node.lhs), str(node.rhs)
    return None
