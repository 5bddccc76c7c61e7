"""Debug panels on the job events in PostgreSQL, through Grafana's built-in PostgreSQL data
source (the ``$events`` variable): the latest failed jobs with a link to each trace, circuit
size by experiment and backend, and failures and fidelity against calibration age.

The SQL reads the ``job_events`` table of the event store (one row per job, the columns of
:data:`qobserve.contract.JOB_EVENT_COLUMNS`). A column the contract does not have yet
(``two_qubit_gates``, ``calibration_at``) leaves its panel or column out, so the panels work
with the store as it is and grow with it. Times are cast to ``timestamptz``, which reads both
ISO 8601 text and timestamp columns.

Example::

    section = section()      # "Jobs (event store)", for the debug dashboard
"""

from __future__ import annotations

import json

import grafanalib.core as G

from qobserve import contract as C
from qobserve.dashboards.panels import TRACING_PLUGIN, Section, link, table
from qobserve.dashboards.queries import SqlTarget

#: the event store's table of jobs
TABLE = "job_events"
_FINISHED = "finished_at::timestamptz"
#: the dashboard's time range and the $backend / $experiment variables (regex, "All" = .*)
FILTER = (f"$__timeFilter({_FINISHED})\n"
          "  AND coalesce(backend, '') ~ '^(${backend:regex})$'\n"
          "  AND coalesce(experiment, '') ~ '^(${experiment:regex})$'")  # fmt: skip
#: hours from the calibration a job ran on to the job's end
_CALIBRATION_AGE = f"extract(epoch FROM {_FINISHED} - calibration_at::timestamptz) / 3600"
_AGE_BANDS = ((6, "0-6 h"), (12, "6-12 h"), (24, "12-24 h"))


def has(column: str) -> bool:
    """Whether the job events have ``column``."""
    return column in C.JOB_EVENT_COLUMNS


def _trace_link() -> G.DashboardLink:
    state = {"datasource": "${tracing}", "queries": [{
        "refId": "A", "queryType": "traceql", "query": "${__data.fields.Trace}",
        "datasource": {"type": TRACING_PLUGIN, "uid": "${tracing}"}}]}  # fmt: skip
    url = "/explore?left=" + json.dumps(state, separators=(",", ":"))
    return link("Open the job's trace", url, keep=False, new_tab=True,
                tooltip="The trace of the job in this row, in $tracing")  # fmt: skip


def failed_jobs_sql() -> str:
    """The latest jobs that did not succeed in the time range, newest first."""
    columns = [(_FINISHED, "Finished"), ("experiment", "Experiment"), ("backend", "Backend"),
               ("outcome", "Outcome"), ("error_type", "Error type"),
               ("queue_seconds", "Queue (s)"), ("execution_seconds", "Execution (s)"),
               ("cost_usd", "Cost (USD)"), ("trace_id", "Trace")]  # fmt: skip
    select = ",\n  ".join(f'{expr} AS "{name}"' for expr, name in columns)
    return (f"SELECT\n  {select}\nFROM {TABLE}\nWHERE outcome <> 'success'\n  AND {FILTER}\n"
            f"ORDER BY {_FINISHED} DESC\nLIMIT 50")  # fmt: skip


def circuits_sql() -> str:
    """Qubits, depth and (once recorded) two-qubit gates per experiment and backend."""
    measures = [c for c in ("num_qubits", "depth", "two_qubit_gates") if has(c)]
    names = {"num_qubits": "Qubits", "depth": "Depth", "two_qubit_gates": "Two-qubit gates"}
    stats = ",\n  ".join(
        f'round(avg({c})::numeric, 1) AS "{names[c]} (mean)",\n  max({c}) AS "{names[c]} (max)"'
        for c in measures
    )
    return (f"SELECT\n  coalesce(experiment, '') AS \"Experiment\",\n  backend AS \"Backend\",\n"
            f"  count(*) AS \"Jobs\",\n  {stats}\nFROM {TABLE}\nWHERE {FILTER}\n"
            "GROUP BY 1, 2\nORDER BY \"Jobs\" DESC")  # fmt: skip


def calibration_age_sql() -> str | None:
    """Failure ratio and mean fidelity by the age of the calibration a job ran on; None until
    the job events record ``calibration_at``."""
    if not has("calibration_at"):
        return None
    band = "\n".join(f"    WHEN age < {h} THEN '{name}'" for h, name in _AGE_BANDS)
    return (f"SELECT\n  CASE\n{band}\n    ELSE 'over 24 h'\n  END AS \"Calibration age\",\n"
            "  count(*) AS \"Jobs\",\n"
            "  avg(CASE WHEN outcome = 'success' THEN 0 ELSE 1 END) AS \"Failure ratio\",\n"
            "  avg(fidelity) AS \"Fidelity (mean)\"\n"
            f"FROM (SELECT *, {_CALIBRATION_AGE} AS age FROM {TABLE}\n"
            f"      WHERE calibration_at IS NOT NULL AND {FILTER}) AS jobs\n"
            "GROUP BY 1\nORDER BY min(age)")  # fmt: skip


def section() -> Section:
    """The debug dashboard's section on the job events."""
    why = "SQL panels need the job events in PostgreSQL and a $events data source"
    panels = [
        table("Latest failed jobs", [SqlTarget(failed_jobs_sql())], w=24, h=9,
              data_links=[_trace_link()],
              description="Which jobs failed, and why? The latest jobs that did not succeed, "
                          "with error type, backend, experiment, queue and execution time and "
                          "cost; a click opens the job's trace. " + why + "."),
        table("Circuit size by experiment and backend", [SqlTarget(circuits_sql())], w=12,
              description="How big are the circuits each experiment sends to each backend? "
                          "Qubits, depth and two-qubit gates per job. " + why + "."),
    ]  # fmt: skip
    if (calibration := calibration_age_sql()) is not None:
        panels.append(table(
            "Failures and fidelity against calibration age", [SqlTarget(calibration)], w=12,
            description="Do jobs on an old calibration fail more, or return worse results? "
                        "Failure ratio and mean fidelity by the age of the backend's "
                        "calibration when the job ran. " + why + "."))  # fmt: skip
    return "Jobs in the event store (PostgreSQL)", panels
