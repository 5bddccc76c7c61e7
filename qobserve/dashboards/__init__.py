"""Grafana dashboards generated from the SLO catalog: executive, on-call, SLO list, SLO detail
and debug.

Built with grafanalib (the ``dashboards`` extra) and normalised to Grafana's current dashboard
model, so the JSON validates against Grafana's strict schema. Output is deterministic: fixed
uids, sorted keys, no timestamps.

Example::

    from qobserve.dashboards import dashboard_files
    for name, text in dashboard_files(slos).items():
        (Path("dashboards") / name).write_text(text)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from qobserve.slo.model import SLO

if TYPE_CHECKING:
    import grafanalib.core as G

__all__ = ["build_dashboards", "dashboard_files"]


def build_dashboards(slos: Sequence[SLO]) -> dict[str, G.Dashboard]:
    """File name under ``dashboards/`` -> grafanalib dashboard, for the catalog ``slos``."""
    from qobserve.dashboards import debug, executive, oncall, slo_detail, slo_list
    from qobserve.dashboards.panels import DASHBOARDS

    builders = {"executive": executive.build, "oncall": oncall.build, "slos": slo_list.build,
                "slo": slo_detail.build, "debug": debug.build}  # fmt: skip
    return {f"{DASHBOARDS[kind][0]}.json": build(slos) for kind, build in builders.items()}


def dashboard_files(slos: Sequence[SLO]) -> dict[str, str]:
    """File name under ``dashboards/`` -> dashboard JSON text, for the catalog ``slos``.

    The same catalog always gives the same bytes.
    """
    from qobserve.dashboards.normalize import render

    return {name: render(board) for name, board in build_dashboards(slos).items()}
