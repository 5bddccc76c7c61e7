"""qobserve generate: deterministic, complete, and equal to the checked-in folders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qobserve.cli import main
from qobserve.generate import generated_files, stale_files, write_files
from qobserve.slo import load
from tests.conftest import CATALOG

ROOT = Path(__file__).resolve().parent.parent


def test_checked_in_folders_equal_a_fresh_generation() -> None:
    stale = stale_files(ROOT, generated_files(load([CATALOG])))
    assert not stale, f"run `qobserve generate`: {stale}"


def test_generation_is_byte_identical_and_prunes_removed_outputs(tmp_path: Path) -> None:
    slos = load([CATALOG])
    first = generated_files(slos)
    assert first == generated_files(slos)
    write_files(tmp_path, first)
    orphan = tmp_path / "alert_rules" / "slo-retired.rules.yml"  # a removed SLO's rules
    orphan.write_text(first["alert_rules/operational.rules.yml"])
    old_board = tmp_path / "dashboards" / "qobserve-retired.json"
    old_board.write_text('{"uid": "qobserve-retired"}')
    mine = [tmp_path / "alert_rules" / "team.rules.yml", tmp_path / "dashboards" / "team.json",
            tmp_path / "exporters" / "my-notes.txt"]  # fmt: skip
    for path in mine:
        path.write_text("groups: []\n" if path.suffix == ".yml" else '{"uid": "team"}')
    assert stale_files(tmp_path, first) == [orphan, old_board]
    assert write_files(tmp_path, first) == [orphan, old_board]
    assert not orphan.exists() and not old_board.exists()
    assert all(path.exists() for path in mine)  # a user's own files are never removed
    assert write_files(tmp_path, first) == []  # nothing changes the second time


def test_prometheus_config_loads_the_generated_rules(tmp_path: Path) -> None:
    files = generated_files(load([CATALOG]))
    config = yaml.safe_load(files["exporters/prometheus.yml"])
    write_files(tmp_path, files)
    loaded = sorted((tmp_path / "exporters").glob(config["rule_files"][0]))
    assert [p.name for p in loaded] == sorted(
        Path(n).name for n in files if n.startswith("alert_rules/") and n.endswith(".rules.yml")
    )


def test_cli_check_reports_stale_files_and_bad_specs(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "qobserve", "generate", *args],
                              capture_output=True, text=True, timeout=120)  # fmt: skip

    result = cli("--slo-dir", str(CATALOG), "--out", str(tmp_path), "--check")
    assert result.returncode == 1 and "differs from a fresh generation" in result.stderr
    assert cli("--slo-dir", str(CATALOG), "--out", str(tmp_path)).returncode == 0
    assert cli("--slo-dir", str(CATALOG), "--out", str(tmp_path), "--check").returncode == 0
    bad = tmp_path / "bad-slos"
    bad.mkdir()
    (bad / "x.yaml").write_text("version: qobserve/v1\nslos:\n  - name: x\n    objective: 120\n")
    result = cli("--slo-dir", str(bad), "--out", str(tmp_path))
    assert result.returncode == 2 and "x.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_what_generated_files_say_to_edit_is_a_flag_and_check_repeats_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flags = ["--out", str(tmp_path), "--exporter-target", "exporter.internal:9464",
             "--app-target", "vqe-1:9465", "--app-target", "vqe-2:9465",
             "--grafana-url", "https://grafana.example", "--runbook-url",
             "https://wiki.example/runbooks/quantum.md"]  # fmt: skip
    assert main(["generate", *flags]) == 0
    prometheus = yaml.safe_load((tmp_path / "exporters" / "prometheus.yml").read_text())
    targets = [c["static_configs"][0]["targets"] for c in prometheus["scrape_configs"]]
    assert targets == [["exporter.internal:9464"], ["vqe-1:9465", "vqe-2:9465"]]
    rules = (tmp_path / "alert_rules" / "slo-job-success-qpu.rules.yml").read_text()
    assert "runbook_url: https://wiki.example/runbooks/quantum.md#job-success-qpu" in rules
    assert "https://grafana.example/d/" in rules
    capsys.readouterr()

    assert main(["generate", "--check", *flags]) == 0
    assert main(["generate", "--check", "--out", str(tmp_path)]) == 1  # other targets
    hint = capsys.readouterr().err.splitlines()[-1]
    assert hint == f"run `qobserve generate --out {tmp_path}` to update"
    assert main(["generate", "--check", *flags[:4]]) == 1
    hint = capsys.readouterr().err.splitlines()[-1]
    flag = "--exporter-target exporter.internal:9464"
    assert hint == f"run `qobserve generate --out {tmp_path} {flag}` to update"


def test_a_relative_runbook_resolves_against_an_absolute_base() -> None:
    from dataclasses import replace

    from qobserve.rules.alerts import runbook_url
    from qobserve.rules.options import RuleOptions

    slo = replace(load([CATALOG])[0], runbook_url="runbooks/qpu.md")
    base = RuleOptions(runbook_url="https://wiki.example/quantum/index.md")
    assert runbook_url(slo, base) == "https://wiki.example/quantum/runbooks/qpu.md"
    assert runbook_url(slo) == "runbooks/qpu.md"  # a relative base keeps it as written
    absolute = replace(slo, runbook_url="https://other.example/qpu")
    assert runbook_url(absolute, base) == "https://other.example/qpu"
