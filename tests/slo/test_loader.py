"""Loading specs from files and folders: formats, order, and errors reported all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from qobserve import contract
from qobserve.slo import load
from qobserve.slo.model import EVENT_KINDS, EventSLI, TimeSliceSLI
from tests.conftest import CATALOG
from tests.slo.conftest import ANCHORS, Write, errors, load_quiet

V1 = """
version: qobserve/v1
slos:
  - name: {name}
    objective: 99
    sli: {{kind: job_success}}
"""


def test_catalog_covers_the_quantum_slis() -> None:
    slos = load([CATALOG])
    kinds = {s.sli.kind for s in slos}
    # the list: success (simulators and QPU-class), latency, queue wait, freshness,
    # availability, coverage, duplicates, divergence
    assert kinds == {"job_success", "latency", "queue_wait", "freshness", "availability",
                     "coverage", "duplicates", "divergence"}  # fmt: skip
    success = {s.name: s.sli.params["selectors"] for s in slos if s.sli.kind == "job_success"}
    assert sorted(sel["backend_type"] for sel in success.values()) == ["qpu|emulator", "simulator"]
    queue = next(s for s in slos if s.sli.kind == "queue_wait")
    assert (queue.objective, queue.sli.params["threshold_seconds"]) == (0.95, 600.0)
    freshness = next(s for s in slos if s.sli.kind == "freshness")
    assert freshness.sli.params["max_age_seconds"] == 86400
    assert [s.name for s in slos] == sorted(s.name for s in slos)
    for slo in slos:
        assert slo.description and slo.format == "qobserve/v1"
        if slo.sli.kind in EVENT_KINDS:
            assert isinstance(slo.sli, EventSLI)
            assert isinstance(slo.sli.params["selectors"], dict)


def test_catalog_event_params_follow_the_report_convention() -> None:
    for slo in load([CATALOG]):
        params = slo.sli.params
        for label in params.get("selectors", {}):  # type: ignore[union-attr]
            assert label in contract.JOB_EVENT_COLUMNS
        if slo.sli.kind in ("latency", "queue_wait"):
            assert params["threshold_seconds"] in contract.DURATION_BUCKETS
        if slo.sli.kind == "divergence":
            assert 0 < float(params["fidelity_threshold"]) <= 1  # type: ignore[arg-type]


def test_folders_and_files_mix_and_sort(write: Write, tmp_path: Path) -> None:
    sub = tmp_path / "more"
    sub.mkdir()
    write(V1.format(name="zeta"), "z.yaml")
    write(V1.format(name="alpha"), "more/a.yml")
    write("not: read", "more/notes.txt")
    slos = load([tmp_path, sub / "a.yml", sub])
    assert [s.name for s in slos] == ["alpha", "zeta"]
    assert {Path(s.source).name for s in slos} == {"a.yml", "z.yaml"}


@pytest.mark.shared
def test_three_formats_in_one_load() -> None:
    slos, _ = load_quiet(
        ANCHORS / "sloth" / "01-base-30d" / "in-base.yaml",
        ANCHORS / "sloth" / "03-openslo-v1alpha" / "in-openslo.yaml",
        CATALOG / "backends.yaml",
    )
    assert {s.format for s in slos} == {"prometheus/v1", "openslo/v1", "qobserve/v1"}
    assert isinstance(next(s for s in slos if s.sli.kind == "availability").sli, TimeSliceSLI)


def test_every_problem_in_every_file_is_reported(write: Write) -> None:
    a = write(
        """
        version: qobserve/v1
        slos:
          - name: one
            objective: 120
            sli: {kind: job_success}
          - name: two
            objective: 99
            sli: {kind: nope}
        """,
        "a.yaml",
    )
    b = write("version: qobserve/v1\nslos: [\n", "b.yaml")
    c = write("", "c.yaml")
    lines = errors(a, b, c)
    assert len(lines) == 4, lines
    assert lines[0].startswith(f"{a}: one: slos[0].objective: ")
    assert lines[1].startswith(f"{a}: two: slos[1].sli.kind: unknown SLI kind 'nope'")
    assert lines[2].startswith(f"{b}: not valid YAML: line 3")
    assert lines[3] == f"{c}: empty file: no SLO specification in it"


def test_duplicate_names_across_files(write: Write) -> None:
    a = write(V1.format(name="same"), "a.yaml")
    b = write(V1.format(name="same"), "b.yaml")
    (line,) = errors(a, b)
    assert line == f"{b}: same: slos[0].name: duplicate SLO name; first defined in {a}: slos[0]"


def test_wrong_kinds_of_file(write: Write) -> None:
    lines = errors(
        write("- a list\n", "list.yaml"),
        write("groups: []\n", "rules.yaml"),
        write("version: qobserve/v2\nslos: []\n", "v2.yaml"),
        write("apiVersion: sloth.slok.dev/v1\nkind: AlertWindows\n", "w.yaml"),
    )
    # a YAML list is a list of objects (OpenSLO's tools write them): its item is not a spec
    assert "list.yaml: [0]: not an SLO specification" in lines[0] and "got a str" in lines[0]
    assert "rules.yaml: not an SLO specification" in lines[1]
    assert "v2.yaml: version: unknown version 'qobserve/v2'" in lines[2]
    # Sloth's AlertWindows is read (see test_alert_windows.py): this one has no spec
    assert "w.yaml: spec: is required" in lines[3]


def test_missing_path_and_duplicate_yaml_keys(write: Write, tmp_path: Path) -> None:
    dup = write("version: qobserve/v1\nversion: qobserve/v1\nslos: []\n", "dup.yaml")
    lines = errors(tmp_path / "absent.yaml", dup)
    assert lines[0] == f"{tmp_path / 'absent.yaml'}: no such file or folder"
    assert "duplicate key 'version'" in lines[1] and "line 2" in lines[1]


def test_multi_document_files(write: Write) -> None:
    path = write(V1.format(name="a") + "---\n" + V1.format(name="b"))
    assert [s.name for s in load([path])] == ["a", "b"]
    bad = write(V1.format(name="a") + "---\nfoo: 1\n", "bad.yaml")
    assert errors(bad) == [
        f"{bad}: document[1]: not an SLO specification (expected "
        "`version: qobserve/v1`, Sloth's `version: prometheus/v1`, OpenSLO "
        "`apiVersion: openslo/v1` with `kind: SLO`, or Pyrra's `apiVersion: pyrra.dev/v1alpha1` "
        "with `kind: ServiceLevelObjective`)"
    ]


def test_invalid_names_and_labels(write: Write) -> None:
    path = write("""
        version: qobserve/v1
        labels: {"bad-label": x, slo: y}
        slos:
          - name: "no spaces please"
            objective: 99
            sli: {kind: job_success}
            alerting: {name: "Bad Name"}
        """)
    lines = errors(path)
    assert any("name: must start with a letter or digit" in e for e in lines)
    assert any("labels.bad-label: is not a valid Prometheus label name" in e for e in lines)
    assert any("labels.slo: the 'slo' label is set by qobserve itself" in e for e in lines)
    assert any("page_alert.name: 'Bad Name' is not a valid alert name" in e for e in lines)
