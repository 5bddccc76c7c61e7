"""Check and escape the Go ``text/template`` syntax Prometheus parses in alert labels and
annotations.

Prometheus refuses a whole rule file when one alert's label or annotation is not a template it
can parse (``description: "uses {{ braces"``), so specs are checked here, at load time, with
the same lexical rules: an action runs from ``{{`` to the first ``}}`` outside a quoted string,
uses only the variables Prometheus defines (``$labels``, ``$externalLabels``, ``$externalURL``,
``$value``) and functions it registers. Free text that is not meant as a template (an SLO's
description, its labels) is escaped instead.

Example::

    check("{{ $labels.backend }} is down")        # None: fine
    check("uses {{ braces")                       # 'unclosed action: "{{" without "}}" ...'
    literal("a {{ b")                             # 'a {{ "{{" }} b'
"""

from __future__ import annotations

import re

#: Functions of Go's text/template and Prometheus' template package (``template.go``).
FUNCTIONS = frozenset((
    "and", "call", "html", "index", "slice", "js", "len", "not", "or", "print", "printf",
    "println", "urlquery", "eq", "ge", "gt", "le", "lt", "ne", "query", "first", "label",
    "value", "strvalue", "args", "reReplaceAll", "safeHtml", "match", "title", "toUpper",
    "toLower", "graphLink", "tableLink", "sortByLabel", "humanize", "humanize1024",
    "humanizeDuration", "humanizePercentage", "humanizeTimestamp", "toTime", "toDuration",
    "pathPrefix", "externalURL", "parseDuration", "now", "urlUnescape", "stripPort",
    "stripDomain",
))  # fmt: skip
#: Variables Prometheus defines before expanding an alert's labels and annotations.
VARIABLES = frozenset(("$", "$labels", "$externalLabels", "$externalURL", "$value"))
_CONTROL = frozenset(("if", "else", "end", "range", "with", "define", "template", "block",
                      "break", "continue"))  # fmt: skip
_TOKEN = re.compile(
    r"""\s+|(?P<str>"(?:[^"\\\n]|\\.)*")|(?P<raw>`[^`]*`)|(?P<char>'(?:[^'\\\n]|\\.)+')"""
    r"""|(?P<num>[-+]?(?:0[xX][0-9a-fA-F_]+|\d[\d_]*\.?\d*(?:[eE][-+]?\d+)?|\.\d+))"""
    r"""|(?P<var>\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|(?P<field>(?:\.[A-Za-z0-9_]+)+|\.)"""
    r"""|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>[|()])"""
)


def literal(text: str) -> str:
    """``text`` as a template that prints it unchanged: every ``{{`` becomes an action
    printing ``{{``."""
    return text.replace("{{", '{{ "{{" }}')


def check(text: str) -> str | None:
    """Why ``text`` is not a template Prometheus can parse, or None."""
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            return None
        inner = start + 2
        if text.startswith("-", inner) and text[inner + 1 : inner + 2].isspace():
            inner += 2
        if text.startswith("/*", inner):
            close = text.find("*/", inner + 2)
            end = text.find("}}", close + 2) if close >= 0 else -1
            if close < 0 or text[close + 2 : end].strip(" -") != "":
                return "unclosed comment: {{/* needs */}}"
            pos = end + 2
            continue
        end, reason = _action(text, inner)
        if reason:
            return reason
        pos = end


def _action(text: str, pos: int) -> tuple[int, str | None]:
    """Lex one action from ``pos`` (after ``{{``): the position after its ``}}`` and why it is
    not a valid pipeline, if it is not."""
    tokens: list[tuple[str, str]] = []
    while True:
        if text.startswith("}}", pos):
            pos += 2
            break
        if text.startswith("-}}", pos) and text[pos - 1].isspace():
            pos += 3
            break
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if pos >= len(text):
                return pos, 'unclosed action: "{{" without "}}" (write {{ "{{" }} for braces)'
            return pos, f"unexpected {text[pos]!r} in template action {_excerpt(text, pos)}"
        pos = m.end()
        if m.lastgroup:
            tokens.append((m.lastgroup, m.group()))
    return pos, _pipeline(tokens)


def _pipeline(tokens: list[tuple[str, str]]) -> str | None:  # noqa: C901 - one check per Go template rule
    if not tokens:
        return 'empty template action "{{}}"'
    depth, expect_operand = 0, True
    for kind, value in tokens:
        if kind == "ident":
            if value in _CONTROL:
                return f"{{{{ {value} }}}}: control structures are not supported here"
            if value not in FUNCTIONS and value not in ("true", "false", "nil"):
                return f"function {value!r} is not defined in Prometheus templates"
        elif kind == "var":
            if value.split(".", 1)[0] not in VARIABLES:
                return f"undefined variable {value.split('.', 1)[0]!r} in a template action"
        elif kind == "punct":
            if value == "(":
                depth += 1
            elif value == ")":
                depth -= 1
                if depth < 0 or expect_operand:
                    return "unbalanced ')' in a template action"
            elif expect_operand:
                return "missing command before '|' in a template action"
            expect_operand = value != ")"
            continue
        expect_operand = False
    if depth or expect_operand:
        return "unclosed '(' or trailing '|' in a template action"
    return None


def _excerpt(text: str, pos: int) -> str:
    start = text.rfind("{{", 0, pos)
    return repr(text[start : pos + 10])
