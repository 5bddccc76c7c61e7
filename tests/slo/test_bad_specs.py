"""Specs that used to crash the generator or pass ``validate`` with output Prometheus refuses:
each is refused by ``validate``, ``rules`` and ``generate`` alike, exit 2, with a line naming
the file and the field, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from qobserve.cli import main
from tests.slo.conftest import Write

GOOD_SLI = "{kind: raw, bad: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}"


def qobserve_spec(slo: str) -> str:
    return f"version: qobserve/v1\nslos:\n  - {{name: s, objective: 99, sli: {GOOD_SLI}, {slo}}}\n"


SLOTH_EVENTS = (
    "events: {error_query: 'sum(rate(e[{{.window}}]))', total_query: 'sum(rate(t[{{.window}}]))'}"
)

#: each anchor a list of ten aliases of the one before: 10**8 values once expanded
LAUGHS = list(zip("abcdefg", "bcdefgh", strict=True))

#: (spec text, the field the error must name, a fragment of the message)
CASES = {
    "nan objective": (
        "version: qobserve/v1\nslos:\n  - {name: s, objective: .nan, sli: {kind: job_success}}\n",
        "slos[0].objective",
        "must be a percentage",
    ),
    "lookahead selector": (
        "version: qobserve/v1\nslos:\n  - {name: s, objective: 99, sli: {kind: job_success, "
        "selectors: {outcome: '(?!success).*'}}}\n",
        "slos[0].sli.selectors.outcome",
        "not an RE2 regular expression",
    ),
    "backreference selector": (
        "version: qobserve/v1\nslos:\n  - {name: s, objective: 99, sli: {kind: job_success, "
        "selectors: {backend: '(a)\\1'}}}\n",
        "slos[0].sli.selectors.backend",
        "not an RE2 regular expression",
    ),
    "possessive selector": (
        "version: qobserve/v1\nslos:\n  - {name: s, objective: 99, sli: {kind: job_success, "
        "selectors: {backend: 'a++'}}}\n",
        "slos[0].sli.selectors.backend",
        "nested repetition",
    ),
    "possessive in a query": (
        "version: qobserve/v1\nslos:\n  - {name: s, objective: 99, sli: {kind: raw, "
        "bad: 'sum(rate(e{a=~\"x++\"}[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}}\n",
        "slos[0].sli.bad",
        "nested repetition",
    ),
    "unclosed braces in an annotation": (
        qobserve_spec("alerting: {annotations: {description: 'uses {{ braces'}}"),
        "slos[0].alerting.page_alert.annotations.description",
        "Prometheus cannot expand it",
    ),
    "unknown function in runbook_url": (
        qobserve_spec("alerting: {annotations: {runbook_url: 'https://x/{{d}}'}}"),
        "slos[0].alerting.page_alert.annotations.runbook_url",
        "function 'd' is not defined",
    ),
    "unclosed $value in a summary": (
        qobserve_spec("alerting: {ticket_alert: {annotations: {summary: 'value {{ $value'}}}"),
        "slos[0].alerting.ticket_alert.annotations.summary",
        "unclosed action",
    ),
    "braces in an alert label": (
        qobserve_spec("alerting: {labels: {team: '{{ oops'}}"),
        "slos[0].alerting.page_alert.labels.team",
        "unclosed action",
    ),
    "control character in the description": (
        qobserve_spec('description: "broken\\x01 header"'),
        "description",
        "control character",
    ),
    "empty label value": (
        qobserve_spec("labels: {team: ''}"),
        "labels.team",
        "is empty",
    ),
    "huge min_events": (
        qobserve_spec("min_events: 100000000000000000000000000000000000000000000000000"),
        "slos[0].min_events",
        "must be between 0 and",
    ),
    "names differing in case": (
        "version: qobserve/v1\nslos:\n"
        f"  - {{name: Foo, objective: 99, sli: {GOOD_SLI}}}\n"
        f"  - {{name: foo, objective: 99, sli: {GOOD_SLI}}}\n",
        "name",
        "only in case",
    ),
    "Sloth empty sli": (
        "version: prometheus/v1\nservice: svc\nslos:\n  - {name: a, objective: 99, sli: {}}\n",
        "slos[0].sli",
        "needs exactly one of events or raw",
    ),
    "Sloth empty service": (
        "version: prometheus/v1\nservice: ''\nslos:\n"
        f"  - {{name: a, objective: 99, sli: {{{SLOTH_EVENTS}}}}}\n",
        "service",
        "must not be empty",
    ),
    "Sloth error query equal to total": (
        "version: prometheus/v1\nservice: svc\nslos:\n  - {name: a, objective: 99, sli: {events: "
        "{error_query: 'sum(rate(t[{{.window}}]))', total_query: 'sum(rate(t[{{.window}}]))'}}}\n",
        "slos[0].sli.events.error_query",
        "same query as total_query",
    ),
    "deep nesting": (
        "version: qobserve/v1\nslos: " + "[" * 100_000 + "]" * 100_000 + "\n",
        "",
        "nested",
    ),
    "billion laughs as a name": (
        "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]\n" for a, b in LAUGHS)
        + "version: qobserve/v1\nslos:\n"
        "  - {name: *h, objective: 99, sli: {kind: job_success}}\n",
        "",
        "expands to more than",
    ),
    "alias of itself": (
        "version: qobserve/v1\nslos: &s [*s]\n",
        "",
        "refers to its own anchor",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("command", ["validate", "rules", "generate"])
def test_refused_by_every_command_naming_file_and_field(
    case: str,
    command: str,
    write: Write,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text, field, fragment = CASES[case]
    folder = tmp_path / "slo"
    folder.mkdir()
    path = folder / "spec.yaml"
    path.write_text(text)
    out_dir = tmp_path / "out"
    args = {
        "validate": ["validate", str(path)],
        "rules": ["rules", str(path)],
        "generate": ["generate", "--slo-dir", str(folder), "--out", str(out_dir)],
    }[command]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    lines = [line for line in err.splitlines() if fragment in line]
    assert lines, err
    assert all(line.startswith(f"qobserve {command}: error: {path}: ") for line in lines), err
    assert any(f"{field}: " in line for line in lines) if field else True, err
    assert not out_dir.exists()  # generate wrote (and removed) nothing
