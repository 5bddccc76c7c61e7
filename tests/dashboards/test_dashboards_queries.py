"""Every dashboard query, run against a real Prometheus that scraped a real workload.

Debian's Prometheus scrapes an instrumented workload process and two replicas of the qobserve
exporter (an HA pair) every second and evaluates the generated SLO rules; then every panel,
annotation and variable query of the dashboards is interpolated as Grafana would and run. None
may fail, and each one not flagged as legitimately empty (``expect_data=False`` with a reason)
must return data. What Grafana would draw must be true: no NaN or infinity, no ratio above 1,
no two series with the same legend in a panel, and bars that add up to the counter's increase.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from qobserve import contract as C
from qobserve.collectors.fake import FakeProvider
from qobserve.collectors.provider import BackendRef, BackendStatus, Calibration, Usage
from qobserve.dashboards import build_dashboards, dashboard_files
from qobserve.dashboards.check import (
    Context,
    QueryResult,
    check_dashboard,
    interpolate,
    interpolate_sql,
    iter_panels,
    label_values,
)
from qobserve.dashboards.queries import QuerySpec, iter_queries
from qobserve.exporter import serve
from qobserve.promapi import PrometheusAPI
from qobserve.rules import rule_files
from qobserve.servers import start_prometheus
from qobserve.slo.model import SLO, TimeSliceSLI
from qobserve.store.export import export_events
from qobserve.store.schema import column_type
from tests.conftest import require_binary
from tests.dashboards.postgres import Postgres, running_postgres

pytestmark = pytest.mark.servers

WORKLOAD = Path(__file__).with_name("workload.py")
SCRAPE = 1.0  # seconds, scrape and rule evaluation interval
ROUNDS = 3
BACKENDS = ("fake_manila", "fake_belem", "fake_lima")
DOWN = "fake_lima"
REPLICAS = 2  # exporter replicas: an HA pair must change no number


class RecalibratingCloud:
    """A provider for the exporter on top of the fake backends' real snapshots, behaving like
    a cloud account: queues that grow, one backend down, a new calibration published on every
    poll after the first, and usage counted against a quota. The built-in fake provider has
    none of these, so without it calibration, queue and quota panels could never show data."""

    name = "recalibrating"

    def __init__(self) -> None:
        self._fake = FakeProvider()
        self._polls: dict[str, int] = {}
        self._lock = threading.Lock()

    def backends(self) -> Sequence[BackendRef]:
        return [replace(r, provider=self.name, backend_type="qpu")
                for r in self._fake.backends() if r.name in BACKENDS]  # fmt: skip

    def status(self, backend: BackendRef) -> BackendStatus:
        with self._lock:
            polls = self._polls[backend.name] = self._polls.get(backend.name, 0) + 1
        if backend.name == DOWN:
            return BackendStatus(operational=False, pending_jobs=None, message="maintenance")
        return BackendStatus(operational=True, pending_jobs=3 * polls, message="active")

    def calibration(self, backend: BackendRef) -> Calibration | None:
        cal = self._fake.calibration(backend)
        if cal is None or cal.timestamp is None:
            return cal
        return replace(cal, timestamp=cal.timestamp + 3600 * self._polls.get(backend.name, 0))

    def usage(self) -> Sequence[Usage]:
        consumed = 60.0 * sum(self._polls.values())
        return [Usage("hub/group/project", consumed_seconds=consumed, limit_seconds=36000.0)]


@dataclass
class Stack:
    """The running Prometheus and what it scraped."""

    api: PrometheusAPI
    started: float
    workload_url: str
    log: Callable[[], str]
    events: Path  # the workload's event store (SQLite)

    def context(self, **selected: list[str]) -> Context:
        """What Grafana would send with the time range set to the whole test run."""
        now = time.time()
        return Context(end=now, range_seconds=now - self.started + 5, scrape_interval=SCRAPE,
                       selected=selected)  # fmt: skip


def _config(workload: str, exporters: Sequence[str], rule_names: Sequence[str]) -> str:
    def target(url: str) -> str:
        return url.split("//", 1)[1].split("/", 1)[0]

    return json.dumps({  # JSON is YAML
        "global": {"scrape_interval": f"{SCRAPE:g}s", "evaluation_interval": f"{SCRAPE:g}s"},
        "rule_files": [f"{{dir}}/{name}" for name in rule_names],
        "scrape_configs": [
            {"job_name": "workload", "static_configs": [{"targets": [target(workload)]}]},
            {"job_name": "qobserve-exporter",
             "static_configs": [{"targets": [target(url) for url in exporters]}]},
        ],
    })  # fmt: skip


def _wait(what: str, ready: Callable[[], bool], timeout: float, log: Callable[[], str]) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}\n{log()[-3000:]}")
        time.sleep(0.2)


def _stop(proc: subprocess.Popen[str]) -> None:
    """End the workload: closing its stdin tells it to exit; kill it if it does not."""
    proc.stdin.close()  # type: ignore[union-attr]
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(5)


@pytest.fixture(scope="module")
def stack(
    catalog: list[SLO],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Stack]:
    require_binary("prometheus")
    tmp = tmp_path_factory.mktemp("dashboards")
    # Time-slice SLIs count 1-minute slices aligned to the minute; a run of a few seconds may
    # see none. The dashboards read only the recorded series, whatever the slice length.
    quick = [replace(s, sli=replace(s.sli, slice="1s")) if isinstance(s.sli, TimeSliceSLI)
             else s for s in catalog]  # fmt: skip
    rules = {n: t for n, t in rule_files(quick).items() if n.endswith(".rules.yml")}
    with contextlib.ExitStack() as stack:
        exporters = [stack.enter_context(
            serve("127.0.0.1:0", provider=RecalibratingCloud(), interval=SCRAPE,
                  per_qubit=True)) for _ in range(REPLICAS)]  # fmt: skip
        errors = stack.enter_context(open(tmp / "workload.log", "w+"))
        proc = subprocess.Popen(
            [sys.executable, str(WORKLOAD), "--dir", str(tmp),
             "--rounds", str(ROUNDS), "--pause", "0"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errors, text=True)  # fmt: skip
        stack.callback(_stop, proc)

        def workload_log() -> str:
            return (tmp / "workload.log").read_text()[-3000:]

        workload_url = proc.stdout.readline().strip()  # type: ignore[union-attr]
        assert workload_url.startswith("http://"), workload_log()
        started = time.time()
        prom = stack.enter_context(start_prometheus(
            _config(workload_url, [e.url for e in exporters], list(rules)), rule_files=rules,
            extra_args=["--enable-feature=exemplar-storage"]))  # fmt: skip
        api = PrometheusAPI(prom.url)

        def up() -> bool:
            return len(api.query("up == 1")) == 1 + REPLICAS

        _wait("every scrape target up", up, 30, lambda: prom.log)
        proc.stdin.write("go\n")  # type: ignore[union-attr]
        proc.stdin.flush()  # type: ignore[union-attr]
        done = proc.stdout.readline().split()  # type: ignore[union-attr]
        assert done[:1] == ["done"], workload_log()
        total = f"sum({C.EXPERIMENTS_TOTAL.name})"
        _wait(f"all {done[1]} runs scraped", lambda: api.scalar(total) == int(done[1]), 30,
              lambda: prom.log)  # fmt: skip
        time.sleep(2 * SCRAPE)  # rule evaluations over the final counts
        yield Stack(api, started, workload_url, lambda: prom.log, tmp / "events.db")


def _failures(results: list[QueryResult], specs: dict[tuple[str, str], QuerySpec]) -> list[str]:
    out = []
    for r in results:
        spec = specs[(r.dashboard, r.where)]
        if r.error:
            out.append(f"{r.dashboard} {r.where}: {r.error}\n    {r.expr}")
        elif spec.expect_data and not r.series:
            out.append(f"{r.dashboard} {r.where}: no data\n    {r.expr}")
    return out


def test_every_query_runs_and_returns_data(stack: Stack, catalog: list[SLO]):
    specs = {(s.dashboard, s.where): s
             for b in build_dashboards(catalog).values() for s in iter_queries(b)}  # fmt: skip
    results: list[QueryResult] = []
    for text in dashboard_files(catalog).values():
        results += check_dashboard(json.loads(text), stack.api, stack.context())
    assert len(results) == len(specs)
    problems = _failures(results, specs)
    assert not problems, "\n".join(problems)


def test_variables_offer_what_was_scraped(stack: Stack, catalog: list[SLO]):
    ctx = stack.context()
    board = json.loads(dashboard_files(catalog)["qobserve-oncall.json"])
    queries = {v["name"]: v["query"] for v in board["templating"]["list"] if v["type"] == "query"}

    def values(name: str) -> set[str]:
        match = re.fullmatch(r"label_values\((.*), (\w+)\)", queries[name])
        assert match, queries[name]
        return set(label_values(stack.api, match[2], match[1], ctx))

    # backends of the workload's jobs and of the exporter; experiments past the cap folded
    assert values("backend") == {"aer_simulator", "fake_manila", *BACKENDS}
    assert values("experiment") == {"bell-state", "ghz-5", "vqe-h2", C.OVERFLOW_VALUE}
    assert values("slo") == {s.name for s in catalog}


def test_queries_run_with_one_backend_and_experiment_selected(stack: Stack, catalog: list[SLO]):
    # what a user drilling into one backend and experiment sees: no query fails, and the
    # latency panels still show the selected backend's jobs
    ctx = replace(stack.context(), selected={"backend": ["fake_manila"],
                                             "experiment": ["bell-state"]})  # fmt: skip
    for text in dashboard_files(catalog).values():
        board = json.loads(text)
        results = check_dashboard(board, stack.api, ctx)
        errors = [f"{r.where}: {r.error}" for r in results if r.error]
        assert not errors, "\n".join(errors)
        latency = [r for r in results if "histogram_quantile" in r.expr and "fake_manila" in r.expr]
        assert all(r.series for r in latency), [r.where for r in latency if not r.series]


def test_latency_queries_carry_exemplars_with_trace_ids(stack: Stack, catalog: list[SLO]):
    ctx = stack.context()
    checked = 0
    for text in dashboard_files(catalog).values():
        board: dict[str, Any] = json.loads(text)
        for panel, target in ((p, t) for p in board["panels"] for t in p.get("targets", [])):
            if not target.get("exemplar"):
                continue
            query = interpolate(target["expr"], board["templating"]["list"], ctx)
            found = [e for series in exemplars(stack.api, query, ctx) for e in series["exemplars"]]
            assert found, panel["title"]
            assert all(re.fullmatch(r"[0-9a-f]{32}", e["labels"]["trace_id"]) for e in found)
            checked += 1
    assert checked >= 5  # job duration, queue, execution, transpilation, experiment run time


def exemplars(api: PrometheusAPI, query: str, ctx: Context) -> list[Any]:
    """What Grafana asks for to draw a query's exemplars."""
    return api.query_exemplars(query, ctx.end - ctx.range_seconds, ctx.end)


