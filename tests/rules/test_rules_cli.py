"""``qobserve rules``: the rules of any specs, printed or written, plain or Kubernetes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from qobserve.cli import main
from qobserve.servers import promtool
from tests.conftest import CATALOG, require_binary
from tests.rules.conftest import SLOTH


@pytest.mark.shared
def test_prints_the_rules_of_the_given_specs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", str(SLOTH / "01-base-30d" / "in-base.yaml")]) == 0
    out = capsys.readouterr().out
    names = [g["name"] for g in yaml.safe_load(out)["groups"]]
    assert names == ["qobserve-slo-svc01-slo02", "qobserve-slo-svc01-slo1"]


def test_writes_a_file_promtool_accepts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "rules.yml"
    assert (
        main(
            [
                "rules",
                str(CATALOG),
                "--operational",
                "-o",
                str(target),
                "--grafana-url",
                "https://grafana.example",
                "--cost-budget",
                "250",
            ]
        )
        == 0
    )
    assert capsys.readouterr().err.strip() == f"{target}: 9 SLOs"
    doc = yaml.safe_load(target.read_text())
    assert doc["groups"][-1]["name"] == "qobserve-operational"
    cost = next(r for r in doc["groups"][-1]["rules"] if r["alert"] == "QuantumCostBudgetBurn")
    assert cost["expr"].endswith("> 2 * 250")
    assert "https://grafana.example/d/qobserve-oncall" in target.read_text()
    require_binary("promtool")
    result = promtool("check", "rules", str(target))
    assert result.returncode == 0, result.stdout + result.stderr


def test_kubernetes_format(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", str(CATALOG), "--format", "kubernetes", "--operational"]) == 0
    docs = list(yaml.safe_load_all(capsys.readouterr().out))
    assert {d["kind"] for d in docs} == {"PrometheusRule"} and len(docs) == 10


def test_bad_input_and_unwritable_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rules", str(tmp_path / "missing.yaml")]) == 2
    assert capsys.readouterr().err == (
        f"qobserve rules: error: {tmp_path / 'missing.yaml'}: no such file or folder\n"
    )
    out = tmp_path / "no" / "such" / "dir.yml"
    assert main(["rules", str(CATALOG), "-o", str(out)]) == 2
    assert capsys.readouterr().err.startswith(f"qobserve rules: error: {out}: cannot write")


def test_no_slo_is_an_error_not_an_empty_rule_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "slo"
    empty.mkdir()
    assert main(["rules", str(empty)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == f"qobserve rules: error: {empty}: no SLO found\n"
