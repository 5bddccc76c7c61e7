"""Reading job events from CSV, Parquet and the SQLite store; bad input names file and column."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.exceptions import InputError
from qobserve.report import build_report
from qobserve.report.period import Window
from qobserve.report.sources.files import read_events_file
from qobserve.report.sources.store import read_store

from .helpers import events_table, job, success_slo, write_csv, write_parquet, write_store
from .test_sli import JOBS, WEEK

SLOS = [success_slo(selectors={"backend_type": "qpu|emulator"})]


def figures(source: str, path: Path) -> tuple[object, ...]:
    r = build_report(SLOS, WEEK, source=source, path=path).slos[0]
    return (
        r.week,
        r.previous,
        r.period_counts,
        [d.counts for d in r.daily],
        [(b.name, b.counts) for b in r.backends],
        r.error_types,
    )


def test_csv_parquet_and_store_give_the_same_figures(tmp_path: Path) -> None:
    csv = figures("events", write_csv(JOBS, tmp_path / "jobs.csv"))
    parquet = figures("events", write_parquet(JOBS, tmp_path / "jobs.parquet"))
    store = figures("store", write_store(JOBS, tmp_path / ".qobserve" / "events.db"))
    assert csv == parquet == store
    # and they are the hand-computed ones of test_sli
    assert (csv[0].good, csv[0].bad) == (5, 3)


def test_csv_accepts_true_false_duplicates_and_mixed_timestamp_forms(tmp_path: Path) -> None:
    rows = [
        job(finished_at="2026-11-10T10:00:00Z", outcome="success", duplicate="true"),
        job(finished_at="2026-11-10 11:00:00", outcome="success", duplicate="false"),
        job(finished_at="2026-11-10T13:00:00.5+01:00", outcome="error", duplicate=""),
    ]
    events = read_events_file(write_csv(rows, tmp_path / "e.csv"))
    assert events.frame["duplicate"].tolist() == [True, False, False]
    # the naive one is UTC by the contract; +01:00 is converted
    assert [t.isoformat() for t in events.frame["finished_at"]] == [
        "2026-11-10T10:00:00+00:00",
        "2026-11-10T11:00:00+00:00",
        "2026-11-10T12:00:00.500000+00:00",
    ]


def test_store_leaves_out_events_without_finished_at(tmp_path: Path) -> None:
    events = read_store(write_store(JOBS, tmp_path / "s.db"), window=(WEEK.start, WEEK.end))
    # W46 holds jobs 1-9; job 11 has no finished_at
    assert len(events.frame) == 9 and events.missing_time == 1


def test_timestamp_typed_parquet(tmp_path: Path) -> None:
    table = events_table([job(finished_at="2026-11-10T10:00:00Z", outcome="success")])
    i = table.schema.get_field_index("finished_at")
    table = table.set_column(
        i,
        "finished_at",
        pa.array([pa.scalar(WEEK.start).as_py()], pa.timestamp("us", tz="Europe/Zurich")),
    )
    pq.write_table(table, tmp_path / "t.parquet")
    events = read_events_file(tmp_path / "t.parquet")
    assert events.frame["finished_at"].iloc[0] == WEEK.start


# -- bad input -------------------------------------------------------------------------------


def error_of(path: Path, source: str = "events") -> InputError:
    with pytest.raises(InputError) as err:
        build_report(SLOS, WEEK, source=source, path=path)
    return err.value


def test_missing_column(tmp_path: Path) -> None:
    cols = [c for c in JOB_EVENT_COLUMNS if c != "outcome"]
    err = error_of(write_csv(JOBS, tmp_path / "e.csv", cols))
    assert (err.path, err.field) == (str(tmp_path / "e.csv"), "outcome")
    assert "missing column" in err.message


def test_missing_column_in_parquet_and_store(tmp_path: Path) -> None:
    t = events_table(JOBS).drop_columns(["duration_seconds"])
    pq.write_table(t, tmp_path / "e.parquet")
    assert error_of(tmp_path / "e.parquet").field == "duration_seconds"
    db = tmp_path / "s.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE job_events (job_id TEXT, finished_at TEXT)")
    con.close()
    err = error_of(db, "store")
    assert (err.path, err.field) == (str(db), "experiment")


def test_wrong_number(tmp_path: Path) -> None:
    rows = [
        job(finished_at="2026-11-10T10:00:00Z", outcome="success", duration_seconds=1.0),
        job(finished_at="2026-11-10T10:00:00Z", outcome="success", duration_seconds="fast"),
    ]
    err = error_of(write_csv(rows, tmp_path / "e.csv"))
    assert err.field == "duration_seconds"
    assert "row 3" in err.message and "'fast'" in err.message  # header is row 1


def test_wrong_timestamp(tmp_path: Path) -> None:
    rows = [job(finished_at="last tuesday", outcome="success")]
    err = error_of(write_csv(rows, tmp_path / "e.csv"))
    assert (err.field, err.message) == (
        "finished_at",
        "row 2: 'last tuesday' is not an ISO 8601 timestamp",
    )


def test_wrong_duplicate_flag(tmp_path: Path) -> None:
    rows = [job(finished_at="2026-11-10T10:00:00Z", outcome="success", duplicate=2)]
    err = error_of(write_csv(rows, tmp_path / "e.csv"))
    assert err.field == "duplicate" and "row 2" in err.message


def test_wrong_type_in_parquet_schema(tmp_path: Path) -> None:
    t = events_table(JOBS)
    i = t.schema.get_field_index("cost_usd")
    t = t.set_column(i, "cost_usd", pa.array([[1.0]] * len(JOBS), pa.list_(pa.float64())))
    pq.write_table(t, tmp_path / "e.parquet")
    err = error_of(tmp_path / "e.parquet")
    assert err.field == "cost_usd" and "list<" in err.message


def test_wrong_type_in_store(tmp_path: Path) -> None:
    rows = [
        *JOBS[:2],
        job(finished_at="2026-11-10T10:00:00Z", outcome="success", queue_seconds="soon"),
    ]
    err = error_of(write_store(rows, tmp_path / "s.db"), "store")
    assert err.field == "queue_seconds" and "'soon'" in err.message


def test_unreadable_files(tmp_path: Path) -> None:
    assert error_of(tmp_path / "nope.csv").message == "no such file"
    (tmp_path / "x.parquet").write_text("not parquet")
    assert "Parquet" in error_of(tmp_path / "x.parquet").message
    (tmp_path / "x.db").write_text("not sqlite either, but long enough to look like a file")
    assert error_of(tmp_path / "x.db", "store").path == str(tmp_path / "x.db")
    assert "no event store" in error_of(tmp_path / "missing.db", "store").message
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00garbage")
    assert error_of(tmp_path / "bin.csv").path == str(tmp_path / "bin.csv")


def test_week_window_is_applied_when_reading(tmp_path: Path) -> None:
    events = read_events_file(
        write_parquet(JOBS, tmp_path / "e.parquet"),
        window=(Window.iso_week("2026-W45").start, WEEK.start),
    )
    assert len(events.frame) == 2  # jobs 12 and 13


def test_events_written_by_the_event_store(tmp_path: Path) -> None:
    """The store that instrumentation writes (times as Unix seconds, formatted by SQLite)."""
    from qobserve.events import JobEvent
    from qobserve.store import EventStore

    def at(text: str) -> float:
        return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()

    store = EventStore(tmp_path / ".qobserve" / "events.db")
    jobs = [
        # W46: a good QPU job, a failed one, an emulator job with unknown experiment ("")
        JobEvent(
            job_id="a",
            backend="ibm_a",
            backend_type="qpu",
            experiment="bell",
            outcome="success",
            finished_at=at("2026-11-10T10:00:00.250"),
            duration_seconds=12.0,
            duplicate=False,
        ),
        JobEvent(
            job_id="b",
            backend="ibm_a",
            backend_type="qpu",
            experiment="bell",
            outcome="error",
            error_type="timeout",
            finished_at=at("2026-11-11T10:00:00"),
            duplicate=True,
        ),
        JobEvent(
            job_id="c",
            backend="fake_x",
            backend_type="emulator",
            outcome="success",
            finished_at=at("2026-11-12T10:00:00"),
        ),
        # W45, and one never finished
        JobEvent(
            job_id="d",
            backend="ibm_a",
            backend_type="qpu",
            outcome="success",
            finished_at=at("2026-11-03T10:00:00"),
        ),
        JobEvent(job_id="e", backend="ibm_a", backend_type="qpu", outcome="error"),
    ]
    for j in jobs:
        store.add_job(j)
    assert store.flush()
    store.close()
    report = build_report(SLOS, WEEK, source="store", path=store.path)
    r = report.slos[0]
    # W46: a, c good; b bad. W45: d good. 14d period: 3 good, 1 bad
    assert (r.week.good, r.week.bad, r.previous.good, r.period_counts.total) == (2, 1, 1, 4)
    assert r.error_types == [("timeout", 1)]
    assert {b.name for b in r.experiments} == {"bell", "(unknown)"}
    assert any(n.startswith("1 events have no finished_at") for n in report.notes)


def _figures(report):  # type: ignore[no-untyped-def]
    r = report.slos[0]
    return [r.week.good, r.week.bad, r.previous.good, r.previous.bad, r.period_counts.total]


def test_several_sources_are_merged_and_each_job_id_counted_once(tmp_path: Path) -> None:
    jobs = [{**j, "job_id": f"job-{k}"} for k, j in enumerate(JOBS)]
    whole = build_report(SLOS, WEEK, source="events", path=write_csv(jobs, tmp_path / "all.csv"))
    # a runner's export and a shared store that both hold jobs 4-7
    a = write_csv(jobs[:8], tmp_path / "a.csv")
    b = write_parquet(jobs[4:], tmp_path / "b.parquet")
    merged = build_report(SLOS, WEEK, source="events", path=[a, b])
    assert sum(_figures(whole)) > 10 and _figures(merged) == _figures(whole)
    assert "4 events were in more than one source and are counted once (by job id)." in (
        merged.notes
    )
    assert merged.source == f"events files {a}, {b}"
    stores = [write_store(jobs[:8], tmp_path / "a.db"), write_store(jobs[4:], tmp_path / "b.db")]
    assert _figures(build_report(SLOS, WEEK, source="store", path=stores)) == _figures(whole)
    # jobs without an id are never taken for one another
    anonymous = [{**j, "job_id": ""} for j in JOBS]
    one = write_csv(anonymous, tmp_path / "anon.csv")
    twice = build_report(SLOS, WEEK, source="events", path=[one, one])
    assert [2 * x for x in _figures(build_report(SLOS, WEEK, source="events", path=one))] == (
        _figures(twice)
    )
