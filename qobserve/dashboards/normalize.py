"""Turn grafanalib 0.7.1 output into dashboard JSON that Grafana's strict schema accepts.

grafanalib still writes the model of Grafana 4 to 7 beside the current one: ``schemaVersion``
12, legacy keys (``rows``, ``style``, ``span``, ``editable`` on panels, ``query``/``step`` on
targets, ``tags`` on variable values), ``null`` for every unset option, and threshold steps in
the old graph-panel shape. This module is the one place that knows about that: it removes the
legacy keys, drops unset options and rewrites the few structures whose shape changed. Anything
it does not know passes through unchanged, so the schema test catches a new legacy field
instead of this layer hiding it.

Example::

    import grafanalib.core as G
    text = render(G.Dashboard(title="Jobs", uid="jobs").auto_panel_ids())
    json.loads(text)["schemaVersion"]   # 41
"""

from __future__ import annotations

import json
from typing import Any

#: The dashboard model written: Grafana 12's. Every panel type used here exists since Grafana 8,
#: and Grafana loads a newer schemaVersion than it knows without migrating anything.
SCHEMA_VERSION = 41

Json = dict[str, Any]

# Keys grafanalib writes that the current model no longer has, per object kind.
_LEGACY_DASHBOARD = ("__inputs", "hideControls", "sharedCrosshair", "style")
_LEGACY_PANEL = ("editable", "error", "height", "minSpan", "span")
_LEGACY_TABLE = ("columns", "fontSize")  # superseded by fieldConfig / transformations
_LEGACY_TARGET = ("query", "target", "metric", "step", "intervalFactor")  # graphite era
_LEGACY_VARIABLE = ("useTags", "tagsQuery", "tagValuesQuery")
_INTERVAL_ONLY = ("auto", "auto_min", "auto_count")  # meaningful on interval variables only
_LEGACY_TIMEPICKER = ("time_options",)
#: what a row may carry; grafanalib gives rows every generic panel option
_ROW_KEYS = ("type", "collapsed", "title", "datasource", "gridPos", "id", "panels", "repeat")


def render(dashboard: Any) -> str:
    """Serialise a grafanalib ``Dashboard`` to normalised, deterministic JSON text.

    Keys are sorted and the text ends with a newline, so the same dashboard always gives the
    same bytes.
    """
    from grafanalib._gen import DashboardEncoder

    raw = json.loads(json.dumps(dashboard.to_json_data(), cls=DashboardEncoder))
    return json.dumps(normalize(raw), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def normalize(dashboard: Json) -> Json:
    """Return the dashboard dict (as grafanalib encodes it) in the current Grafana model."""
    if dashboard.get("rows"):
        raise ValueError("legacy Row objects are not supported; use RowPanel and gridPos")
    out: Json = _prune(_without(dashboard, (*_LEGACY_DASHBOARD, "rows")))
    out["schemaVersion"] = SCHEMA_VERSION
    if "timepicker" in out:
        out["timepicker"] = _without(out["timepicker"], _LEGACY_TIMEPICKER)
    out["panels"] = [_panel(p) for p in out.get("panels", [])]
    out["templating"] = {"list": [_variable(v) for v in out.get("templating", {}).get("list", [])]}
    out.setdefault("annotations", {"list": []})
    return out


def _panel(panel: Json) -> Json:
    if panel.get("type") == "row":
        return _row(panel)
    out = _without(panel, _LEGACY_PANEL)
    if out["type"] == "table":
        out = _table(out)
    defaults = out.get("fieldConfig", {}).get("defaults", {})
    if "thresholds" in defaults:
        thresholds = _thresholds(defaults.pop("thresholds"))
        if thresholds is not None:
            defaults["thresholds"] = thresholds
    if "fieldConfig" in out:
        out["fieldConfig"].setdefault("overrides", [])
    out["targets"] = [_target(t) for t in out.get("targets", [])]
    return out


def _row(row: Json) -> Json:
    dropped = {k: v for k, v in row.items() if k not in _ROW_KEYS}
    meaningful = {k: v for k, v in dropped.items() if k in ("targets", "links") and v}
    if meaningful:
        raise ValueError(f"row {row.get('title')!r} cannot carry {sorted(meaningful)}")
    out = {k: v for k, v in row.items() if k in _ROW_KEYS}
    out["panels"] = [_panel(p) for p in out.get("panels", [])]
    return out


def _table(panel: Json) -> Json:
    # grafanalib puts the table's colour mode and value mappings at the panel's top level,
    # where Grafana 7 had them; Grafana 8+ reads them from the field defaults.
    out = _without(panel, _LEGACY_TABLE)
    defaults = out.setdefault("fieldConfig", {}).setdefault("defaults", {})
    if "color" in out:
        defaults.setdefault("color", out.pop("color"))
    if "mappings" in out:
        defaults.setdefault("mappings", out.pop("mappings"))
    return out


def _thresholds(config: Json) -> Json | None:
    """Threshold steps in the field-config shape; None when there are none."""
    steps = config.get("steps")
    if not isinstance(steps, list) or not steps:
        return None  # grafanalib's Stat writes "" for "no thresholds"
    converted = []
    for i, step in enumerate(steps):
        value = step.get("value")
        # grafanalib's Threshold writes the base step's value as the string "null"
        base = i == 0 or value == "null" or step.get("index") == 0
        converted.append({"color": step["color"], "value": None if base else value})
    return {"mode": config.get("mode", "absolute"), "steps": converted}


def _target(target: Json) -> Json:
    out = _without(target, _LEGACY_TARGET)
    if out.get("interval") == "":
        del out["interval"]
    if out.get("hide") is False:
        del out["hide"]
    return out


def _variable(variable: Json) -> Json:
    out = _without(variable, _LEGACY_VARIABLE)
    if out.get("type") != "interval":
        out = _without(out, _INTERVAL_ONLY)
    current = out.pop("current", None)
    if current and current.get("text") is not None:
        out["current"] = _without(current, ("tags",))
    return out


def _without(obj: Json, keys: tuple[str, ...]) -> Json:
    return {k: v for k, v in obj.items() if k not in keys}


def _prune(value: Any) -> Any:
    """Drop keys whose value is None, recursively: grafanalib writes null for "unset"."""
    if isinstance(value, dict):
        return {k: _prune(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune(v) for v in value]
    return value
