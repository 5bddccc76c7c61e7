"""SLIs from job events on small sets whose figures are worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from qobserve.exceptions import InputError
from qobserve.report.build import events_range, report_from_events
from qobserve.report.events import normalise
from qobserve.report.period import Window
from qobserve.slo.model import SLO, EventSLI

from .helpers import events_table, freshness_slo, job, latency_slo, success_slo

# Week 2026-W46 in UTC: Mon 9 Nov 00:00 to Mon 16 Nov 00:00. Previous: W45, from Mon 2 Nov.
WEEK = Window.iso_week("2026-W46")

JOBS = [
    # -- W46 --------------------------------------------------------------------------------
    # 1 Mon, qpu ibm_a, good (10 s, fidelity .95)
    job(
        finished_at="2026-11-09T10:00:00Z",
        backend="ibm_a",
        backend_type="qpu",
        outcome="success",
        error_type="none",
        duration_seconds=10.0,
        fidelity=0.95,
        experiment="bell",
        cost_usd=3.0,
        qpu_seconds=3.0,
    ),
    # 2 Mon, qpu ibm_a, timeout, 700 s (slow)
    job(
        finished_at="2026-11-09T11:00:00Z",
        backend="ibm_a",
        backend_type="qpu",
        outcome="error",
        error_type="timeout",
        duration_seconds=700.0,
        experiment="vqe",
        cost_usd=1.0,
        qpu_seconds=1.0,
    ),
    # 3 Tue, emulator fake_x, good, exactly 600 s (a histogram counts le=600 as good),
    #   a duplicate submission, fidelity .85 (diverged at 0.9)
    job(
        finished_at="2026-11-10T09:00:00+00:00",
        backend="fake_x",
        backend_type="emulator",
        outcome="success",
        error_type="none",
        duration_seconds=600.0,
        duplicate=1,
        fidelity=0.85,
        experiment="bell",
    ),
    # 4 Tue, simulator aer: not selected by the qpu|emulator SLO; 1000 s (slow)
    job(
        finished_at="2026-11-10T12:00:00Z",
        backend="aer",
        backend_type="simulator",
        outcome="error",
        error_type="internal",
        duration_seconds=1000.0,
        experiment="vqe",
    ),
    # 5 Wed, qpu ibm_a, invalid result, duration unknown (not a latency event)
    job(
        finished_at="2026-11-11T08:00:00Z",
        backend="ibm_a",
        backend_type="qpu",
        outcome="invalid",
        error_type="invalid_result",
        experiment="vqe",
    ),
    # 6, 7 Thu: backend ibm_b appears mid-week, two good jobs (5 s and 60 s), fidelity .99
    job(
        finished_at="2026-11-12T07:00:00Z",
        backend="ibm_b",
        backend_type="qpu",
        outcome="success",
        error_type="none",
        duration_seconds=5.0,
        fidelity=0.99,
        experiment="bell",
        cost_usd=2.0,
        qpu_seconds=2.0,
    ),
    job(
        finished_at="2026-11-12T08:00:00Z",
        backend="ibm_b",
        backend_type="qpu",
        outcome="success",
        error_type="none",
        duration_seconds=60.0,
        experiment="bell",
    ),
    # 8 Sat, last second of Saturday, ibm_b cancelled, 30 s
    job(
        finished_at="2026-11-14T23:59:59Z",
        backend="ibm_b",
        backend_type="qpu",
        outcome="cancelled",
        error_type="cancelled",
        duration_seconds=30.0,
        experiment="vqe",
    ),
    # 9 Sun, ibm_a good, 20 s
    job(
        finished_at="2026-11-15T12:00:00Z",
        backend="ibm_a",
        backend_type="qpu",
        outcome="success",
        error_type="none",
        duration_seconds=20.0,
        experiment="bell",
    ),
    # -- outside W46 ------------------------------------------------------------------------
    # 10: the instant the week ends belongs to the next week
    job(
        finished_at="2026-11-16T00:00:00Z",
        backend="ibm_a",
        backend_type="qpu",
        outcome="error",
        error_type="timeout",
        duration_seconds=900.0,
    ),
    # 11: no finished_at: cannot be placed in any week
    job(
        finished_at=None, backend="ibm_a", backend_type="qpu", outcome="error", error_type="network"
    ),
    # 12, 13: W45; 12 at the exact start of W45 (included), 13 a network error
    job(
        finished_at="2026-11-02T00:00:00Z",
        backend="ibm_a",
        backend_type="qpu",
        outcome="success",
        error_type="none",
        duration_seconds=1.0,
    ),
    job(
        finished_at="2026-11-06T15:30:00Z",
        backend="ibm_a",
        backend_type="qpu",
        outcome="error",
        error_type="network",
        duration_seconds=2.0,
    ),
]


def duplicates_slo() -> SLO:
    return SLO(
        "no-duplicates", "quantum-jobs", 0.5, timedelta(days=7), EventSLI("duplicates", params={})
    )


def divergence_slo() -> SLO:
    return SLO(
        "divergence",
        "quantum-jobs",
        0.8,
        timedelta(days=7),
        EventSLI("divergence", params={"fidelity_threshold": 0.9}),
    )


def build(slos: list[SLO], rows: list[dict] | None = None, window: Window = WEEK):  # type: ignore[no-untyped-def]
    events = normalise(
        events_table(JOBS if rows is None else rows),
        path="jobs.parquet",
        window=events_range(window, slos),
    )
    return report_from_events(events, slos, window, now=datetime(2026, 11, 21, tzinfo=UTC))


def test_job_success_by_hand() -> None:
    r = build([success_slo(selectors={"backend_type": "qpu|emulator"})]).slos[0]
    # W46 selected: jobs 1,2,3,5,6,7,8,9 (4 is a simulator) -> bad 2,5,8 -> 5 good, 3 bad
    assert (r.week.good, r.week.bad) == (5, 3)
    assert r.sli_measurement == pytest.approx(5 / 8)
    # error ratio 3/8 = 0.375 over a budget of 0.1
    assert r.error_budget_burn_rate == pytest.approx(3.75)
    # W45: 12 good, 13 bad
    assert (r.previous.good, r.previous.bad) == (1, 1)
    assert r.trend == pytest.approx(0.625 - 0.5)
    # 14d period = W45 + W46: 6 good, 4 bad -> remaining 1 - 0.4 / 0.1 = -3
    assert (r.period_counts.good, r.period_counts.bad) == (6, 4)
    assert r.budget_remaining == pytest.approx(-3.0)
    # this week's 3 bad of an allowed 0.1 * 10 = 1
    assert r.budget_consumed == pytest.approx(3.0)
    assert r.status == "breached"


def test_daily_worst_days_and_failure_causes() -> None:
    r = build([success_slo(selectors={"backend_type": "qpu|emulator"})]).slos[0]
    # Mon 1 good (1) 1 bad (2); Tue 1 good (3); Wed 1 bad (5); Thu 2 good (6, 7); Fri none;
    # Sat 1 bad (8, at 23:59:59 still Saturday); Sun 1 good (9)
    assert [(d.date.day, d.counts.good, d.counts.bad) for d in r.daily] == [
        (9, 1, 1),
        (10, 1, 0),
        (11, 0, 1),
        (12, 2, 0),
        (13, 0, 0),
        (14, 0, 1),
        (15, 1, 0),
    ]
    # worst: Wed and Sat at 100 % bad (equal, in date order), then Mon at 50 %
    assert [d.date for d in r.worst_days()] == [
        date(2026, 11, 11),
        date(2026, 11, 14),
        date(2026, 11, 9),
    ]
    assert sorted(r.error_types) == [("cancelled", 1), ("invalid_result", 1), ("timeout", 1)]


def test_backend_appearing_mid_week() -> None:
    r = build([success_slo(selectors={"backend_type": "qpu|emulator"})]).slos[0]
    # ibm_a: 1, 9 good; 2, 5 bad. ibm_b (from Thursday): 6, 7 good; 8 bad. fake_x: 3 good.
    assert {b.name: (b.counts.good, b.counts.bad) for b in r.backends} == {
        "ibm_a": (2, 2),
        "ibm_b": (2, 1),
        "fake_x": (1, 0),
    }
    assert [b.name for b in r.backends] == ["ibm_a", "ibm_b", "fake_x"]  # most events first
    # per experiment: bell = 1, 3, 6, 7, 9 (all good); vqe = 2, 5, 8 (all bad)
    assert {b.name: (b.counts.good, b.counts.bad) for b in r.experiments} == {
        "bell": (5, 0),
        "vqe": (0, 3),
    }


def test_latency_threshold_is_inclusive_and_unknown_durations_are_left_out() -> None:
    r = build([latency_slo(objective=0.75, threshold=600)]).slos[0]
    # jobs with a duration in W46: 1 (10), 2 (700), 3 (600), 4 (1000), 6 (5), 7 (60),
    # 8 (30), 9 (20) = 8; slow (> 600): 2, 4 -> 6 good, 2 bad; job 5 has no duration
    assert (r.week.good, r.week.bad) == (6, 2)
    # error ratio 0.25 = the budget: burn 1.0; the 7d period is this week: 0 % left
    assert r.error_budget_burn_rate == pytest.approx(1.0)
    assert r.budget_remaining == pytest.approx(0.0)
    assert r.status == "at risk"


def test_duplicates_and_divergence() -> None:
    dup, div = build([duplicates_slo(), divergence_slo()]).slos
    # all 9 W46 jobs count; job 3 is a duplicate -> 8 good, 1 bad; ratio 1/9 of a 0.5 budget
    assert (dup.week.good, dup.week.bad) == (8, 1)
    assert dup.budget_remaining == pytest.approx(1 - (1 / 9) / 0.5)
    assert dup.status == "met"
    # checks: jobs with a fidelity: 1 (.95), 3 (.85), 6 (.99); below 0.9: job 3
    assert (div.week.good, div.week.bad) == (2, 1)


def test_slo_with_no_events_has_no_figures() -> None:
    r = build([success_slo(selectors={"backend": "ibm_nowhere"})]).slos[0]
    assert r.week.total == 0 and r.period_counts.total == 0
    assert r.sli_measurement is None and r.error_budget_burn_rate is None
    assert r.budget_remaining is None and r.budget_consumed is None
    assert r.status == "no data"
    assert all(p.remaining is None for p in r.burn_down)


def test_prometheus_only_kinds_are_reported_as_such() -> None:
    report = build([freshness_slo()])
    r = report.slos[0]
    assert not r.available and r.status == "unavailable"
    assert "needs Prometheus" in r.note
    assert any("calibration-fresh" in n for n in report.notes)


def test_missing_timestamps_are_counted_in_the_notes() -> None:
    report = build([success_slo()])
    # job 11 only
    assert any(n.startswith("1 events have no finished_at") for n in report.notes)


def test_burn_down_follows_the_rolling_period() -> None:
    # a 7d period at 50 %: the budget left at each day end of W46, from ibm_a jobs only
    slo = success_slo(objective=0.5, days=7, selectors={"backend": "ibm_a"})
    r = build([slo]).slos[0]
    remaining = [p.remaining for p in r.burn_down]
    # ibm_a jobs: 12 (Mon 2, good), 13 (Fri 6, bad), 1 (Mon 9, good), 2 (Mon 9, bad),
    # 5 (Wed 11, bad), 9 (Sun 15, good)
    # at Mon 9:  [Mon 2, Mon 9)   = 12, 13     -> 1 bad of 2 -> 1 - 0.5/0.5 = 0
    # at Tue 10: [Tue 3, Tue 10)  = 13, 1, 2   -> 2 of 3     -> 1 - (2/3)/0.5 = -1/3
    # at Wed 11: [Wed 4, Wed 11)  = 13, 1, 2   -> -1/3
    # at Thu 12: [Thu 5, Thu 12)  = 13, 1, 2, 5 -> 3 of 4    -> -0.5
    # at Fri 13: [Fri 6, Fri 13)  = 13, 1, 2, 5 -> -0.5
    # at Sat 14: [Sat 7, Sat 14)  = 1, 2, 5     -> 2 of 3    -> -1/3
    # at Sun 15: same                           -> -1/3
    # at Mon 16: [Mon 9, Mon 16)  = 1, 2, 5, 9  -> 2 of 4    -> 0
    assert remaining == pytest.approx([0, -1 / 3, -1 / 3, -0.5, -0.5, -1 / 3, -1 / 3, 0])


def test_selector_on_an_unknown_column_names_the_slo_field() -> None:
    slo = success_slo(selectors={"region": "eu"})
    with pytest.raises(InputError) as err:
        build([slo])
    assert err.value.path == "slo/test.yaml"
    assert err.value.field == "slos[qpu-success].sli.params.selectors.region"


def test_missing_label_matches_like_an_empty_prometheus_label() -> None:
    rows = [
        job(finished_at="2026-11-10T00:00:00Z", outcome="success", backend=None),
        job(finished_at="2026-11-10T00:00:00Z", outcome="success", backend="ibm_a"),
    ]
    # "ibm_a|" matches ibm_a and the empty string; "ibm_.*" only ibm_a
    both = build([success_slo(selectors={"backend": "ibm_a|"})], rows).slos[0]
    one = build([success_slo(selectors={"backend": "ibm_.*"})], rows).slos[0]
    assert (both.week.total, one.week.total) == (2, 1)


def test_dst_week_in_a_local_time_zone() -> None:
    week = Window.iso_week("2026-W13", "Europe/Zurich")  # 167 h, see test_period
    rows = [
        # Mon 23 March 00:30 CET = Sun 22 March 23:30 UTC: first local day of the week
        job(finished_at="2026-03-22T23:30:00Z", outcome="success"),
        # Sun 29 March 23:30 CEST = 21:30 UTC: the last, 23-hour day of the week
        job(finished_at="2026-03-29T21:30:00Z", outcome="error", error_type="timeout"),
        # Mon 30 March 00:30 CEST = Sun 29 March 22:30 UTC: already the next week
        job(finished_at="2026-03-29T22:30:00Z", outcome="error", error_type="timeout"),
        # Sun 22 March 23:30 CET = 22:30 UTC: the previous week's last day
        job(finished_at="2026-03-22T22:30:00Z", outcome="success"),
    ]
    r = build([success_slo(days=7)], rows, week).slos[0]
    assert (r.week.good, r.week.bad) == (1, 1)
    assert (r.previous.good, r.previous.bad) == (1, 0)
    assert [(d.date.day, d.counts.total) for d in r.daily] == [
        (23, 1),
        (24, 0),
        (25, 0),
        (26, 0),
        (27, 0),
        (28, 0),
        (29, 1),
    ]
