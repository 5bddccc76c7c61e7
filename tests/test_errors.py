"""classify(): every error type of the contract, with qiskit-ibm-runtime's real exceptions."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import requests
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime.accounts.exceptions import InvalidAccountError
from qiskit_ibm_runtime.api.exceptions import RequestsApiError
from qiskit_ibm_runtime.exceptions import (
    IBMNotAuthorizedError,
    RuntimeInvalidStateError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
    RuntimeJobTimeoutError,
)

from qobserve.contract import ERROR_TYPES
from qobserve.errors import InvalidResultError, classify
from tests.braket_api import SV1_ARN, FakeBraketAPI
from tests.conftest import require_module


def raised_from(outer: type[BaseException], inner: BaseException, *args: object) -> BaseException:
    """``outer`` raised while handling ``inner``, as the SDK's wrappers do."""
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer(*args) from exc  # type: ignore[call-arg]
    except BaseException as exc:
        return exc


CASES = [
    (IBMNotAuthorizedError("401 Client Error: Unauthorized"), "auth"),
    (InvalidAccountError("Invalid token found"), "auth"),
    (RequestsApiError("Too Many Requests", 429), "rate_limited"),
    (
        RequestsApiError("Forbidden. You have exceeded the usage limit of your instance", 403),
        "quota_exceeded",
    ),
    (RequestsApiError("Forbidden", 403), "auth"),
    (
        RuntimeJobFailureError("Unable to retrieve job result. Job exceeded the quota"),
        "quota_exceeded",
    ),
    (RuntimeJobFailureError("Unable to retrieve job result. Error code 1517"), "job_failed"),
    (RuntimeJobMaxTimeoutError("Job has reached the maximum execution time"), "timeout"),
    (RuntimeJobTimeoutError("Timeout while waiting for job"), "timeout"),
    (
        RuntimeInvalidStateError("Unable to retrieve result for job x. Job was cancelled."),
        "cancelled",
    ),
    (QiskitBackendNotFoundError("No backend matches the criteria"), "backend_unavailable"),
    (
        RequestsApiError(
            "Unexpected response received from server. Please check if the service "
            "is in maintenance mode",
            -1,
        ),
        "backend_unavailable",
    ),
    (raised_from(RequestsApiError, requests.exceptions.ConnectionError("refused"), "x"), "network"),
    (
        raised_from(RequestsApiError, requests.exceptions.ReadTimeout("read timed out"), "x"),
        "timeout",
    ),
    (RequestsApiError("no response"), "network"),
    (ConnectionRefusedError(111, "Connection refused"), "network"),
    (TimeoutError("timed out"), "timeout"),
    (asyncio.CancelledError(), "cancelled"),
    (KeyboardInterrupt(), "cancelled"),
    (ValueError("circuit has 7 qubits, backend 5"), "invalid_input"),
    (InvalidResultError("result failed validation"), "invalid_result"),
    (ZeroDivisionError(), "internal"),
]


@pytest.mark.parametrize(
    ("exc", "expected"), CASES, ids=[c[1] + "-" + type(c[0]).__name__ for c in CASES]
)
def test_classify(exc: BaseException, expected: str) -> None:
    assert classify(exc) == expected
    assert expected in ERROR_TYPES


def test_specific_cause_hidden_behind_a_generic_error_is_found() -> None:
    # user code wraps the SDK's error in its own generic one
    hidden = raised_from(
        RuntimeError, RequestsApiError("Too Many Requests", 429), "experiment step failed"
    )
    assert classify(hidden) == "rate_limited"
    try:
        try:
            raise IBMNotAuthorizedError("bad token")
        except IBMNotAuthorizedError:
            raise ValueError("could not start") from None  # __context__ kept, __cause__ None
    except ValueError as exc:
        context_only = exc
    assert classify(context_only) == "auth"


def test_cyclic_chain_terminates_and_none_is_none() -> None:
    a, b = RuntimeError("a"), RuntimeError("b")
    a.__context__, b.__context__ = b, a
    assert classify(a) == "internal"
    assert classify(None) == "none"


