"""The report from a real Prometheus, loaded by backfill with two weeks of job metrics.

The same job events go into an SQLite store and, through prometheus_client's metrics, into
Prometheus; both reports must agree. The week is 2026-W43 in Europe/Zurich: 169 hours, the
clocks go back on its Sunday.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from qobserve import contract as C
from qobserve.exceptions import InputError
from qobserve.report import build_report
from qobserve.report.model import Report
from qobserve.report.period import Window
from qobserve.report.sources.prometheus import display_url, group_by, tidy
from qobserve.servers import free_port
from qobserve.slo import load
from qobserve.slo.model import SLO, WINDOW, TimeSliceSLI
from tests.conftest import CATALOG, require_binary

from .backfill import alert_points, backfilled_prometheus, calibration_points, openmetrics
from .helpers import event_slo, job, write_store

pytestmark = pytest.mark.servers

WEEK = Window.iso_week("2026-W43", "Europe/Zurich")
PREVIOUS = WEEK.previous()
START = (PREVIOUS.start - timedelta(hours=1)).timestamp()
END = (WEEK.end + timedelta(hours=1)).timestamp()
JOBS_M, DUR, QUEUE = C.JOBS_TOTAL.name, C.JOB_DURATION.name, C.JOB_QUEUE.name
CAL = C.BACKEND_CALIBRATION_TIMESTAMP.name


def _rate(selector: str) -> str:
    return f"sum(rate({selector}[{WINDOW}]))"


def _slower(histogram: str, matchers: str, le: str) -> str:
    """Rate of observations above the ``le`` bucket: all minus those at or below it."""
    bucket = ",".join(m for m in (matchers, f'le="{le}"') if m)
    return (
        f"{_rate(f'{histogram}_count{{{matchers}}}')} - {_rate(f'{histogram}_bucket{{{bucket}}}')}"
    )


QPU_EMU = 'backend_type=~"qpu|emulator"'
SLOS = [
    event_slo(
        "qpu-success",
        "job_success",
        0.95,
        14,
        _rate(f"{JOBS_M}{{{QPU_EMU}}}"),
        _rate(f'{JOBS_M}{{{QPU_EMU},outcome!="success"}}'),
        selectors={"backend_type": "qpu|emulator"},
    ),
    event_slo(
        "latency",
        "latency",
        0.9,
        7,
        _rate(f"{DUR}_count"),
        _slower(DUR, "", "600.0"),
        threshold_seconds=600,
    ),
    event_slo(
        "qpu-queue",
        "queue_wait",
        0.9,
        7,
        _rate(f'{QUEUE}_count{{backend_type="qpu"}}'),
        _slower(QUEUE, 'backend_type="qpu"', "300.0"),
        threshold_seconds=300,
        selectors={"backend_type": "qpu"},
    ),
    event_slo(
        "duplicates", "duplicates", 0.98, 7, _rate(JOBS_M), _rate(C.JOB_DUPLICATES_TOTAL.name)
    ),
    event_slo(
        "divergence",
        "divergence",
        0.8,
        7,
        _rate(C.RESULT_CHECKS_TOTAL.name),
        _rate(f'{C.RESULT_CHECKS_TOTAL.name}{{verdict="diverged"}}'),
        fidelity_threshold=0.9,
    ),
    SLO(
        "calibration-fresh",
        "backends",
        0.99,
        timedelta(days=7),
        TimeSliceSLI(
            "freshness", good=f'(time() - {CAL}{{backend="ibm_a"}}) < bool 86400', slice="5m"
        ),
    ),
]


def make_jobs(n: int = 400, seed: int = 11) -> list[dict[str, Any]]:
    """Jobs over the two weeks; ibm_b only from Thursday of the report's week."""
    rng = np.random.default_rng(seed)
    lo, hi = PREVIOUS.start.timestamp() + 60, WEEK.end.timestamp() - 60
    times = rng.uniform(lo, hi, n).round()
    times[times % 900 == 0] += 1  # never on a scrape instant: see the module docstring
    thursday = WEEK.days()[3].start.timestamp()
    out = []
    for k, t in enumerate(times):  # a few hundred test rows, not the report's data path
        backend = ["ibm_a", "fake_x", "aer", "ibm_b"][
            int(rng.integers(0, 4 if t >= thursday else 3))
        ]
        btype = {"ibm_a": "qpu", "ibm_b": "qpu", "fake_x": "emulator", "aer": "simulator"}
        outcome = str(
            rng.choice(["success", "error", "cancelled", "invalid"], p=[0.85, 0.09, 0.03, 0.03])
        )
        error = {"success": "none", "cancelled": "cancelled", "invalid": "invalid_result"}.get(
            outcome, str(rng.choice(["timeout", "backend_unavailable", "network"]))
        )
        out.append(
            job(
                job_id=f"j{k}",
                finished_at=datetime.fromtimestamp(t, UTC).isoformat(),
                backend=backend,
                backend_type=btype[backend],
                provider={"ibm_a": "ibm", "ibm_b": "ibm", "fake_x": "fake", "aer": "aer"}[backend],
                experiment=str(rng.choice(["bell", "vqe", "sweep"])),
                outcome=outcome,
                error_type=error,
                duration_seconds=None if rng.random() < 0.05 else float(rng.lognormal(5, 1.2)),
                queue_seconds=float(rng.lognormal(5, 1)) if btype[backend] == "qpu" else None,
                fidelity=float(rng.beta(20, 2)) if rng.random() < 0.3 else None,
                duplicate=int(rng.random() < 0.04),
                qpu_seconds=float(rng.uniform(1, 5)),
                cost_usd=float(rng.uniform(0.5, 3)),
            )
        )
    return out


