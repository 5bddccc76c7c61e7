"""qobserve/v1 specs: fields, defaults, and one precise message per mistake."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from qobserve.slo.model import EventSLI, TimeSliceSLI
from tests.slo.conftest import Write, errors, load_quiet


def spec(sli: str, extra: str = "", objective: object = 99) -> str:
    return f"""
version: qobserve/v1
service: svc
labels: {{team: quantum}}
slos:
  - name: s
    objective: {objective}
    sli: {sli}
{extra}"""


def only_error(write: Write, text: str) -> str:
    path = write(text)
    (line,) = errors(path)
    prefix = f"{path}: "
    assert line.startswith(prefix), line
    return line[len(prefix) :]


def test_defaults_and_fields(write: Write) -> None:
    (slo,), notes = load_quiet(
        write(
            spec(
                "{kind: job_success}",
                """\
    description: All jobs.
    period: 7d
    min_events: 5
    group_by: [backend]
    labels: {tier: "1"}
    runbook_url: https://runbooks.example/s
    alerting:
      name: JobsBurn
      labels: {owner: me}
      page_alert: {labels: {pager: yes}, annotations: {note: hi}}
      ticket_alert: {disable: true}
""",
                objective=99.9,
            )
        )
    )
    assert notes == []
    assert (slo.name, slo.service, slo.objective, slo.error_budget) == ("s", "svc", 0.999, 0.001)
    assert slo.period == timedelta(days=7) and slo.period_str == "7d"
    assert slo.labels == {"team": "quantum", "tier": "1"}
    assert slo.group_by == ("backend",) and slo.min_events == 5
    assert slo.description == "All jobs." and slo.runbook_url == "https://runbooks.example/s"
    assert slo.page_alert is not None and slo.ticket_alert is not None
    assert slo.page_alert.name == "JobsBurn" and not slo.page_alert.disabled
    assert slo.page_alert.labels == {"owner": "me", "pager": "true"}
    assert slo.page_alert.annotations == {"note": "hi"}
    assert slo.ticket_alert.disabled
    assert slo.sli.total == "sum by (backend) (rate(quantum_jobs_total[{{.window}}]))"  # type: ignore[union-attr]


def test_default_period_and_alert_name(write: Write) -> None:
    (slo,), _ = load_quiet(write(spec("{kind: job_success}")))
    assert slo.period == timedelta(days=28)
    assert slo.page_alert is not None and slo.page_alert.name == "SLOErrorBudgetBurn"


@pytest.mark.parametrize(
    ("objective", "message"),
    [
        (120, "objective: must be a percentage strictly between 0 and 100, got 120"),
        (100, "objective: must be a percentage strictly between 0 and 100, got 100"),
        (0.99, "objective: is a percentage: 0.99 means 0.99 %; for 99 % write 99"),
        ("high", "objective: must be a percentage such as 99.9, got 'high'"),
    ],
)
def test_objective_out_of_range(write: Write, objective: object, message: str) -> None:
    assert (
        only_error(write, spec("{kind: job_success}", objective=objective))
        == f"s: slos[0].{message}"
    )


@pytest.mark.parametrize(("sli", "extra", "message"), [
    ("{kind: magic}", "", "sli.kind: unknown SLI kind 'magic' (expected one of: job_success, "
     "latency, queue_wait, duplicates, divergence, coverage, counter_ratio, raw, freshness, "
     "availability)"),
    ("{kind: latency, threshold: 500}", "",
     "sli.threshold: 500 s is not a bucket boundary of quantum_job_duration_seconds, so "
     "Prometheus cannot count jobs under it; nearest boundaries: 300 or 600 s"),
    ("{kind: queue_wait, threshold: 7m}", "",
     "sli.threshold: 420 s is not a bucket boundary of quantum_job_queue_seconds, so "
     "Prometheus cannot count jobs under it; nearest boundaries: 300 or 600 s"),
    ("{kind: latency}", "", "sli.threshold: is required"),
    ("{kind: freshness, max_age: soon}", "",
     "sli.max_age: 'soon' is not a duration (examples: 5m, 6h, 28d, 4w)"),
    ("{kind: job_success}", "    period: 1M",
     "period: '1M' uses a calendar unit (M, Q, Y); a rolling window needs a fixed duration "
     "such as 28d or 30d"),
    ("{kind: job_success}", "    period: 2d",
     "period: 2d is not longer than the longest alert window (3d); use a period such as 7d, "
     "28d or 30d"),
    ("{kind: job_success, selectors: {verdict: x}}", "",
     "sli.selectors.verdict: 'verdict' is not a label of quantum_jobs_total (labels: backend, "
     "provider, backend_type, experiment, outcome, error_type; target labels such as cluster "
     "or namespace are allowed)"),
    ("{kind: queue_wait, threshold: 600, selectors: {experiment: vqe}}", "",
     "sli.selectors.experiment: 'experiment' is not a label of quantum_job_queue_seconds "
     "(labels: backend, provider, backend_type; target labels such as cluster or namespace "
     "are allowed)"),
    ("{kind: job_success, selectors: {backend: '(unclosed'}}", "",
     "sli.selectors.backend: '(unclosed' is not a valid regular expression: missing ), "
     "unterminated subpattern at position 0"),
    ("{kind: coverage}", "    group_by: [backend]",
     "sli: group_by label 'backend' is not a label of quantum_telemetry_incomplete_total "
     "(target labels such as cluster or namespace are allowed)"),
    ("{kind: availability}", "    group_by: [experiment]",
     "sli: group_by label 'experiment' is not a label of quantum_backend_up (labels: backend; "
     "target labels such as cluster or namespace are allowed)"),
    ("{kind: job_success}", "    min_events: -1",
     "min_events: must be between 0 and 1,000,000,000, got -1"),
    ("{kind: job_success}", "    objetive: 99",
     "objetive: unknown field (expected one of: alerting, description, group_by, labels, "
     "min_events, name, objective, period, policy, runbook_url, service, sli)"),
    ("{kind: raw, error_ratio: 'sum(rate(errors[5m])) / sum(rate(total[5m]))'}", "",
     "sli.error_ratio: query has no {{.window}} placeholder: the query must use it as its "
     "range, e.g. [{{.window}}]"),
    ("{kind: raw, bad: 'sum(rate(errors[{{.window}}])', total: 'sum(rate(t[{{.window}}]))'}",
     "", "sli.bad: query is not valid PromQL: unclosed left parenthesis"),
    ("{kind: raw, error_ratio: 'sum(rate(e[{{.window}}]))/sum(rate(t[{{.window}}]))'}",
     "    min_events: 10",
     "min_events: needs event counts: give bad (or good) and total queries instead of an "
     "error ratio"),
    ("{kind: counter_ratio, bad: 'rate(x[5m])', total: x}", "",
     "sli.bad: 'rate(x[5m])' must be a metric selector such as http_requests_total{code=~\"5..\"}"),
    ("{kind: counter_ratio, total: x}", "", "sli: give exactly one of bad or good, with total"),
    ("{kind: raw, error_ratio: 'x[{{.window}}]'}", "",
     "sli.error_ratio: query is a range vector: a rule needs an instant vector, e.g. "
     "rate(x[{{.window}}])"),
    ("{kind: divergence, fidelity_threshold: 1.5}", "",
     "sli.fidelity_threshold: must be in (0, 1], got 1.5"),
    ("{kind: availability, slice: 10m}", "", "sli.slice: must be between 1s and 5m, got 10m"),
    ("{kind: job_success, threshold: 600}", "",
     "sli.threshold: unknown field (expected one of: kind, selectors)"),
])  # fmt: skip
def test_each_mistake_names_its_field(write: Write, sli: str, extra: str, message: str) -> None:
    assert only_error(write, spec(sli, extra)) == f"s: slos[0].{message}"


def test_missing_required_fields(write: Write) -> None:
    path = write("version: qobserve/v1\nslos:\n  - objective: 99\n  - name: x\n")
    assert errors(path) == [
        f"{path}: slos[0].name: is required",
        f"{path}: x: slos[1].objective: is required",
        f"{path}: x: slos[1].sli: is required",
    ]


def test_reserved_alert_labels_warn(write: Write) -> None:
    (slo,), notes = load_quiet(
        write(
            spec(
                "{kind: job_success}",
                """\
    alerting:
      page_alert: {labels: {severity: critical}}
