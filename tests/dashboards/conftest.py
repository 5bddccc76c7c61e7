"""Fixtures of the dashboard tests: an SLO catalog and Grafana's strict dashboard schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jsonschema
import pytest

from qobserve import contract as C
from qobserve.dashboards import dashboard_files
from qobserve.slo import load
from qobserve.slo.model import SLO, EventSLI, TimeSliceSLI
from tests.conftest import CATALOG, DATA

W = "{{.window}}"
#: every generated dashboard, in navigation order
UIDS = ("qobserve-executive", "qobserve-oncall", "qobserve-slos", "qobserve-slo", "qobserve-debug")
SCHEMA = DATA / "grafana-dashboard.jsonschema.json"


def _jobs(matchers: str = "") -> str:
    return f"sum(rate({C.JOBS_TOTAL.name}{{{matchers}}}[{W}]))"


@pytest.fixture(scope="session")
def catalog() -> list[SLO]:
    """The default SLO catalog of the repository (``slo/``)."""
    return load([CATALOG])


@pytest.fixture(scope="session", params=["catalog", "varied"])
def slos(request: pytest.FixtureRequest, catalog: list[SLO]) -> list[SLO]:
    """The default catalog, then a small one with what it lacks: two periods (30d and 28d),
    a runbook URL, a 90% objective that cannot reach the fast page factor."""
    if request.param == "catalog":
        return catalog
    return [
        SLO("qpu-job-success", "quantum-jobs", 0.95, timedelta(days=28),
            EventSLI("job_success", bad=_jobs('backend_type="qpu",outcome!="success"'),
                     total=_jobs('backend_type="qpu"')),
            runbook_url="https://runbooks.example/qpu-job-success"),
        SLO("queue-wait", "quantum-jobs", 0.95, timedelta(days=30),
            EventSLI("queue_wait", params={"threshold_seconds": 600}),
            description="95% of jobs wait at most 10 minutes."),
        SLO("result-divergence", "quantum-jobs", 0.9, timedelta(days=30),
            EventSLI("divergence")),
        SLO("calibration-freshness", "backends", 0.99, timedelta(days=30),
            TimeSliceSLI("freshness", good="1", params={"max_age_seconds": 43200}),
            group_by=("backend",)),
    ]  # fmt: skip


@pytest.fixture(scope="session")
def validate() -> Callable[[Any], list[str]]:
    """Validate a dashboard dict against the vendored strict schema; returns the errors."""
    schema = json.loads(SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)

    def run(board: Any) -> list[str]:
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
                for e in validator.iter_errors(board)]  # fmt: skip

    return run


@pytest.fixture(scope="module")
def boards(slos: list[SLO]) -> dict[str, dict[str, Any]]:
    """uid -> dashboard JSON, for the catalog ``slos``."""
    files = dashboard_files(slos)
    assert sorted(files) == sorted(f"{u}.json" for u in UIDS)
    return {json.loads(t)["uid"]: json.loads(t) for t in files.values()}
