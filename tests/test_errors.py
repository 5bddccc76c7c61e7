"""classify(): every error type of the contract, with qiskit-ibm-runtime's real exceptions."""

from __future__ import annotations

import asyncio

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
