"""Property test of the SLO loader and the rule generator: specs in qobserve/v1, Sloth, Pyrra
and OpenSLO with arbitrary strings in every free-text and label field, arbitrary numbers in
every numeric field, values nested in lists and YAML anchors shared between fields. Every spec
ends in exit 0 with rules ``promtool check rules`` accepts (both output formats), or exit 2
with lines naming the file and a field; never a traceback. ``validate`` and ``rules`` always
agree.

``FUZZ_N=500`` runs more examples (with fresh random inputs); the default is a fixed sample that
keeps the test under a minute.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qobserve.servers import promtool
from tests.conftest import require_binary
from tests.reliability.conftest import cli


def maybe(strategy: st.SearchStrategy[Any], good: Any) -> st.SearchStrategy[Any]:
    """``good`` most of the time (so that many specs load), else a drawn value. (Hypothesis
    favours the ends of a range: the drawn value is in the middle.)"""
    return st.integers(0, 9).flatmap(lambda i: strategy if i == 5 else st.just(good))


#: fragments that broke the loader or the output before, and their neighbours
HOSTILE = ["", " ", "{{", "}}", "{{ braces", "{{ $value", "{{ .window }}", "{{d}}", "{{ . }}",
           "$labels", "{{ $labels.x }}", "\x00", "\x01", "\x1b[31m", "\x85", "\u2028", "\ufeff",
           "'", '"', "\\", "\\1", "#", ": ", "- ", "&a", "*a", "!!python/object:os.system",
           "%", "`", "\n", "\t", "\r\n", "a" * 300, "__name__", "le", "0", "é☃", "(?!x)",
           "a++", "[", "(", ")", "}", "{", "=~", "!~", ",", "|", ".*", "a-b", "A", "a.b",
           "null", "~", "yes", "1e309", "nan"]  # fmt: skip
TEXT = st.one_of(
    st.text(max_size=20),
    st.sampled_from(HOSTILE),
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4)), max_size=4).map("".join),
)
NUMBER = st.one_of(
    st.integers(-(10**60), 10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 50, 90, 99, 99.9, 99.99, 100, 100.0001, 1e-300, True, "99", None]),
)
ANY = st.one_of(TEXT, NUMBER)
#: a free-text field: printable words or anything
FREE = st.one_of(st.text("abc XYZ-_./:0", max_size=12), TEXT)
DURATIONS = ["28d", "7d", "30d", "3d", "1w", "4w", "3d6h", "1h", "0s", "-1d", "1y",
             "99999999999d", "5m", "1m", "10s"]  # fmt: skip
DURATION = st.one_of(st.sampled_from(DURATIONS), ANY)
NAME = st.one_of(st.sampled_from(["a", "b", "job-success", "Foo", "foo", "x" * 300]), TEXT)
LABEL_NAME = st.one_of(st.sampled_from(["team", "tier", "severity", "slo", "le", "a_b"]), TEXT)
LABELS = st.dictionaries(maybe(LABEL_NAME, "team"), maybe(ANY, "quantum"), max_size=3)
ANNOTATIONS = st.dictionaries(
    maybe(TEXT, "summary") | st.sampled_from(["description", "runbook_url"]), FREE, max_size=3
)
#: PromQL templates, good ones with a hostile piece in a matcher value or name
QUERIES = ["sum(rate(e[{{.window}}]))", "sum(rate(t[{{.window}}]))",
           'sum(rate(http_requests_total{code=~"5.."}[{{ .window }}]))']  # fmt: skip
MATCHER = st.tuples(st.sampled_from(["x", "a:b", "le", "code"]), TEXT).map(
    lambda p: f'm{{{p[0]}="{p[1]}"}}'
)
QUERY = st.one_of(
    st.sampled_from(QUERIES),
    MATCHER.map(lambda m: f"sum(rate({m}[{{{{.window}}}}]))"),
    maybe(TEXT, QUERIES[0]),
)
#: a Pyrra metric: a selector
METRIC = st.one_of(st.just('http_requests_total{code=~"5.."}'), MATCHER, maybe(TEXT, "m"))
SELECTORS = st.dictionaries(
    st.one_of(st.sampled_from(["backend", "backend_type", "outcome", "experiment"]), TEXT),
    st.one_of(st.sampled_from(["qpu|emulator", "success", ".*", "fake_.*"]), ANY),
    max_size=2,
)


@st.composite
def shaped(draw: st.DrawFn, value: Any) -> Any:
    """``value`` as is, or nested in lists (hundreds deep at most: the loader bounds depth)."""
    if draw(st.integers(0, 19)) != 5:
        return value
    return draw(st.sampled_from([[value], [[value]], {"x": value}]))


@st.composite
def alert(draw: st.DrawFn, disable_key: str = "disable") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, strategy in (
        ("name", maybe(NAME, "Burn")),
        (disable_key, maybe(ANY, False) | st.booleans()),
        ("labels", LABELS),
        ("annotations", ANNOTATIONS),
    ):
        if draw(st.booleans()):
            out[key] = draw(shaped(draw(strategy)))
    return out


@st.composite
def qobserve_sli(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(["job_success", "latency", "queue_wait", "duplicates",
                                 "divergence", "coverage", "raw", "counter_ratio", "freshness",
                                 "availability"]))  # fmt: skip
    sli: dict[str, Any] = {"kind": draw(maybe(TEXT, kind))}
    if kind in ("raw", "counter_ratio"):
        sli["bad"], sli["total"] = draw(QUERY), draw(maybe(QUERY, QUERIES[1]))
    elif kind != "coverage" and draw(st.booleans()):
        sli["selectors"] = draw(SELECTORS)
    for key, strategy in (("threshold", maybe(NUMBER, 600)),
                          ("fidelity_threshold", maybe(NUMBER, 0.9)),
                          ("max_age", maybe(DURATION, "2h")),
                          ("slice", maybe(DURATION, "1m"))):  # fmt: skip
        if key in KIND_KEYS.get(kind, ()) or draw(st.integers(0, 9)) == 5:
            sli[key] = draw(strategy)
    return sli


@st.composite
def qobserve_spec(draw: st.DrawFn) -> dict[str, Any]:
    shared = draw(LABELS)  # the same object in several places: PyYAML writes an anchor
    slos = []
    for _ in range(draw(st.integers(1, 3))):
        slo: dict[str, Any] = {
            "name": draw(maybe(NAME, draw(st.sampled_from(["a", "b", "c"])))),
            "objective": draw(maybe(NUMBER, 99)),
            "sli": draw(qobserve_sli()),
        }
        optional = {
            "description": FREE,
            "period": maybe(DURATION, "28d"),
            "labels": st.one_of(st.just(shared), LABELS),
            "group_by": st.lists(maybe(ANY, "backend"), max_size=2),
            "min_events": maybe(NUMBER, 10),
            "runbook_url": FREE,
            "service": maybe(TEXT, "svc"),
            "alerting": st.fixed_dictionaries({}, optional={
                "name": NAME, "labels": st.one_of(st.just(shared), LABELS),
                "annotations": ANNOTATIONS, "page_alert": alert(), "ticket_alert": alert()}),
        }  # fmt: skip
        for key, strategy in optional.items():
            if draw(st.integers(0, 2)) == 0:
                slo[key] = draw(shaped(draw(strategy)))
        slos.append(slo)
    if draw(st.integers(0, 9)) == 5:
        slos.append(slos[0])  # an alias of a whole SLO: the same name twice
    doc: dict[str, Any] = {"version": "qobserve/v1", "slos": slos}
    if draw(st.booleans()):
        doc["labels"] = shared
    if draw(st.booleans()):
        doc["service"] = draw(maybe(TEXT, "quantum"))
    return doc


@st.composite
def sloth_spec(draw: st.DrawFn) -> dict[str, Any]:
    crd = draw(st.booleans())
    error_key, total_key = ("errorQuery", "totalQuery") if crd else ("error_query", "total_query")
    page, ticket = ("pageAlert", "ticketAlert") if crd else ("page_alert", "ticket_alert")
    slos = []
    for _ in range(draw(st.integers(1, 3))):
        if draw(st.integers(0, 3)):
            sli = {"events": {error_key: draw(QUERY), total_key: draw(maybe(QUERY, QUERIES[1]))}}
        else:
            ratio_key = "errorRatioQuery" if crd else "error_ratio_query"
            sli = {"raw": {ratio_key: draw(QUERY)}}
        slo: dict[str, Any] = {
            "name": draw(maybe(NAME, draw(st.sampled_from(["a", "b", "c"])))),
            "objective": draw(maybe(NUMBER, 99.9)),
            "sli": sli,
        }
        if draw(st.booleans()):
            slo["description"] = draw(FREE)
        if draw(st.booleans()):
            slo["labels"] = draw(LABELS)
        if draw(st.booleans()):
            slo["alerting"] = {"name": draw(maybe(NAME, "Burn")), "labels": draw(LABELS),
                               "annotations": draw(ANNOTATIONS), page: draw(alert()),
                               ticket: draw(alert())}  # fmt: skip
        slos.append(draw(shaped(slo)))
    spec: dict[str, Any] = {"service": draw(maybe(TEXT, "svc")), "slos": slos}
    if draw(st.booleans()):
        spec["labels"] = draw(LABELS)
    if crd:
        return {"apiVersion": "sloth.slok.dev/v1", "kind": "PrometheusServiceLevel",
                "metadata": {"name": draw(maybe(TEXT, "svc"))}, "spec": spec}  # fmt: skip
    return {"version": "prometheus/v1", **spec}


@st.composite
def pyrra_spec(draw: st.DrawFn) -> dict[str, Any]:
    indicator = draw(st.sampled_from([
        {"ratio": {"errors": {"metric": draw(METRIC)}, "total": {"metric": "http_requests_total"},
                   "grouping": draw(st.lists(maybe(ANY, "job"), max_size=2))}},
        {"latency": {"success": {"metric": 'http_duration_seconds_bucket{le="1"}'},
                     "total": {"metric": draw(maybe(METRIC, "http_duration_seconds_count"))}}},
        {"bool_gauge": {"metric": draw(maybe(METRIC, "probe_success"))}},
        draw(st.dictionaries(TEXT, ANY, max_size=1)),
    ]))  # fmt: skip
    spec: dict[str, Any] = {
        "target": draw(maybe(NUMBER | NUMBER.map(str), draw(st.sampled_from(["99.5", 99])))),
        "window": draw(maybe(DURATION, "28d")),
        "indicator": draw(shaped(indicator)),
    }
    if draw(st.booleans()):
        spec["description"] = draw(FREE)
    if draw(st.booleans()):
        spec["alerting"] = draw(st.fixed_dictionaries({}, optional={
            "disabled": maybe(ANY, False), "name": maybe(NAME, "Burn"),
            "burnrates": maybe(ANY, True), "absent": maybe(ANY, True)}))  # fmt: skip
    meta = {"name": draw(maybe(NAME, "api")), "namespace": draw(maybe(TEXT, "monitoring")),
            "labels": draw(LABELS)}  # fmt: skip
    return {"apiVersion": "pyrra.dev/v1alpha1", "kind": "ServiceLevelObjective",
            "metadata": meta, "spec": spec}  # fmt: skip


@st.composite
def openslo_spec(draw: st.DrawFn) -> list[dict[str, Any]] | dict[str, Any]:
    """An OpenSLO SLO with its SLI inline or by reference, and alert policies: a list of
    objects (as oslo and the go-sdk write them) or the SLO alone."""
    sli_name = draw(maybe(NAME, "checkout-ok"))
    query = st.one_of(st.just('checkout_total{status="ok"}'), MATCHER, maybe(TEXT, "x"))
    metric = {"ratioMetric": {
        "counter": draw(maybe(ANY, True)),
        "good": {"metricSource": {"type": draw(maybe(TEXT, "Prometheus")),
                                  "spec": {"query": draw(query)}}},
        "total": {"metricSource": {"type": "Prometheus", "spec": {"query": "checkout_total"}}},
    }}  # fmt: skip
    slo_spec: dict[str, Any] = {
        "service": draw(maybe(TEXT, "checkout")),
        "description": draw(FREE),
        "budgetingMethod": draw(maybe(TEXT, "Occurrences")),
        "timeWindow": [{"duration": draw(maybe(DURATION, "28d")),
                        "isRolling": draw(maybe(ANY, True))}],
        "objectives": [{"target": draw(maybe(NUMBER, 0.999)),
                        "displayName": draw(FREE)}],
    }  # fmt: skip
    objects: list[dict[str, Any]] = []
    inline = draw(st.booleans())
    if inline:
        slo_spec["indicator"] = {"metadata": {"name": sli_name}, "spec": metric}
    else:
        objects.append({"apiVersion": "openslo/v1", "kind": "SLI",
                        "metadata": {"name": sli_name}, "spec": metric})  # fmt: skip
        slo_spec["indicatorRef"] = draw(maybe(NAME, sli_name))
    if draw(st.booleans()):
        condition = {
            "severity": draw(maybe(TEXT, "page")),
            "condition": {"kind": draw(maybe(TEXT, "burnrate")), "op": draw(maybe(TEXT, "gte")),
                          "threshold": draw(maybe(NUMBER, 14.4)),
                          "lookbackWindow": draw(maybe(DURATION, "1h")),
                          "alertAfter": draw(maybe(DURATION, "5m"))},
        }  # fmt: skip
        objects.append({"apiVersion": "openslo/v1", "kind": "AlertPolicy",
                        "metadata": {"name": "policy"},
                        "spec": {"conditions": [{"kind": "AlertCondition",
                                                 "metadata": {"name": "fast"},
                                                 "spec": condition}]}})  # fmt: skip
        slo_spec["alertPolicies"] = [draw(maybe(NAME, "policy"))]
    slo = {"apiVersion": "openslo/v1", "kind": "SLO",
           "metadata": {"name": draw(maybe(NAME, "checkout-availability"))},
           "spec": slo_spec}  # fmt: skip
    if not objects and draw(st.booleans()):
        return slo
    return [*objects, slo]


#: the SLI keys each kind needs
KIND_KEYS = {"latency": ("threshold",), "queue_wait": ("threshold",), "freshness": ("max_age",)}
SPECS = st.one_of(qobserve_spec(), sloth_spec(), pyrra_spec(), openslo_spec())


def dump(doc: Any) -> str:
    """YAML of ``doc``, shared objects written once with an anchor and then as aliases."""
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1_000_000)


def check(doc: Any, tmp: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The property, for one spec document."""
    spec = tmp / "slo" / "spec.yaml"
    spec.parent.mkdir(parents=True, exist_ok=True)
    spec.write_text(dump(doc))
    results = {}
    runs = {
        "validate": ["validate", str(spec)],
        "rules": ["rules", str(spec), "-o", str(tmp / "out.rules.yml")],
        "kubernetes": ["rules", str(spec), "--format", "kubernetes", "-o", str(tmp / "k8s.yml")],
    }
    for name, argv in runs.items():
        try:
            code, err = cli(argv, capsys)
        except BaseException:
            pytest.fail(f"qobserve {name} raised on\n{spec.read_text()}\n{traceback.format_exc()}")
        assert "Traceback" not in err, (spec.read_text(), err)
        assert code in (0, 2), (argv, code, err, spec.read_text())
        if code == 2:
            errors = [line for line in err.splitlines() if ": error: " in line]
            assert errors, err
            assert all(f": error: {spec}: " in line for line in errors), (err, spec.read_text())
        results[name] = code
    assert len(set(results.values())) == 1, (results, spec.read_text())  # they agree
    if results["validate"] == 0:
        groups = [
            g
            for d in yaml.safe_load_all((tmp / "k8s.yml").read_text())
            for g in d["spec"]["groups"]
        ]
        (tmp / "k8s.rules.yml").write_text(yaml.safe_dump({"groups": groups}))
        done = promtool("check", "rules", str(tmp / "out.rules.yml"), str(tmp / "k8s.rules.yml"))
        assert done.returncode == 0, (done.stdout + done.stderr, spec.read_text())