# -- Amazon Braket: botocore's exceptions, raised by the SDK's own client -------------------

BRAKET_CODES = [
    (403, "AccessDeniedException", "auth"),
    (403, "UnrecognizedClientException", "auth"),
    (403, "ExpiredTokenException", "auth"),
    (429, "ThrottlingException", "rate_limited"),
    (402, "ServiceQuotaExceededException", "quota_exceeded"),
    (424, "DeviceOfflineException", "backend_unavailable"),
    (410, "DeviceRetiredException", "backend_unavailable"),
    (404, "ResourceNotFoundException", "backend_unavailable"),
    (400, "ValidationException", "invalid_input"),
    (503, "SomeNewException", "backend_unavailable"),  # unknown code: by HTTP status
]


@pytest.mark.parametrize(
    ("status", "code", "expected"), BRAKET_CODES, ids=[c[1] for c in BRAKET_CODES]
)
def test_braket_client_errors_by_code(
    braket_api: FakeBraketAPI,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    code: str,
    expected: str,
) -> None:
    from botocore.exceptions import ClientError
    from braket.aws import AwsDevice

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    braket_api.fail("GetDevice", status, code)
    with pytest.raises(Exception) as err:
        AwsDevice(SV1_ARN)
    # the SDK re-raises "not found" as ValueError("Simulator ... not found") from the ClientError
    client_error = err.value if isinstance(err.value, ClientError) else err.value.__cause__
    assert isinstance(client_error, ClientError)
    assert client_error.response["Error"]["Code"] == code
    assert classify(err.value) == expected


def test_braket_missing_credentials_and_region_are_auth(
    braket_api: FakeBraketAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    from braket.aws import AwsDevice

    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(Exception) as no_credentials:
        AwsDevice(SV1_ARN)
    assert type(no_credentials.value).__name__ == "NoCredentialsError"
    assert classify(no_credentials.value) == "auth"

    for name in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    with pytest.raises(Exception) as no_region:
        AwsDevice(SV1_ARN)
    assert type(no_region.value).__name__ == "NoRegionError"
    assert classify(no_region.value) == "auth"


def test_braket_unreachable_endpoint_is_network_and_slow_one_timeout(
    braket_api: FakeBraketAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    from braket.aws import AwsDevice, AwsSession

    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    monkeypatch.setenv("AWS_ENDPOINT_URL", f"http://127.0.0.1:{port}")
    with pytest.raises(Exception) as refused:
        AwsDevice(SV1_ARN)
    assert type(refused.value).__name__ == "EndpointConnectionError"
    assert classify(refused.value) == "network"

    import boto3
    from botocore.config import Config

    monkeypatch.setenv("AWS_ENDPOINT_URL", braket_api.url)
    braket_api.delay = 2.0
    client = boto3.client("braket", config=Config(read_timeout=0.2, retries={"max_attempts": 1}))
    with pytest.raises(Exception) as slow:
        AwsDevice(SV1_ARN, aws_session=AwsSession(braket_client=client))
    assert type(slow.value).__name__ == "ReadTimeoutError"
    assert classify(slow.value) == "timeout"


# -- PennyLane: its exceptions, raised where PennyLane raises them ----------------------------


def test_pennylane_errors_are_invalid_input() -> None:
    require_module("pennylane", "pennylane")
    import pennylane as qml

    @qml.qnode(qml.device("default.qubit", wires=1))
    def off_device() -> Any:
        qml.CNOT(wires=[0, 5])
        return qml.expval(qml.PauliZ(0))

    @qml.qnode(qml.device("default.qubit", wires=1))
    def no_measurement() -> Any:
        qml.Hadamard(wires=0)
        return 1.0

    raised = []
    for call in (off_device, no_measurement, lambda: qml.device("no.such.device", wires=1)):
        with pytest.raises(Exception) as err:
            call()
        raised.append(err.value)
    assert [type(e).__name__ for e in raised] == ["WireError", "QuantumFunctionError",
                                                  "DeviceError"]  # fmt: skip
    assert [classify(e) for e in raised] == ["invalid_input"] * 3
