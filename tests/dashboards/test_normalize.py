"""The normalisation layer: grafanalib 0.7.1 output in, strict-schema dashboard JSON out."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import grafanalib.core as G
import pytest
from grafanalib._gen import DashboardEncoder

from qobserve.dashboards.normalize import SCHEMA_VERSION, normalize, render


def encode(board: G.Dashboard) -> dict[str, Any]:
    """What grafanalib itself writes for ``board``."""
    return json.loads(json.dumps(board.to_json_data(), cls=DashboardEncoder))


def sample() -> G.Dashboard:
    """One of each grafanalib object the generators use, with grafanalib's defaults."""
    pos = G.GridPos(h=8, w=12, x=0, y=1)
    target = G.Target(expr="up", refId="A")
    return G.Dashboard(
        title="t", uid="u",
        panels=[
            G.RowPanel(title="row", gridPos=G.GridPos(h=1, w=24, x=0, y=0)),
            G.TimeSeries(title="ts", targets=[target], gridPos=pos,
                         thresholds=[G.Threshold("green", 0, 0.0), G.Threshold("red", 1, 3.0)]),
            G.Stat(title="stat", targets=[target], gridPos=pos),
            G.Table(title="table", targets=[target], gridPos=pos),
            G.Text(title="text", content="hi", gridPos=pos),
        ],
        templating=G.Templating([G.Template(name="v", query="label_values(up, job)")]),
        links=[G.DashboardLink(title="l", type="link", uri="/d/x")],
    ).auto_panel_ids()  # fmt: skip


def null_paths(value: Any, path: str = "") -> list[str]:
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in null_paths(v, f"{path}/{k}")]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in null_paths(v, f"{path}/{i}")]
    return [path.lstrip("/")] if value is None else []


def test_raw_grafanalib_output_fails_the_strict_schema(validate: Callable[[Any], list[str]]):
    # the reason this layer exists; if grafanalib ever emits valid JSON this test says so
    assert validate(encode(sample()))


def test_normalised_output_passes_the_strict_schema(validate: Callable[[Any], list[str]]):
    assert validate(normalize(encode(sample()))) == []


def test_legacy_and_unset_fields_are_gone():
    out = normalize(encode(sample()))
    assert out["schemaVersion"] == SCHEMA_VERSION
    assert not {"__inputs", "rows", "style", "hideControls", "sharedCrosshair"} & out.keys()
    assert "time_options" not in out["timepicker"]
    # grafanalib's "unset" is null, which the strict schema rejects almost everywhere; the
    # only null left is the base threshold step's value, where Grafana means "-infinity"
    assert set(null_paths(out)) == {"panels/1/fieldConfig/defaults/thresholds/steps/0/value"}
    for panel in out["panels"]:
        assert not {"span", "editable", "error", "height", "minSpan"} & panel.keys()
        for target in panel.get("targets", []):
            assert not {"query", "target", "metric", "step", "intervalFactor"} & target.keys()
            assert target["expr"] == "up"


def test_threshold_steps_take_the_field_config_shape():
    panels = {p["title"]: p for p in normalize(encode(sample()))["panels"]}
    steps = panels["ts"]["fieldConfig"]["defaults"]["thresholds"]["steps"]
    assert steps == [{"color": "green", "value": None}, {"color": "red", "value": 3.0}]
    # Stat's grafanalib default of "" thresholds means "none": Grafana's own default applies
    assert "thresholds" not in panels["stat"]["fieldConfig"]["defaults"]


def test_table_options_move_into_field_defaults():
    table = next(p for p in normalize(encode(sample()))["panels"] if p["title"] == "table")
    assert not {"columns", "fontSize", "color", "mappings"} & table.keys()
    assert table["fieldConfig"]["defaults"]["color"] == {"mode": "thresholds"}
    assert table["fieldConfig"]["defaults"]["mappings"] == []


def test_rows_keep_only_row_fields():
    row = normalize(encode(sample()))["panels"][0]
    assert row == {
        "type": "row",
        "title": "row",
        "collapsed": False,
        "id": 1,
        "panels": [],
        "gridPos": {"h": 1, "w": 24, "x": 0, "y": 0},
    }


def test_collapsed_row_panels_are_normalised_too(validate: Callable[[Any], list[str]]):
    inner = G.TimeSeries(
        title="in", targets=[G.Target(expr="up", refId="A")], gridPos=G.GridPos(h=8, w=12, x=0, y=1)
    )
    board = G.Dashboard(
        title="t",
        panels=[
            G.RowPanel(
                title="r", collapsed=True, panels=[inner], gridPos=G.GridPos(h=1, w=24, x=0, y=0)
            )
        ],
    )
    out = normalize(encode(board.auto_panel_ids()))
    assert validate(out) == []
    assert "query" not in out["panels"][0]["panels"][0]["targets"][0]


def test_a_row_with_queries_is_refused():
    row = G.RowPanel(title="r", targets=[G.Target(expr="up", refId="A")])
    with pytest.raises(ValueError, match="cannot carry"):
        normalize(encode(G.Dashboard(title="t", panels=[row])))


def test_legacy_rows_are_refused():
    board = G.Dashboard(title="t", rows=[G.Row(panels=[G.Text(content="x")])])
    with pytest.raises(ValueError, match="legacy Row"):
        normalize(encode(board))


def test_variables_lose_tag_fields_and_empty_current():
    var = normalize(encode(sample()))["templating"]["list"][0]
    assert not {"useTags", "tagsQuery", "tagValuesQuery", "auto", "auto_min"} & var.keys()
    assert "current" not in var  # no default: Grafana picks the first value on load
    chosen = G.Template(name="v", query="a,b", type="custom", default="b")
    out = normalize(encode(G.Dashboard(title="t", templating=G.Templating([chosen]))))
    assert out["templating"]["list"][0]["current"] == {"selected": True, "text": "b", "value": "b"}


def test_interval_variables_keep_their_auto_options():
    var = G.Template(name="i", query="1m,5m", type="interval", auto=True)
    out = normalize(encode(G.Dashboard(title="t", templating=G.Templating([var]))))
    assert out["templating"]["list"][0]["auto"] is True


def test_unknown_fields_pass_through_for_the_schema_to_catch(validate: Callable[[Any], list[str]]):
    panel = G.TimeSeries(
        title="x", gridPos=G.GridPos(h=1, w=1, x=0, y=0), extraJson={"notAGrafanaField": 1}
    )
    out = normalize(encode(G.Dashboard(title="t", panels=[panel]).auto_panel_ids()))
    assert out["panels"][0]["notAGrafanaField"] == 1
    assert validate(out)


def test_render_is_deterministic_sorted_and_newline_terminated():
    first, second = render(sample()), render(sample())
    assert first == second and first.endswith("}\n")
    assert json.loads(first) == json.loads(json.dumps(json.loads(first), sort_keys=True))
    assert list(json.loads(first)) == sorted(json.loads(first))
