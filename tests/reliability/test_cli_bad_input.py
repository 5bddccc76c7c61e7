"""Item 6: every bad input is exit 2 with a message naming what is wrong, never a traceback;
nonsense values are refused instead of producing rules or dashboards that never work."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from qobserve.contract import JOB_EVENT_COLUMNS
from qobserve.resources import builtin_catalog

from .conftest import cli, run_cli, tmpfs

SLO = str(builtin_catalog())


def _refused(code: int, err: str, *words: str) -> None:
    assert code == 2, err
    assert "Traceback" not in err and "error" in err
    for word in words:
        assert word in err, (word, err)


def _events_file(path: Path, finished_at: str) -> Path:
    row = dict.fromkeys(JOB_EVENT_COLUMNS, "")
    row.update(job_id="j", experiment="e", backend="b", backend_type="qpu", outcome="success",
               submitted_at="2026-11-10T00:00:00Z", duplicate="0")  # fmt: skip
    row["finished_at"] = finished_at
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(JOB_EVENT_COLUMNS)
        w.writerow([row[c] for c in JOB_EVENT_COLUMNS])
    return path


def _report(tmp_path: Path, *extra: str) -> list[str]:
    return ["report", "--slo-dir", SLO, "--out", str(tmp_path / "r"), "--format", "md", *extra]


@pytest.mark.parametrize("week", ["0001-W01", "9999-W52"])
def test_report_week_at_the_calendars_ends(tmp_path: Path, capsys, week: str) -> None:  # type: ignore[no-untyped-def]
    _refused(*cli(_report(tmp_path, "--week", week), capsys), "--week")


def test_report_range_at_the_calendars_start(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    argv = _report(tmp_path, "--from", "0001-01-01", "--to", "0001-01-08")
    _refused(*cli(argv, capsys), "--from")


@pytest.mark.parametrize("finished_at", ["2999-01-01T00:00:00Z", "inf", "1e300"])
def test_report_events_file_with_out_of_range_times(
    tmp_path: Path, capsys, finished_at: str
) -> None:  # type: ignore[no-untyped-def]
    events = _events_file(tmp_path / "events.csv", finished_at)
    argv = _report(tmp_path, "--week", "2026-W46", "--source", "events", str(events))
    _refused(*cli(argv, capsys), "events.csv", "finished_at")


def test_report_source_prometheus_not_a_url(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    argv = _report(tmp_path, "--week", "2026-W46", "--source", "prometheus", "notaurl")
    _refused(*cli(argv, capsys), "--source", "notaurl")


def test_dashboards_prometheus_not_a_url(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    argv = ["dashboards", "--slo-dir", SLO, "--out", str(tmp_path / "d"), "--prometheus", "notaurl"]
    _refused(*cli(argv, capsys), "--prometheus", "notaurl")


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf"])
def test_dashboards_scrape_interval_must_be_positive(tmp_path: Path, capsys, value: str) -> None:  # type: ignore[no-untyped-def]
    argv = [
        "dashboards",
        "--slo-dir",
        SLO,
        "--out",
        str(tmp_path / "d"),
        "--scrape-interval",
        value,
    ]
    _refused(*cli(argv, capsys), "--scrape-interval")
    assert not (tmp_path / "d").exists()  # refused before writing anything


@pytest.mark.parametrize("value", ["-5", "0", "nan", "inf"])
def test_rules_cost_budget_must_be_a_positive_number(capsys, value: str) -> None:  # type: ignore[no-untyped-def]
    _refused(*cli(["rules", SLO, "--cost-budget", value], capsys), "--cost-budget")


def test_report_out_on_a_read_only_file_system(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    with tmpfs(tmp_path / "ro", read_only=True) as ro:
        argv = ["report", "--slo-dir", SLO, "--store", _store(tmp_path), "--out", str(ro / "r"),
                "--week", "2026-W46"]  # fmt: skip
        _refused(*cli(argv, capsys), str(ro / "r"), "Read-only")


def test_report_out_where_a_report_file_is_a_folder(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "r" / "slo-report-2026-W46.md").mkdir(parents=True)
    argv = _report(tmp_path, "--store", _store(tmp_path), "--week", "2026-W46")
    _refused(*cli(argv, capsys), "slo-report-2026-W46.md")


def _store(tmp_path: Path) -> str:
    from qobserve.events import JobEvent
    from qobserve.store import EventStore

    store = EventStore(tmp_path / "events.db")
    store.add_job(JobEvent(job_id="j1", outcome="success", finished_at=1.0))
    assert store.flush(10)
    store.close()
    return str(tmp_path / "events.db")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_events_export_to_a_folder_or_read_only_file_system(
    tmp_path: Path, capsys, fmt: str
) -> None:  # type: ignore[no-untyped-def]
    store = _store(tmp_path)
    argv = ["events", "export", "--store", store, "--format", fmt, "-o", str(tmp_path)]
    _refused(*cli(argv, capsys), str(tmp_path))
    with tmpfs(tmp_path / "ro", read_only=True) as ro:
        argv[-1] = str(ro / "out")
        _refused(*cli(argv, capsys), str(ro / "out"), "Read-only")


# the exporter runs as a subprocess: accepting the input means serving until stopped, which the
# timeout turns into a failure instead of a hang


def _exporter(tmp_path: Path, *extra: str) -> tuple[int, str]:
    done = run_cli(["exporter", "--listen", "127.0.0.1:0", *extra], tmp_path, timeout=30)
    return done.returncode, done.stderr


def test_exporter_web_config_not_utf8(tmp_path: Path) -> None:
    web = tmp_path / "web.yml"
    web.write_bytes(b"basic_auth_users:\n  \xff\xfe: x\n")
    _refused(*_exporter(tmp_path, "--web-config-file", str(web)), "web.yml", "UTF-8")


@pytest.mark.parametrize("option", ["--interval", "--timeout", "--max-backoff"])
def test_exporter_duration_too_long_for_a_timer(tmp_path: Path, option: str) -> None:
    _refused(*_exporter(tmp_path, option, "99999999999d"), option)


def test_exporter_tls_min_version_above_max_version(certs: Path) -> None:
    web = certs / "web-min-max.yml"
    web.write_text(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
        "  min_version: TLS13\n  max_version: TLS12\n"
    )
    _refused(*_exporter(certs, "--web-config-file", str(web)), "web-min-max.yml", "max_version")


def test_demo_out_where_a_file_is(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "taken").write_text("")
    argv = ["demo", "--slo-dir", SLO, "--out", str(tmp_path / "taken")]
    _refused(*cli(argv, capsys), "taken", "--out")


@pytest.mark.parametrize("command", ["validate", "rules"])
@pytest.mark.parametrize("period", ["-1", "inf", "nan"])
def test_sloth_period_the_duration_parser_panics_on(capsys, command: str, period: str) -> None:  # type: ignore[no-untyped-def]
    _refused(*cli([command, SLO, "--sloth-period", period], capsys), "--sloth-period")
