"""The IBM Quantum provider.

IBM's cloud cannot be reached from the test machines, so the service is a stand-in with the
three ``QiskitRuntimeService`` methods the provider calls, serving real fake backends (the
same classes and data qiskit-ibm-runtime ships as IBM device snapshots). Account discovery is
the real ``AccountManager`` reading a temporary home folder.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from qobserve import contract
from qobserve.collectors import COLLECTORS, QPU, CollectOptions, Usage
from qobserve.collectors.fake import FakeProvider
from qobserve.collectors.ibm import IBMProvider, ProviderError
from qobserve.exceptions import InputError

TOKEN = "tok-5ecret-abcdefghijklmnop"


class StandInService:
    """The slice of QiskitRuntimeService the provider uses."""

    def __init__(
        self, backends: list[Any], usage: dict[str, Any] | None = None, fail: str | None = None
    ) -> None:
        self._backends = backends
        self._usage = usage or {}
        self._fail = fail

    def backends(self) -> list[Any]:
        if self._fail:
            raise ConnectionError(self._fail)
        return self._backends

    def usage(self) -> dict[str, Any]:
        return self._usage

    def active_instance(self) -> str:
        return "crn:v1:bluemix:public:quantum-computing:us-east:a/123::"


@pytest.fixture
def no_account(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty account file and no account variables; returns the file's path."""
    for var in ("QISKIT_IBM_TOKEN", "QISKIT_IBM_URL", "QISKIT_IBM_INSTANCE", "QISKIT_IBM_CHANNEL"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path / "qiskit-ibm.json"


def test_missing_account_is_an_input_error_at_start(no_account: Path) -> None:
    with pytest.raises(InputError, match="no IBM Quantum account") as err:
        IBMProvider(account_file=str(no_account))
    assert "QISKIT_IBM_TOKEN" in str(err.value)


def test_account_from_the_environment_is_found_without_network(
    no_account: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    provider = IBMProvider(instance="crn:test", account_file=str(no_account))
    assert provider.name == "ibm"
    assert TOKEN not in repr(vars(provider).get("_options"))


def test_saved_account_by_name(no_account: Path) -> None:
    no_account.write_text(
        json.dumps(
            {
                "lab": {
                    "channel": "ibm_quantum_platform",
                    "token": TOKEN,
                    "url": "https://cloud.ibm.com",
                    "instance": "crn:lab",
                }
            }
        )
    )
    provider = IBMProvider(account="lab", account_file=str(no_account))
    assert TOKEN in provider._secrets  # kept only to scrub it from error messages
    with pytest.raises(InputError) as err:
        IBMProvider(account="other", account_file=str(no_account))
    assert TOKEN not in str(err.value)


def test_reads_backends_status_calibration_and_usage(fake: FakeProvider) -> None:
    backends = [fake.backend("fake_kyiv"), fake.backend("fake_manila")]
    usage = {"usage_consumed_seconds": 1234, "usage_limit_seconds": 36000}
    ibm = IBMProvider(service=StandInService(backends, usage))
    refs = ibm.backends()
    assert [(r.name, r.backend_type, r.provider) for r in refs] == [
        ("fake_kyiv", QPU, "ibm"),
        ("fake_manila", QPU, "ibm"),
    ]
    assert ibm.status(refs[0]).operational
    assert ibm.calibration(refs[0]) == fake.calibration(refs[0])
    assert ibm.usage() == [
        Usage(
            "crn:v1:bluemix:public:quantum-computing:us-east:a/123::",
            consumed_seconds=1234.0,
            limit_seconds=36000.0,
        )
    ]
    samples = COLLECTORS["usage"].collect(ibm, None, CollectOptions())
    assert {s.metric.name for s in samples} == {
        contract.USAGE_CONSUMED.name,
        contract.USAGE_LIMIT.name,
    }


def test_allocation_is_the_limit_when_no_limit_is_reported() -> None:
    ibm = IBMProvider(service=StandInService([], {"usage_allocation_seconds": 600}))
    assert ibm.usage()[0].limit_seconds == 600.0
    assert ibm.usage()[0].consumed_seconds is None


def test_errors_never_carry_the_token(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    ibm = IBMProvider(
        service=StandInService([], fail=f"proxy refused request with header 'apikey: {TOKEN}'")
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ProviderError) as err:
        ibm.backends()
    assert TOKEN not in str(err.value)
    assert "[REDACTED]" in str(err.value)
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert TOKEN not in caplog.text
