"""The price model file: format, validation, cost per backend."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from qobserve.exceptions import InputError
from qobserve.instrument.pricing import FREE, Price, load_price_model
from qobserve.instrument.state import InstrumentationState

MODEL = """
version: qobserve.prices/v1
default: {per_shot: 0.000001}
backends:
  ibm_brisbane: {per_qpu_second: 1.60}
  "ibm_*": {per_qpu_second: 1.20}
  fake_manila: {per_shot: 0.00001}
"""


def test_yaml_model(tmp_path: Path) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text(MODEL)
    model = load_price_model(path)
    assert model.price("ibm_brisbane") == Price(per_qpu_second=1.6)
    assert model.price("ibm_kyiv") == Price(per_qpu_second=1.2)  # the pattern
    assert model.cost("ibm_kyiv", qpu_seconds=10, shots=4096) == pytest.approx(12.0)
    assert model.cost("fake_manila", qpu_seconds=None, shots=1000) == pytest.approx(0.01)
    assert model.cost("aer_simulator", qpu_seconds=None, shots=1000) == pytest.approx(0.001)


BRAKET = """
backends:
  ionq_forte_1: {per_task: 0.30, per_shot: 0.08}
  sv1: {per_minute: 0.075, minimum_billed_seconds: 3}
"""


def test_braket_price_shapes(tmp_path: Path) -> None:
    """Braket bills QPUs per task and shot, managed simulators per minute with a minimum."""
    path = tmp_path / "prices.yaml"
    path.write_text(BRAKET)
    model = load_price_model(path)
    assert model.cost("ionq_forte_1", qpu_seconds=None, shots=1000) == pytest.approx(80.30)
    assert model.cost("ionq_forte_1", qpu_seconds=None, shots=200, tasks=2) == pytest.approx(16.6)
    # 1.2 s of execution bills the 3 s minimum; 90 s bills 1.5 minutes
    assert model.cost("sv1", qpu_seconds=None, shots=1000, execution_seconds=1.2) == (
        pytest.approx(0.075 * 3 / 60)
    )
    assert model.cost("sv1", qpu_seconds=None, shots=10, execution_seconds=90) == (
        pytest.approx(0.075 * 1.5)
    )
    assert model.cost("sv1", qpu_seconds=None, shots=10, tasks=4, execution_seconds=2) == (
        pytest.approx(0.075 * 12 / 60)
    )


def test_json_model_and_the_free_default(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(json.dumps({"backends": {"ibm_torino": {"per_qpu_second": 2}}}))
    model = load_price_model(path)
    assert model.cost("ibm_torino", qpu_seconds=3, shots=100) == 6.0
    assert model.cost("ibm_other", qpu_seconds=3, shots=100) == 0.0
    assert FREE.cost("anything", qpu_seconds=100, shots=10**6) == 0.0
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    assert load_price_model(empty) == FREE


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("backends: {ibm_x: {per_qpu_second: -1}}", "backends.ibm_x.per_qpu_second", ">= 0"),
        ("backends: {ibm_x: {per_second: 1}}", "backends.ibm_x", "per_second"),
        ("backends: {ibm_x: {per_shot: cheap}}", "backends.ibm_x.per_shot", "number"),
        ("backends: {sv1: {per_minute: -0.1}}", "backends.sv1.per_minute", ">= 0"),
        ("backends: {sv1: {per_task: .inf}}", "backends.sv1.per_task", ">= 0"),
        ("backends: [ibm_x]", "backends", "must map"),
        ("version: other/v2", "version", "qobserve.prices/v1"),
        ("currency: EUR", "currency", "USD"),
        ("default: 3", "default", "mapping"),
    ],
)
def test_mistakes_name_the_field(tmp_path: Path, text: str, field: str, message: str) -> None:
    path = tmp_path / "prices.yaml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_price_model(path)
    assert info.value.field == field and message in info.value.message
    assert info.value.path == str(path)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="cannot read"):
        load_price_model(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("backends: {ibm_x: [")
    with pytest.raises(InputError, match="invalid YAML"):
        load_price_model(bad)
    errors: list[Any] = []
    state = InstrumentationState()
    assert state.price_model(str(bad), errors.append) is FREE  # telemetry keeps going, priced 0
    assert state.price_model(str(bad), errors.append) is FREE  # read once, reported once
    assert len(errors) == 1 and isinstance(errors[0], InputError)
