"""budgets.yaml: caps, their periods in a time zone, every mistake named by file and field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from qobserve.budgets.loader import load_budgets
from qobserve.budgets.model import Budget
from qobserve.cli import main
from qobserve.exceptions import InputErrors
from tests.conftest import CATALOG

GOOD = """\
version: qobserve.budgets/v1
timezone: Europe/Zurich
providers:
  ibm: ["ibm_*"]
budgets:
  - name: vqe-monthly
    experiment: vqe-*
    limit_usd: 500
    period: month
    action: deny
  - name: ibm-daily
    provider: ibm
    limit_qpu_seconds: 600
    period: day
    action: warn
    timezone: America/New_York
  - {name: everything, limit_usd: 2000, period: week, action: warn}
"""


def test_a_catalog_folder_holds_the_budgets_beside_the_slos(tmp_path: Path) -> None:
    (tmp_path / "budgets.yaml").write_text(GOOD)
    vqe, ibm, total = load_budgets(tmp_path).budgets
    assert (vqe.limit, vqe.unit, vqe.action) == (500.0, "usd", "deny")
    assert vqe.timezone == "Europe/Zurich"
    assert (ibm.unit, ibm.timezone, ibm.backends) == ("qpu_seconds", "America/New_York", ("ibm_*",))
    assert vqe.applies("vqe-h2", "ibm_kyiv") and not vqe.applies("qaoa", "ibm_kyiv")
    assert ibm.applies("qaoa", "ibm_kyiv") and not ibm.applies("qaoa", "aer_simulator")
    assert total.applies("anything", "sv1")
    assert [b.scope for b in (vqe, ibm, total)] == ["experiment vqe-*", "provider ibm", "all jobs"]


@pytest.mark.parametrize(
    ("period", "tz", "now", "start", "end"),
    [
        # the calendar month in Zurich: 1 December 00:00 CET is 30 November 23:00 UTC
        ("month", "Europe/Zurich", "2026-12-15T12:00", "2026-11-30T23:00", "2026-12-31T23:00"),
        # still November in Zurich at 22:30 UTC on 30 November
        ("month", "Europe/Zurich", "2026-11-30T22:30", "2026-10-31T23:00", "2026-11-30T23:00"),
        # weeks begin on Monday; this one spans the end of summer time (25 October 2026)
        ("week", "Europe/Zurich", "2026-10-25T12:00", "2026-10-18T22:00", "2026-10-25T23:00"),
        # a half-hour offset: India's day begins at 18:30 UTC
        ("day", "Asia/Kolkata", "2026-12-01T19:00", "2026-12-01T18:30", "2026-12-02T18:30"),
    ],
)
def test_periods_begin_at_local_midnight(
    period: str, tz: str, now: str, start: str, end: str
) -> None:
    cap = Budget(name="b", limit=1.0, unit="usd", period=period, action="warn", timezone=tz)
    at = datetime.fromisoformat(now).replace(tzinfo=UTC)
    assert cap.period_start(at) == datetime.fromisoformat(start).replace(tzinfo=UTC)
    assert cap.period_end(at) == datetime.fromisoformat(end).replace(tzinfo=UTC)


def test_every_mistake_names_the_file_and_the_field(tmp_path: Path) -> None:
    bad = tmp_path / "budgets.yaml"
    bad.write_text(
        "version: qobserve.budgets/v1\n"
        "budgets:\n"
        "  - {name: a, limit_usd: -5, period: year, action: stop, timezone: Mars/Base}\n"
        "  - {name: b, provider: aws, limit_usd: 1, limit_qpu_seconds: 2, period: day,\n"
        "     action: deny}\n"
        "  - {name: a, experiment: x, backend: y, limit_usd: 1, period: day, action: deny,\n"
        "     cap: 3}\n"
        "  - {name: c, limit_qpu_seconds: lots, period: day, action: deny}\n"
    )
    with pytest.raises(InputErrors) as err:
        load_budgets(bad)
    assert [str(e) for e in err.value.errors] == [
        f"{bad}: a: budgets[0].limit_usd: must be a positive number, got -5",
        f"{bad}: a: budgets[0].period: must be one of day, week, month, got 'year'",
        f"{bad}: a: budgets[0].action: must be one of deny, warn, got 'stop'",
        f"{bad}: a: budgets[0].timezone: unknown IANA time zone 'Mars/Base'",
        f"{bad}: b: budgets[1].provider: unknown provider 'aws': list its backend name "
        "patterns under the top-level 'providers:'",
        f"{bad}: b: budgets[1]: give exactly one of limit_usd or limit_qpu_seconds",
        f"{bad}: budgets[2].cap: unknown field (expected one of: action, backend, description, "
        "experiment, limit_qpu_seconds, limit_usd, name, period, provider, timezone)",
        f"{bad}: a: budgets[2].backend: give one of experiment, backend or provider, not "
        "['experiment', 'backend']",
        f"{bad}: c: budgets[3].limit_qpu_seconds: must be a number, got str 'lots'",
    ]


def test_validate_checks_the_catalogs_budgets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for spec in CATALOG.glob("*.yaml"):
        (tmp_path / spec.name).write_text(spec.read_text())
    (tmp_path / "budgets.yaml").write_text(GOOD)
    assert main(["validate", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-2:] == ["ok: 9 SLOs in 4 files", f"ok: 3 budgets in {tmp_path / 'budgets.yaml'}"]
    (tmp_path / "budgets.yaml").write_text(GOOD.replace("period: day", "period: daily"))
    assert main(["validate", "-q", str(tmp_path)]) == 2
    assert capsys.readouterr().err == (
        f"qobserve validate: error: {tmp_path / 'budgets.yaml'}: ibm-daily: budgets[1].period: "
        "must be one of day, week, month, got 'daily'\n"
    )
