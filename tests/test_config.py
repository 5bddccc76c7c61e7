"""The settings of ``configure()``: typed for users' type checkers, one key per Config field."""

from __future__ import annotations

import typing
from dataclasses import fields
from pathlib import Path

from mypy import api

from qobserve.config import Config, Settings
from tests.conftest import ROOT


def test_every_setting_is_a_typed_keyword_of_configure() -> None:
    assert list(typing.get_type_hints(Settings)) == [f.name for f in fields(Config)]


def test_a_misspelt_or_mistyped_setting_is_a_type_error(tmp_path: Path) -> None:
    script = tmp_path / "user.py"
    script.write_text(
        "import qobserve\n"
        "from qobserve.testing import capture\n"
        'qobserve.configure(service_name="vqe", store_path=None, metrics_port=9465)\n'
        'qobserve.configure(service_nmae="vqe")\n'
        'qobserve.configure(metrics_port="9465")\n'
        "capture(job_metric=False)\n"
        "fidelity: float = qobserve.compare({'0': 1}, {'0': 1})\n"
    )
    out, _, status = api.run(["--strict", "--no-error-summary", "--cache-dir",
                              str(ROOT / ".mypy_cache"), str(script)])  # fmt: skip
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert status == 1 and [e.split(":")[1] for e in errors] == ["4", "5", "6"], out
    assert '"service_nmae"' in errors[0] and '"job_metric"' in errors[2]