def _utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


# ibm_a is calibrated every day at 02:00 UTC, except on Wednesday 21 October
CALIBRATIONS = [_utc(f"2026-10-{d:02d}T02:00:00") for d in range(10, 27) if d != 21]
# a page alert fires Tue 20 Oct 10:00-11:30 UTC and a ticket Sat 24 Oct 08:00-08:10 UTC
ALERT_LABELS = {"alertname": "QuantumSLOBurnRate", "alertstate": "firing", "slo": "qpu-success"}
ALERTS = [
    (
        "ALERTS",
        ALERT_LABELS | {"severity": "page"},
        alert_points(_utc("2026-10-20T10:00:00"), _utc("2026-10-20T11:30:00")),
    ),
    (
        "ALERTS",
        ALERT_LABELS | {"severity": "ticket"},
        alert_points(_utc("2026-10-24T08:00:00"), _utc("2026-10-24T08:10:00")),
    ),
]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """(Prometheus URL, store path) holding the same jobs."""
    require_binary("prometheus")
    require_binary("promtool")
    tmp = tmp_path_factory.mktemp("prom")
    jobs = make_jobs()
    text = openmetrics(
        jobs,
        START,
        END,
        gauges=[(CAL, {"backend": "ibm_a"}, calibration_points(CALIBRATIONS, START, END)), *ALERTS],
    )
    store = write_store(jobs, tmp / "events.db")
    with backfilled_prometheus(text, tmp) as prom:
        yield prom.url, store


@pytest.fixture(scope="module")
def reports(servers: tuple[str, Path]) -> tuple[Report, Report, str]:
    url, store = servers
    return (
        build_report(SLOS, WEEK, source="store", path=store),
        build_report(SLOS, WEEK, source="prometheus", path=url),
        url,
    )


def figures(r: Any) -> list[float]:
    """Good and bad of every window, then the budget left at each day end."""
    counts = [r.week, r.previous, r.period_counts, *(d.counts for d in r.daily)]
    return [x for c in counts for x in (c.good, c.bad)] + [p.remaining for p in r.burn_down]


def test_same_slos_same_attainment_from_store_and_prometheus(reports) -> None:  # type: ignore[no-untyped-def]
    store, prom, _ = reports
    for s, p in zip(store.slos[:-1], prom.slos[:-1], strict=True):
        assert s.week.total > 20, s.name  # the comparison is not vacuous
        assert figures(p) == figures(s), s.name  # exactly: counts are whole jobs
        assert p.sli_measurement == s.sli_measurement
        assert p.status == s.status
    # the backend that appeared on Thursday is there, with the same counts
    s, p = store.slos[0], prom.slos[0]
    assert "ibm_b" in [b.name for b in s.backends]
    assert [b.name for b in p.backends] == [b.name for b in s.backends]
    assert [x for b in p.backends for x in (b.counts.good, b.counts.bad)] == pytest.approx(
        [x for b in s.backends for x in (b.counts.good, b.counts.bad)]
    )
    assert {b.name for b in p.experiments} == {b.name for b in s.experiments}
    assert dict(p.error_types) == pytest.approx(dict(s.error_types))


