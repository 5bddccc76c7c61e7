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
from qobserve.slo.problems import short

# OpenSLO's shorthand also has M (month), Q (quarter) and Y (year): calendar units that a
# rolling Prometheus window cannot express.
_CALENDAR_UNIT = re.compile(r"\s*\d+\s*[MQY]\s*")
_DURATION_SHAPE = re.compile(r"\d+(\.\d+)?|(\d+(ms|y|w|d|h|m|s))+")
#: A Prometheus label (and alert) name, matched with fullmatch: "^...$" with match() lets a
#: trailing newline through.
LABEL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
    except BaseException as err:  # the Rust parser panics on some inputs
        return f"is not valid PromQL: {type(err).__name__}"
    for selector in _selectors(node):
        for _, op, value in selector.matchers:
            reason = go_regex_problem(value) if op in ("=~", "!~") else None
            if reason:
                return f"is not valid PromQL: regex {short(value)} {reason}"
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
    return _selectors(promql_parser.parse(render(expr, "5m")))


def _selectors(root: promql_parser.Expr) -> list[Selector]:
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

    promql_parser.walk(root, visit)
    return found


def check_regex(regex: str) -> str | None:
    """Why Prometheus would refuse ``regex`` as a label matcher (it uses Go's RE2 syntax), or
    None.

    promql-parser (Rust's regex crate, RE2-like) refuses lookaround and backreferences; the
    few constructs Rust accepts and Go does not are checked by hand.
    """
    try:
        promql_parser.parse(f"x{{l=~{quote(regex)}}}")
    except ValueError:
        try:
            re.compile(regex)
        except re.error as err:
            return f"is not a valid regular expression: {err}"
        return "is not an RE2 regular expression (no lookaround or backreferences)"
    except BaseException as err:  # the Rust parser panics on some inputs
        return f"is not an RE2 regular expression ({type(err).__name__})"
    return go_regex_problem(regex)


#: Go's regexp/syntax limit on a counted repetition ``{n,m}``.
_MAX_REPEAT = 1000
_REPEAT = re.compile(r"\{(\d+)(,(\d*))?\}")
_GO_FLAGS = set("imsU-")


def go_regex_problem(regex: str) -> str | None:
    """What Go's RE2 parser refuses in ``regex`` that Rust's accepts: nested repetition
    (``a++``, ``a**``), counts above 1000, flags other than ``imsU``, ``(?<name>``."""
    i, n = 0, len(regex)
    repeated = lazy = False
    while i < n:
        c = regex[i]
        if c == "\\":
            i += 2
            repeated = False
            continue
        if c == "[":
            i = _class_end(regex, i)
            repeated = False
            continue
        if regex.startswith("(?", i) and not regex.startswith(("(?P<", "(?:"), i):
            j = i + 2
            while j < n and regex[j] not in ":)":
                if regex[j] not in _GO_FLAGS:
                    return f"uses the flag or group syntax (?{regex[j]}, which RE2 lacks"
                j += 1
        m = _REPEAT.match(regex, i) if c == "{" else None
        if c in "*+?" or m:
            if c == "?" and repeated and not lazy:
                lazy = True
                i += 1
                continue
            if repeated:
                return f"has a nested repetition operator at {regex[max(0, i - 1) : i + 1]!r}"
            if m:
                counts = [int(x) for x in (m.group(1), m.group(3)) if x]
                if max(counts) > _MAX_REPEAT:
                    return f"repeats more than {_MAX_REPEAT} times ({m.group()})"
                i = m.end()
            else:
                i += 1
            repeated, lazy = True, False
            continue
        repeated = False
        i += 1
    return None


def _class_end(regex: str, i: int) -> int:
    """The index after the character class starting at ``regex[i] == "["``."""
    j = i + 1
    if regex.startswith("^", j):
        j += 1
    if regex.startswith("]", j):
        j += 1
    while j < len(regex) and regex[j] != "]":
        if regex[j] == "\\":
            j += 1
        elif regex.startswith("[:", j):
            close = regex.find(":]", j + 2)
            j = close + 1 if close >= 0 else j
        j += 1
    return j + 1


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
