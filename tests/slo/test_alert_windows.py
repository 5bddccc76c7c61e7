"""Sloth's ``AlertWindows`` files in the catalog: the SLOs of their period alert on their window
pairs (instead of the Google table scaled to the period), the rules and the generated promtool
tests pass promtool; a bad file is refused naming the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from qobserve.cli import main
from qobserve.rules import rule_files
from qobserve.servers import promtool
from qobserve.slo import load
from qobserve.slo.alert_windows import BurnWindow
from tests.conftest import require_binary

SLI = "{kind: raw, bad: 'sum(rate(e[{{.window}}]))', total: 'sum(rate(t[{{.window}}]))'}"
CATALOG = f"""\
version: qobserve/v1
slos:
  - {{name: weekly, objective: 99, period: 7d, sli: {SLI}}}
  - {{name: monthly, objective: 99, period: 28d, sli: {SLI}}}
  - {{name: sloth-weekly, objective: 99.9, period: 7d, min_events: 5,
     sli: {{kind: job_success}}}}
"""
#: Sloth's own example for 7-day SLOs (the 24h/72h spellings normalise to 1d/3d)
WEEK = """\
apiVersion: sloth.slok.dev/v1
kind: AlertWindows
spec:
  sloPeriod: 7d
  page:
    quick: {errorBudgetPercent: 8, shortWindow: 5m, longWindow: 1h}
    slow: {errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h}
  ticket:
    quick: {errorBudgetPercent: 20, shortWindow: 2h, longWindow: 24h}
    slow: {errorBudgetPercent: 42, shortWindow: 6h, longWindow: 72h}
"""
#: windows qobserve does not record by default: 4h and 12h
ODD = WEEK.replace("shortWindow: 30m, longWindow: 6h", "shortWindow: 20m, longWindow: 4h").replace(
    "longWindow: 72h", "longWindow: 12h"
)


def catalog(tmp_path: Path, windows: str = WEEK) -> Path:
    folder = tmp_path / "slo"
    folder.mkdir()
    (folder / "jobs.yaml").write_text(CATALOG)
    (folder / "windows-7d.yaml").write_text(windows)
    return folder


def test_the_windows_apply_to_the_slos_of_their_period_only(tmp_path: Path) -> None:
    slos = {s.name: s for s in load([catalog(tmp_path)])}
    assert slos["monthly"].alert_windows is None
    week = slos["weekly"].alert_windows
    assert week == {
        "page": (BurnWindow("5m", "1h", 8), BurnWindow("30m", "6h", 12.5)),
        "ticket": (BurnWindow("2h", "1d", 20), BurnWindow("6h", "3d", 42)),
    }
    period = slos["weekly"].period
    # Sloth's factors (13.44x, 3.5x, 1.4x), but never under 1x: its 0.98x over 3 days is 1x
    assert [round(w.factor(period), 4) for w in week["page"]] == [13.44, 3.5]
    assert [round(w.factor(period), 4) for w in week["ticket"]] == [1.4, 1.0]


@pytest.mark.parametrize("windows", [WEEK, ODD], ids=["sloth-7d", "unrecorded-windows"])
def test_rules_and_generated_tests_pass_promtool(tmp_path: Path, windows: str) -> None:
    require_binary("promtool")
    out = tmp_path / "out"
    assert main(["generate", "--slo-dir", str(catalog(tmp_path, windows)), "--out", str(out)]) == 0
    rules = out / "alert_rules" / "slo-weekly.rules.yml"
    text = rules.read_text()
    assert 'slo:sli_error:ratio_rate1h{slo="weekly"} / 0.01 > 13.44' in text
    if windows is ODD:  # recorded for the SLO that needs them
        assert "record: slo:sli_error:ratio_rate4h" in text
        assert "record: slo:sli_error:ratio_rate12h" in text
        assert "ratio_rate4h" not in (out / "alert_rules" / "slo-monthly.rules.yml").read_text()
    checked = promtool("check", "rules", *map(str, (out / "alert_rules").glob("*.rules.yml")))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    for test in sorted((out / "alert_rules").glob("slo-*.test.yml")):
        done = promtool("test", "rules", test.name, cwd=test.parent)
        assert done.returncode == 0, done.stdout + done.stderr


#: (what replaces what in Sloth's 7d file, the field the error names, a fragment of the message)
BAD = {
    "no period": ("  sloPeriod: 7d\n", "", "spec.sloPeriod", "is required"),
    "period not a duration": ("sloPeriod: 7d", "sloPeriod: week", "spec.sloPeriod",
                              "not a duration"),
    "budget over 100": ("errorBudgetPercent: 8,", "errorBudgetPercent: 800,",
                        "spec.page.quick.errorBudgetPercent", "at most 100"),
    "budget a string": ("errorBudgetPercent: 8,", "errorBudgetPercent: '8',",
                        "spec.page.quick.errorBudgetPercent", "must be a percentage"),
    "budget nan": ("errorBudgetPercent: 8,", "errorBudgetPercent: .nan,",
                   "spec.page.quick.errorBudgetPercent", "must be a percentage"),
    "short not shorter": ("shortWindow: 5m, longWindow: 1h", "shortWindow: 1h, longWindow: 1h",
                          "spec.page.quick.shortWindow", "must be shorter than longWindow"),
    "long beyond the period": ("longWindow: 72h", "longWindow: 8d", "spec.ticket.slow.longWindow",
                               "longer than the sloPeriod"),
    "sub-second window": ("shortWindow: 5m,", "shortWindow: 1500ms,", "spec.page.quick.shortWindow",
                          "whole number of seconds"),
    "no ticket": ("  ticket:\n", "  tickets:\n", "spec.tickets", "unknown field"),
    "missing slow": ("    slow: {errorBudgetPercent: 12.5, shortWindow: 30m, longWindow: 6h}\n", "",
                     "spec.page.slow", "is required"),
    "typo in a key": ("longWindow: 1h}", "longwindow: 1h}", "spec.page.quick.longwindow",
                      "unknown field"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(BAD))
@pytest.mark.parametrize("command", ["validate", "rules", "generate"])
def test_a_bad_file_is_refused_naming_file_and_field(
    case: str, command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new, field, fragment = BAD[case]
    assert old in WEEK
    folder = catalog(tmp_path, WEEK.replace(old, new))
    path = folder / "windows-7d.yaml"
    args = {
        "validate": ["validate", str(folder)],
        "rules": ["rules", str(folder)],
        "generate": ["generate", "--slo-dir", str(folder), "--out", str(tmp_path / "out")],
    }[command]
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert f"qobserve {command}: error: {path}: {field}: " in err, err
    assert fragment in err, err
    assert not (tmp_path / "out").exists()


def test_two_files_for_one_period_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = catalog(tmp_path)
    (folder / "windows-again.yaml").write_text(ODD)
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    # files are read in name order: the second one is the duplicate
    assert f"{folder / 'windows-again.yaml'}: spec.sloPeriod: 7d already has its alert " in err
    assert f"windows in {folder / 'windows-7d.yaml'}" in err


def test_a_rule_file_per_slo_names_the_windows_it_alerts_on(tmp_path: Path) -> None:
    files = rule_files(load([catalog(tmp_path)]))
    assert "1.4x over 1d and 2h, or 1x over 3d and 6h" in files["slo-weekly.rules.yml"]
    assert "2.8x over 1d and 2h, or 1x over 3d and 6h" in files["slo-monthly.rules.yml"]