def test_default_catalog_agrees_between_store_and_prometheus(servers: tuple[str, Path]) -> None:
    """The shipped catalog's own templates give the store's figures for every event SLI."""
    url, store = servers
    catalog = load([str(CATALOG)])
    from_store = build_report(catalog, WEEK, source="store", path=store)
    from_prom = build_report(catalog, WEEK, source="prometheus", path=url)
    compared = 0
    for s, p in zip(from_store.slos, from_prom.slos, strict=True):
        if not s.available:
            continue  # time-slice and coverage SLIs: Prometheus only
        assert figures(p) == figures(s), s.name  # exactly: counts are whole jobs
        compared += s.week.total > 0
    assert compared >= 5


def test_dst_week_days_from_prometheus(reports) -> None:  # type: ignore[no-untyped-def]
    _, prom, _ = reports
    assert prom.window.hours == 169
    assert len(prom.slos[0].daily) == 7 and prom.slos[0].daily[-1].date.day == 25


def test_time_slice_sli_by_hand(reports) -> None:  # type: ignore[no-untyped-def]
    store, prom, _ = reports
    assert not store.slos[-1].available
    r = prom.slos[-1]
    # 169 h of 5-minute slices: 2028 intervals, 2029 points as Prometheus 2.x ranges include
    # both ends; stale (age >= 24 h) from Wed 21 02:00 UTC (24 h after Tuesday's
    # calibration) until Thursday's at 02:00: 24 h = 288 slices
    assert (r.week.good, r.week.bad) == (2029 - 288, 288)
    assert r.time_slices and r.sli_measurement == pytest.approx(1741 / 2029)


def test_calibration_freshness_and_alerts(reports) -> None:  # type: ignore[no-untyped-def]
    _, prom, _ = reports
    cal = prom.operations.table("calibration")
    # week ends Sun 25 Oct 23:00 UTC, 21 h after that day's 02:00 calibration; the oldest
    # age is at Thu 22 01:55 UTC, 47 h 55 min after Tuesday's
    assert cal is not None and cal.rows == [["ibm_a", 21 * 3600, 47 * 3600 + 55 * 60]]
    alerts = prom.operations.table("alerts")
    assert alerts is not None
    rows = [[r[0], r[1], r[2], r[4].isoformat(), r[5].isoformat(), r[6]] for r in alerts.rows]
    # times in Zurich: CEST (+02:00) on Tuesday, still CEST on Saturday 24th
    assert rows == [
        [
            "QuantumSLOBurnRate",
            "qpu-success",
            "page",
            "2026-10-20T12:00:00+02:00",
            "2026-10-20T13:30:00+02:00",
            5400.0,
        ],
        [
            "QuantumSLOBurnRate",
            "qpu-success",
            "ticket",
            "2026-10-24T10:00:00+02:00",
            "2026-10-24T10:10:00+02:00",
            600.0,
        ],
    ]


def test_operations_agree_with_the_store(reports) -> None:  # type: ignore[no-untyped-def]
    store, prom, _ = reports
    for key in ("volume", "error_types", "cost_types", "cost", "duplicates"):
        s, p = store.operations.table(key), prom.operations.table(key)
        assert s is not None and p is not None
        assert len(p.rows) == len(s.rows), key
        for a, b in zip(s.rows, p.rows, strict=True):
            assert b == pytest.approx(a, abs=1e-6), key
    assert [d.jobs for d in prom.operations.daily] == pytest.approx(
        [d.jobs for d in store.operations.daily]
    )
    assert [d.success_ratio for d in prom.operations.daily] == pytest.approx(
        [d.success_ratio for d in store.operations.daily]
    )
    # daily latency per backend type: the same types on the same days (estimates differ)
    assert [set(d.latency_by_type) for d in prom.operations.daily] == [
        set(d.latency_by_type) for d in store.operations.daily
    ]
    # the backend comparison: all but the percentiles (histogram estimates) are exact
    s, p = store.operations.table("backends"), prom.operations.table("backends")
    assert s is not None and p is not None
    exact = [s.columns.index(c) for c in ("backend", "type", "jobs", "success", "success ratio",
                                          "USD per job", "mean fidelity")]  # fmt: skip
    assert [[r[i] for i in exact] for r in p.rows] == [
        pytest.approx([r[i] for i in exact]) for r in s.rows
    ]