_LEGEND_LABEL = re.compile(r"\{\{\s*(\w+)\s*\}\}")
_DELTA = re.compile(
    r"\(last_over_time\((\S+)\[\$__interval\]\) - last_over_time\(\1\[1h\] offset "
    r"\$__interval\)\) >= 0 or last_over_time\(\1\[\$__interval\]\)"
)


def _drawn(stack: Stack, board: dict[str, Any], ctx: Context) -> Iterator[tuple[Any, ...]]:
    """(panel, target, series) of every panel query, run as Grafana runs it."""
    variables = board["templating"]["list"]
    for panel in iter_panels(board):
        for target in panel.get("targets", []):
            if "expr" not in target:  # SQL: test_sql_panels_run_on_the_job_events
                continue
            expr = interpolate(target["expr"], variables, ctx)
            if target.get("instant"):
                series = stack.api.query(expr, at=ctx.end)
            else:
                series = stack.api.query_range(expr, ctx.end - ctx.range_seconds, ctx.end,
                                               ctx.step)  # fmt: skip
            yield panel, target, series


def _values(series: dict[str, Any]) -> list[float]:
    points = series.get("values") or [series["value"]]
    return [float(v) for _, v in points]


def test_panels_draw_no_nan_no_ratio_above_one_and_no_duplicate_legend(
    stack: Stack, catalog: list[SLO]
):
    # two exporter replicas report every backend twice: aggregation must hide that
    problems: list[str] = []
    for text in dashboard_files(catalog).values():
        board = json.loads(text)
        legends: dict[int, list[str]] = {}
        for panel, target, series in _drawn(stack, board, stack.context()):
            where = f"{board['uid']} {panel['title']!r} {target['refId']}"
            unit = panel.get("fieldConfig", {}).get("defaults", {}).get("unit")
            for s in series:
                values = _values(s)
                if not all(math.isfinite(v) for v in values):
                    problems.append(f"{where}: NaN or Inf for {s['metric']}")
                if unit == "percentunit" and max(values) > 1 + 1e-9:
                    problems.append(f"{where}: ratio {max(values)} above 1 for {s['metric']}")
                if panel["type"] in ("timeseries", "stat", "state-timeline"):
                    name = _LEGEND_LABEL.sub(
                        lambda m, labels=s["metric"]: labels.get(m[1], ""),
                        target.get("legendFormat", ""),
                    ) or str(s["metric"])
                    legends.setdefault(panel["id"], []).append(name)
                alert = s["metric"].get("__name__") == "ALERTS"  # an alert's labels are its own
                if (
                    panel["type"] == "table"
                    and not alert
                    and {"instance", "job"} & s["metric"].keys()
                ):
                    problems.append(f"{where}: scrape labels in a table row {s['metric']}")
        for pid, names in legends.items():
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                title = next(p["title"] for p in iter_panels(board) if p["id"] == pid)
                problems.append(f"{board['uid']} {title!r}: duplicate legends {dupes}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("points", [1000, 12])  # a 1 s step, and steps of several scrapes
def test_bars_add_up_to_the_counters_increase(stack: Stack, catalog: list[SLO], points: int):
    # increase(x[$__rate_interval]) every $__interval drew 117 for 30 failures
    ctx = replace(stack.context(), max_points=points)
    checked = 0
    for text in dashboard_files(catalog).values():
        board = json.loads(text)
        variables = board["templating"]["list"]
        for panel, target, series in _drawn(stack, board, ctx):
            if panel.get("fieldConfig", {}).get("defaults", {}).get("custom", {}).get(
                    "drawStyle") != "bars":  # fmt: skip
                continue
            bars = sum(sum(_values(s)) for s in series)
            # every counter was born after Prometheus' first scrape and never reset: its
            # highest value is its increase over the run, aggregated as the panel aggregates it
            run = f"[{round(ctx.range_seconds)}s]"
            truth_expr = interpolate(
                _DELTA.sub(lambda m, run=run: f"max_over_time({m[1]}{run})", target["expr"]),
                variables,
                ctx,
            )
            assert truth_expr != interpolate(target["expr"], variables, ctx)
            truth = sum(float(s["value"][1]) for s in stack.api.query(truth_expr, at=ctx.end))
            assert bars == pytest.approx(truth, rel=0.05, abs=1e-9), (panel["title"], target)
            checked += truth > 0
    assert checked >= 2  # failures by error type, internal errors of the telemetry panel


@pytest.fixture(scope="module")
def events_pg(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Postgres]:
    """A real PostgreSQL holding the workload's job events, in the event store's columns."""
    tmp = tmp_path_factory.mktemp("postgres")
    with running_postgres() as pg:
        columns = ", ".join(f"{c} {column_type(c)}" for c in C.JOB_EVENT_COLUMNS)
        pg.rows(f"CREATE TABLE job_events ({columns})")
        jobs = tmp / "jobs.csv"
        export_events(stack.events, jobs)
        pg.rows(f"\\copy job_events FROM '{jobs}' WITH (FORMAT csv, HEADER true)")
        yield pg


def _sql_panels(catalog: list[SLO]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    board = json.loads(dashboard_files(catalog)["qobserve-debug.json"])
    panels = [p for p in iter_panels(board) if any("rawSql" in t for t in p.get("targets", []))]
    return board, panels


def test_sql_panels_run_on_the_job_events(stack: Stack, events_pg: Postgres, catalog: list[SLO]):
    board, panels = _sql_panels(catalog)
    assert {p["title"] for p in panels} >= {"Latest failed jobs",
                                            "Circuit size by experiment and backend"}  # fmt: skip
    variables = board["templating"]["list"]
    stored = events_pg.rows("SELECT count(*) AS n FROM job_events WHERE outcome <> 'success'")
    for panel in panels:
        [target] = panel["targets"]
        rows = events_pg.rows(interpolate_sql(target["rawSql"], variables, stack.context()))
        assert rows, panel["title"]
        if panel["title"] == "Latest failed jobs":
            # every failed job of the run, each with the trace its row links to
            assert len(rows) == min(50, int(stored[0]["n"])) and rows[0]["Error type"]
            assert all(re.fullmatch(r"[0-9a-f]{32}", r["Trace"]) for r in rows)
            [link] = panel["fieldConfig"]["defaults"]["links"]
            assert "${__data.fields.Trace}" in link["url"] and "${tracing}" in link["url"]
        if panel["title"].startswith("Circuit size"):
            sizes = {(r["Experiment"], r["Backend"]): r for r in rows}
            bell = sizes[("bell-state", "fake_manila")]  # transpiled onto the 5-qubit device
            assert int(bell["Jobs"]) >= ROUNDS and int(bell["Qubits (max)"]) >= 2
            assert float(bell["Depth (mean)"]) <= int(bell["Depth (max)"])


def test_sql_panels_follow_the_variables(stack: Stack, events_pg: Postgres, catalog: list[SLO]):
    board, panels = _sql_panels(catalog)
    ctx = stack.context(backend=["aer_simulator"], experiment=["bell-state"])
    for panel in panels:
        sql = interpolate_sql(panel["targets"][0]["rawSql"], board["templating"]["list"], ctx)
        for row in events_pg.rows(sql):
            assert row.get("Backend", "aer_simulator") == "aer_simulator", panel["title"]
            assert row.get("Experiment", "bell-state") == "bell-state", panel["title"]
    # the time range too: nothing finished in the hour before the run
    before = replace(ctx, end=stack.started - 60, range_seconds=3600, selected={})
    sql = interpolate_sql(panels[0]["targets"][0]["rawSql"], board["templating"]["list"], before)
    assert events_pg.rows(sql) == []