""",
            )
        )
    )
    assert len(notes) == 1 and "qobserve sets the 'severity' label itself" in notes[0]
    assert slo.page_alert is not None


def test_kinds_build_their_slis(write: Write) -> None:
    text = """
version: qobserve/v1
slos:
  - {name: a, objective: 99, sli: {kind: availability, slice: 30s}, group_by: [backend]}
  - {name: f, objective: 95, sli: {kind: freshness, max_age: 12h, selectors: {backend: ibm_.*}}}
  - {name: l, objective: 95, sli: {kind: latency, threshold: 0.25}}
  - {name: r, objective: 95, sli: {kind: raw, error_ratio: 'avg_over_time(x{a="1"}[{{.window}}])'}}
"""
    slos, _ = load_quiet(write(text))
    by = {s.name: s.sli for s in slos}
    assert isinstance(by["a"], TimeSliceSLI) and by["a"].slice == "30s"
    assert by["a"].good == "avg by (backend) (max by (backend) (quantum_backend_up))"
    assert isinstance(by["f"], TimeSliceSLI) and by["f"].params["max_age_seconds"] == 43200
    assert 'backend=~"ibm_.*"' in by["f"].good and "< bool 43200" in by["f"].good
    assert isinstance(by["l"], EventSLI) and 'le=~"0\\\\.25"' in by["l"].bad
    assert isinstance(by["r"], EventSLI) and by["r"].error_ratio and not by["r"].total


@pytest.mark.parametrize(
    "sli",
    [
        "{kind: job_success, selectors: {namespace: 'prod-.*', backend: ibm_.*}}",
        "{kind: latency, threshold: 600, selectors: {team: chem}}",
        "{kind: queue_wait, threshold: 600, selectors: {namespace: prod}}",
        "{kind: duplicates, selectors: {team: chem}}",
        "{kind: divergence, selectors: {namespace: prod}}",
        "{kind: coverage}",
        "{kind: availability, selectors: {team: chem}}",
        "{kind: freshness, max_age: 1d, selectors: {namespace: prod}}",
    ],
)
def test_target_labels_select_and_group_every_kind(write: Write, sli: str) -> None:
    (slo,), notes = load_quiet(write(spec(sli, "    group_by: [cluster, team]")))
    assert notes == []
    assert slo.group_by == ("cluster", "team")
    for which in ("total", "good"):
        query = getattr(slo.sli, which, None)
        if query:
            assert "by (cluster, team)" in query or "by (backend, cluster, team)" in query
    selectors = re.findall(r"(namespace|team)=~", str(slo.sli))
    assert selectors or "selectors" not in sli