def test_counts_from_prometheus_are_whole_jobs_for_any_window(servers) -> None:  # type: ignore[no-untyped-def]
    """A window whose edges fall between scrapes: increase() extrapolates, jobs are whole."""
    url, _ = servers
    window = Window.between("2026-10-19T07:07:30", "2026-10-23T19:52:30", "Europe/Zurich")
    report = build_report(SLOS[:-1], window, source="prometheus", path=url)
    counts = [c for r in report.slos for c in (r.week, r.previous, r.period_counts)]
    counts += [b.counts for r in report.slos for b in (*r.backends, *r.experiments)]
    numbers = [x for c in counts for x in (c.good, c.bad)]
    for key in ("volume", "backends", "error_types", "cost_types", "duplicates"):
        table = report.operations.table(key)
        assert table is not None
        jobs = [i for i, c in enumerate(table.columns) if c in ("jobs", "success", "duplicates")]
        numbers += [float(row[i]) for row in table.rows for i in jobs]  # type: ignore[arg-type]
    numbers += [d.jobs for d in report.operations.daily]
    assert sum(numbers) > 100  # not vacuous
    assert [x for x in numbers if x != int(x)] == []


def test_calibration_of_a_window_ending_later_is_taken_now(servers) -> None:  # type: ignore[no-untyped-def]
    url, _ = servers
    now = datetime(2026, 10, 22, 12, 0, tzinfo=UTC)  # Thursday of the week, 10 h after 02:00
    report = build_report(SLOS, WEEK, source="prometheus", path=url, now=now)
    cal = report.operations.table("calibration")
    assert cal is not None and [row[:2] for row in cal.rows] == [["ibm_a", 10 * 3600]]
    assert "when the report was made" in cal.note
    context = report.operations.table("calibration_context")
    assert context is not None and context.note.startswith("needs job events")


def test_a_period_with_data_for_part_of_it_from_both_sources(servers) -> None:  # type: ignore[no-untyped-def]
    url, store = servers
    slo = SLOS[0]
    long = SLO(slo.name, slo.service, slo.objective, timedelta(days=28), slo.sli, slo.source)
    s = build_report([long], WEEK, source="store", path=store)
    p = build_report([long], WEEK, source="prometheus", path=url)
    # data from the previous week's start (events) and an hour before it (samples); the
    # samples' first instant is known to the subquery's step, an hour at 28 days
    first = PREVIOUS.start
    assert s.slos[0].period_data_from is not None and p.slos[0].period_data_from is not None
    assert abs((s.slos[0].period_data_from - first).total_seconds()) < 3600
    assert abs((p.slos[0].period_data_from - first).total_seconds()) <= 2 * 3600
    for report in (s, p):
        assert report.slos[0].period_coverage(WEEK.end) == pytest.approx(0.5, abs=0.01)
        assert any(n.startswith(f"{slo.name}: data covers 14.") for n in report.notes)
    # the 14-day SLO's period starts with the data: no note
    assert not any("data covers" in n for n in build_report(SLOS[:1], WEEK, source="prometheus",
                                                            path=url).notes)  # fmt: skip


def test_a_template_prometheus_rejects_names_the_slo_field(reports) -> None:  # type: ignore[no-untyped-def]
    bad = event_slo("broken", "job_success", 0.9, 7, _rate(JOBS_M), f"sum(rate({JOBS_M}[{WINDOW}])")
    with pytest.raises(InputError) as err:
        build_report([bad], WEEK, source="prometheus", path=reports[2])
    assert (err.value.path, err.value.field) == ("slo/test.yaml", "slos[broken].sli.bad")


def test_unreachable_prometheus_names_the_url() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(InputError) as err:
        build_report(SLOS, WEEK, source="prometheus", path=url)
    assert err.value.path == url


@pytest.mark.parametrize(
    ("template", "grouped"),
    [
        ("sum(rate(a[5m]))", "sum by (backend) (rate(a[5m]))"),
        (
            "sum(rate(a[5m])) - sum(rate(b[5m]))",
            "(sum by (backend) (rate(a[5m]))) - (sum by (backend) (rate(b[5m])))",
        ),
        ("(sum(rate(a[5m])))", "(sum by (backend) (rate(a[5m])))"),
        ("sum by (x) (rate(a[5m]))", None),
        ("max(rate(a[5m]))", None),
        ("rate(a[5m])", None),
        ("sum(a) / on(x) sum(b)", None),
        (
            "sum(a) - (sum(b) or 0 * sum(a))",
            "(sum by (backend) (a)) - (((sum by (backend) (b)) or ((0) * (sum by (backend) (a)))))",
        ),
    ],
)
def test_group_by(template: str, grouped: str | None) -> None:
    assert group_by(template, "backend") == grouped