#: what the property found, kept as examples: (why, the spec)
FOUND = {
    "a control character in a Pyrra metric's matcher became a newline in the rule file": {
        "apiVersion": "pyrra.dev/v1alpha1",
        "kind": "ServiceLevelObjective",
        "metadata": {"name": "api", "namespace": "monitoring"},
        "spec": {"target": "99.5", "window": "28d", "indicator": {"ratio": {
            "errors": {"metric": 'm{x="\x1e"}'}, "total": {"metric": "http_requests_total"}}}},
    },
    "an empty selector label passed validate, then rules raised": {
        "version": "qobserve/v1",
        "slos": [{"name": "a", "objective": 99,
                  "sli": {"kind": "job_success", "selectors": {"": "qpu|emulator"}}}],
    },
    "a selector label that is not a label name": {
        "version": "qobserve/v1",
        "slos": [{"name": "a", "objective": 99,
                  "sli": {"kind": "latency", "threshold": 600, "selectors": {"a-b": "x", 3: "y"}}}],
    },
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(FOUND))
def test_found_by_the_property(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_binary("promtool")
    check(FOUND[case], tmp_path, capsys)


def test_every_spec_loads_with_valid_rules_or_is_refused_naming_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_binary("promtool")
    fuzzing = bool(os.environ.get("FUZZ_N"))

    @settings(
        max_examples=int(os.environ.get("FUZZ_N", "150")),
        deadline=None,
        derandomize=not fuzzing,  # the same inputs every run: a CI failure reproduces
        database=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
        ],
    )
    @given(doc=SPECS)
    def run(doc: Any) -> None:
        check(doc, tmp_path, capsys)

    run()
