"""The Amazon Braket provider, against a loopback stand-in of the Braket API.

The SDK's own ``AwsSession``/``AwsDevice`` and botocore clients make every request; device
documents are built and validated with the SDK's schema classes (``tests/braket_api.py``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qobserve import contract
from qobserve.collectors import COLLECTORS, QPU, SIMULATOR, CollectOptions, create_provider
from qobserve.collectors.provider import ProviderError
from qobserve.exceptions import InputError
from tests.braket_api import (
    ALWAYS,
    CALIBRATED_AT,
    IONQ_ARN,
    RIGETTI_ARN,
    SV1_ARN,
    FakeBraketAPI,
    qpu_capabilities,
    simulator_capabilities,
    standardized_v1,
)

RETIRED_ARN = "arn:aws:braket:us-east-1::device/qpu/rigetti/Aspen-M-3"
T1_US, T2_US = [100.0, 80.0, 120.0], [50.0, 40.0, 60.0]
READOUT = [0.98, 0.95, 0.99]
CZ = {"0-1": 0.99, "1-2": 0.97}


def _not_today() -> list[dict[str, str]]:
    """An availability window on another weekday than today (UTC)."""
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    tomorrow = days[(datetime.now(UTC).weekday() + 1) % 7]
    return [{"executionDay": tomorrow, "windowStartHour": "00:00", "windowEndHour": "23:59:59"}]


@pytest.fixture
def devices(braket_api: FakeBraketAPI) -> FakeBraketAPI:
    cal = standardized_v1(T1_US, T2_US, READOUT, CZ)
    braket_api.add_device(
        RIGETTI_ARN, "Ankaa-3", "Rigetti", qpu_capabilities(RIGETTI_ARN, 3, cal, ALWAYS), queue=7
    )
    braket_api.add_device(
        IONQ_ARN, "Forte 1", "IonQ", qpu_capabilities(IONQ_ARN, 3, None, _not_today()), queue=2
    )
    braket_api.add_device(SV1_ARN, "SV1", "Amazon Braket", simulator_capabilities())
    braket_api.add_device(
        RETIRED_ARN,
        "Aspen M-3",
        "Rigetti",
        qpu_capabilities(RETIRED_ARN, 3, None, ALWAYS),
        status="RETIRED",
    )
    return braket_api


def test_discovers_every_device_but_retired_ones(devices: FakeBraketAPI) -> None:
    provider = create_provider("braket")
    refs = {r.name: r for r in provider.backends()}
    assert sorted(refs) == ["ionq_forte_1", "rigetti_ankaa_3", "sv1"]
    assert refs["rigetti_ankaa_3"].backend_type == QPU
    assert refs["sv1"].backend_type == SIMULATOR
    assert {r.provider for r in refs.values()} == {"aws"}
    assert refs["ionq_forte_1"].processor_type == "IonQ Forte 1"
    assert refs["rigetti_ankaa_3"].num_qubits == 3
    assert ("POST", "/devices") in devices.requests


def test_status_follows_device_state_windows_and_queue(devices: FakeBraketAPI) -> None:
    provider = create_provider("braket")
    refs = {r.name: r for r in provider.backends()}
    rigetti = provider.status(refs["rigetti_ankaa_3"])
    assert (rigetti.operational, rigetti.pending_jobs) == (True, 7)
    ionq = provider.status(refs["ionq_forte_1"])
    assert (ionq.operational, ionq.pending_jobs) == (False, 2)
    assert "availability windows" in ionq.message
    devices.devices[RIGETTI_ARN]["deviceStatus"] = "OFFLINE"
    devices.devices[RIGETTI_ARN]["deviceQueueInfo"][0]["queueSize"] = ">4000"
    offline = provider.status(refs["rigetti_ankaa_3"])
    assert (offline.operational, offline.pending_jobs) == (False, 4000)
    assert offline.message == "device is OFFLINE"


def test_calibration_from_standardized_properties(devices: FakeBraketAPI) -> None:
    provider = create_provider("braket")
    refs = {r.name: r for r in provider.backends()}
    cal = provider.calibration(refs["rigetti_ankaa_3"])
    assert cal is not None
    assert cal.timestamp == CALIBRATED_AT.timestamp()
    assert cal.t1 == pytest.approx([v * 1e-6 for v in T1_US])
    assert cal.t2 == pytest.approx([v * 1e-6 for v in T2_US])
    assert cal.readout_error == pytest.approx([1 - r for r in READOUT])
    assert dict(cal.gate_errors) == {"cz": pytest.approx([1 - f for f in CZ.values()])}
    assert provider.calibration(refs["sv1"]) is None
    assert provider.calibration(refs["ionq_forte_1"]) is None

    samples = COLLECTORS["calibration"].collect(
        provider, refs["rigetti_ankaa_3"], CollectOptions(per_qubit=True)
    )
    values = {(s.metric.name, s.labels): s.value for s in samples}
    stamp = values[(contract.BACKEND_CALIBRATION_TIMESTAMP.name, ("rigetti_ankaa_3",))]
    assert stamp == CALIBRATED_AT.timestamp()
    per_qubit = {k[1]: v for k, v in values.items() if k[0] == contract.QUBIT_T1.name}
    assert per_qubit == {
        ("rigetti_ankaa_3", str(q)): pytest.approx(t * 1e-6) for q, t in enumerate(T1_US)
    }


def test_watched_devices_only(devices: FakeBraketAPI) -> None:
    provider = create_provider("braket", devices=f"{SV1_ARN}, {IONQ_ARN}")
    assert sorted(r.name for r in provider.backends()) == ["ionq_forte_1", "sv1"]
    assert ("POST", "/devices") not in devices.requests
    with pytest.raises(InputError, match="not a Braket device ARN"):
        create_provider("braket", devices="sv1")


def test_errors_name_the_call_and_carry_no_secret(devices: FakeBraketAPI) -> None:
    provider = create_provider("braket")
    refs = {r.name: r for r in provider.backends()}
    echo = "signature mismatch for secret stand-in-secret-key"
    devices.fail("GetDevice", 400, "ThrottlingException", times=99, message=echo)
    with pytest.raises(ProviderError, match="status of sv1: ThrottlingException") as err:
        provider.status(refs["sv1"])
    assert "stand-in-secret-key" not in str(err.value)
    assert "[REDACTED]" in str(err.value)
    assert err.value.__cause__ is None


def test_calibration_age_over_time(devices: FakeBraketAPI) -> None:
    """A new calibration published by the device is what the next poll reports."""
    provider = create_provider("braket")
    refs = {r.name: r for r in provider.backends()}
    later = CALIBRATED_AT + timedelta(hours=6)
    caps = qpu_capabilities(RIGETTI_ARN, 3, standardized_v1(T1_US, T2_US, READOUT, CZ), ALWAYS)
    caps = caps.replace(
        CALIBRATED_AT.isoformat().replace("+00:00", ""), later.isoformat().replace("+00:00", "")
    )
    devices.devices[RIGETTI_ARN]["deviceCapabilities"] = caps
    cal = provider.calibration(refs["rigetti_ankaa_3"])
    assert cal is not None and cal.timestamp == later.timestamp()