def test_backfill_history_is_what_the_store_holds(tmp_path: Path) -> None:
    """The OpenMetrics written for the backfill counts every job once, at its finish time."""
    jobs = make_jobs(30)
    text = openmetrics(jobs, START, END)
    last = [line for line in text.splitlines() if line.startswith(f"{JOBS_M}{{")]
    final = {}
    for line in last:
        series, value, _ = line.rsplit(" ", 2)
        final[series] = float(value)
    assert sum(final.values()) == 30


def test_cli_from_prometheus_with_the_default_catalog(
    servers: tuple[str, Path], tmp_path: Path
) -> None:
    from qobserve.cli import main

    url, _ = servers
    argv = ["report", "--week", "2026-W43", "--tz", "Europe/Zurich", "--source", "prometheus",
            url, "--slo-dir", str(CATALOG), "--format", "json,html", "--out",
            str(tmp_path)]  # fmt: skip
    assert main(argv) == 0
    doc = json.loads((tmp_path / "slo-report-2026-W43.json").read_text())
    slos = {s["name"]: s for s in doc["slos"]}
    assert all(s["available"] for s in slos.values())
    # the catalog's freshness SLI on the calibration history above, in 1-minute slices:
    # 169 h = 10140 intervals, 10141 points; stale for 24 h = 1440 of them
    spec = next(s for s in load([str(CATALOG)]) if s.name == "calibration-freshness")
    assert isinstance(spec.sli, TimeSliceSLI) and spec.sli.slice == "1m"
    fresh = slos["calibration-freshness"]
    assert (fresh["good_events_count"], fresh["bad_events_count"]) == (10141 - 1440, 1440)
    assert fresh["unit"] == "time_slices"
    # no quantum_backend_up in this history: no figure, not a made-up one
    assert slos["backend-availability"]["status"] == "no data"
    assert len(doc["operations"]["alerts"]["rows"]) == 2
    html = (tmp_path / "slo-report-2026-W43.html").read_text()
    assert "QuantumSLOBurnRate" in html and "169 h" in html


def test_credentials_in_the_url_never_reach_messages_or_reports() -> None:
    url = f"http://reporter:s3cret-pass-word@127.0.0.1:{free_port()}"
    with pytest.raises(InputError) as err:
        build_report(SLOS, WEEK, source="prometheus", path=url)
    assert "s3cret" not in str(err.value)
    assert display_url(url).startswith("http://reporter:[REDACTED]@127.0.0.1:")
    assert display_url("http://h:9090/?token=abcdefgh12345") == "http://h:9090/?token=[REDACTED]"


def test_tidy_removes_float_error_only() -> None:
    assert tidy(183.99999999999997) == 184.0 and tidy(0.5) == 0.5 and tidy(1e-12) == 0.0
    assert tidy(2.000001) == 2.000001 and math.isnan(tidy(math.nan))


def test_gate_reads_the_same_budget_from_prometheus_as_from_the_store(
    servers: tuple[str, Path],
) -> None:
    """``qobserve gate`` / ``require_error_budget`` on the shipped catalog's QPU success SLO,
    at the end of the backfilled weeks: a real Prometheus and the store agree."""
    from qobserve.report.gate import error_budget_status

    url, store = servers
    at = WEEK.end
    prom = error_budget_status("job-success-qpu", slos=CATALOG, prometheus=url, now=at)
    local = error_budget_status("job-success-qpu", slos=CATALOG, store=store, now=at)
    assert local.result.period_counts.total > 100
    assert prom.result.period_counts == local.result.period_counts
    assert prom.remaining == pytest.approx(local.remaining)
    # about 15 % of the jobs fail against a 1 % budget: overspent, the gate closes
    assert local.remaining is not None and local.remaining < 0
    assert not prom.ok
    assert prom.lines()[0].startswith("job-success-qpu: error budget left -")
    assert prom.lines()[-1] == f"  policy: {prom.slo.policy}"
