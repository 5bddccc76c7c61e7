"""Map any exception to the contract's ``error_type`` label value.

Classification goes by class name along the exception's MRO and its ``__cause__`` /
``__context__`` chain, so qiskit-ibm-runtime's and botocore's (Amazon Braket) exceptions are
recognised without importing either SDK (which may not be installed) and wrapped errors are
seen through. An AWS ``ClientError`` goes by its error code, then by its HTTP status.

Example::

    >>> classify(TimeoutError("no answer"))
    'timeout'
    >>> classify(None)
    'none'
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import errno
import re

# Class names (anywhere in the MRO) -> error_type, checked in order of specificity.
_BY_CLASS: tuple[tuple[str, str], ...] = (
    ("InvalidResultError", "invalid_result"),
    ("IBMNotAuthorizedError", "auth"),
    ("InvalidAccountError", "auth"),
    ("AccountNotFoundError", "auth"),
    ("AuthenticationLicenseError", "auth"),
    ("IBMAccountError", "auth"),
    ("RuntimeJobMaxTimeoutError", "timeout"),
    ("RuntimeJobTimeoutError", "timeout"),
    ("UserTimeoutExceededError", "timeout"),
    ("JobTimeoutError", "timeout"),
    ("QiskitBackendNotFoundError", "backend_unavailable"),
    ("IBMBackendError", "backend_unavailable"),
    ("RuntimeJobFailureError", "job_failed"),
    ("AerError", "job_failed"),
    ("TranspilerError", "invalid_input"),
    ("CircuitError", "invalid_input"),
    ("IBMInputValueError", "invalid_input"),
    ("ConnectTimeout", "timeout"),
    ("ReadTimeout", "timeout"),
    # botocore: credentials and region missing or unusable
    ("NoCredentialsError", "auth"),
    ("PartialCredentialsError", "auth"),
    ("CredentialRetrievalError", "auth"),
    ("TokenRetrievalError", "auth"),
    ("SSOError", "auth"),
    ("NoRegionError", "auth"),
    ("ParamValidationError", "invalid_input"),
    # PennyLane: a circuit or device the user asked for that cannot be run
    ("WireError", "invalid_input"),
    ("QuantumFunctionError", "invalid_input"),
    ("DeviceError", "invalid_input"),
    ("ConnectionClosedError", "network"),
    ("ConnectionError", "network"),  # requests', botocore's and the builtin
    ("ProtocolError", "network"),
    ("RetryError", "backend_unavailable"),  # requests: retries on HTTP 5xx exhausted
    ("TimeoutError", "timeout"),
    ("CancelledError", "cancelled"),
    ("KeyboardInterrupt", "cancelled"),
    ("ValueError", "invalid_input"),
    ("TypeError", "invalid_input"),
)
# an exhausted urllib3 retry: "Max retries exceeded ... (Caused by ResponseError('too many 504
# error responses'))" - the only place the HTTP status survives
_RETRIED_STATUS = re.compile(r"too many (\d{3}) error responses")
_TIMED_OUT = ("timed out", "timeout")
_QUOTA_WORDS = ("quota", "usage limit", "exceeded the", "insufficient", "out of time")
_NETWORK_ERRNOS = {
    errno.ECONNREFUSED,
    errno.ECONNRESET,
    errno.EHOSTUNREACH,
    errno.ENETUNREACH,
    errno.ECONNABORTED,
    errno.EPIPE,
}
_MAX_CHAIN = 8
# botocore ClientError codes (Braket's API and the AWS auth layer)
_AWS_CODES = {
    "AccessDeniedException": "auth",
    "UnrecognizedClientException": "auth",
    "ExpiredTokenException": "auth",
    "InvalidSignatureException": "auth",
    "ThrottlingException": "rate_limited",
    "TooManyRequestsException": "rate_limited",
    "ServiceQuotaExceededException": "quota_exceeded",
    "DeviceOfflineException": "backend_unavailable",
    "DeviceRetiredException": "backend_unavailable",
    "ResourceNotFoundException": "backend_unavailable",
    "ServiceUnavailableException": "backend_unavailable",
    "InternalServiceException": "backend_unavailable",
    "ValidationException": "invalid_input",
    "ConflictException": "invalid_input",
}


class InvalidResultError(Exception):
    """A run finished but its result failed the experiment's ``validate`` check."""


def message(exc: BaseException) -> str:
    """``str(exc)``, or ``<unprintable TYPE>`` when the exception's own ``__str__`` fails:
    a report of a failure must not fail in turn. Never raises.

    >>> class Odd(Exception):
    ...     def __str__(self) -> str:
    ...         raise RuntimeError
    >>> message(Odd())
    '<unprintable Odd>'
    """
    try:
        return str(exc)
    except Exception:
        return f"<unprintable {type(exc).__qualname__}>"


def describe(exc: BaseException) -> str:
    """``TYPE: message`` of an exception (see :func:`message`). Never raises.

    >>> describe(KeyError("t1"))
    "KeyError: 't1'"
    """
    return f"{type(exc).__name__}: {message(exc)}"


def classify(exc: BaseException | None) -> str:
    """The ``error_type`` of an exception (``none`` for ``None``); never raises."""
    if exc is None:
        return "none"
    try:
        return _classify_chain(exc)
    except Exception:  # classification must never break the caller
        return "internal"


def _classify_chain(exc: BaseException) -> str:
    seen: set[int] = set()
    current: BaseException | None = exc
    fallback = ""
    while current is not None and id(current) not in seen and len(seen) < _MAX_CHAIN:
        seen.add(id(current))
        kind = _classify_one(current)
        if kind and kind not in ("internal", "invalid_input"):
            return kind
        # a generic outer error (ValueError, QiskitError) may hide a specific cause
        fallback = fallback or kind
        current = current.__cause__ or current.__context__
    return fallback or "internal"


def _classify_one(exc: BaseException) -> str:
    names = [cls.__name__ for cls in type(exc).__mro__]
    message = str(exc).lower()
    if "RequestsApiError" in names or "IBMApiError" in names:
        status = getattr(exc, "status_code", -1)
        retried = _RETRIED_STATUS.search(message)
        if status == -1 and retried:
            status = int(retried.group(1))
        kind = _http_status(status, message)
        if kind:
            return kind
        # no HTTP response at all: the wrapped requests error says why (timeout, refused)
        inner = exc.__cause__ or exc.__context__
        kind = _classify_one(inner) if inner is not None and inner is not exc else ""
        return kind or _network_or_timeout(message)
    if "ClientError" in names and isinstance(getattr(exc, "response", None), dict):
        return _aws_client_error(exc.response, message)  # type: ignore[attr-defined]
    if "RuntimeInvalidStateError" in names:
        return "cancelled" if "cancel" in message else "job_failed"
    if "RuntimeJobFailureError" in names and any(w in message for w in _QUOTA_WORDS):
        return "quota_exceeded"
    if isinstance(exc, (asyncio.TimeoutError, concurrent.futures.TimeoutError)):
        return "timeout"
    if isinstance(exc, OSError) and exc.errno in _NETWORK_ERRNOS:
        return "network"
    for name, kind in _BY_CLASS:
        if name in names:
            # requests wraps urllib3's read timeout in a ConnectionError (MaxRetryError)
            return _network_or_timeout(message) if kind == "network" else kind
    return ""


def _aws_client_error(response: dict[str, object], message: str) -> str:
    error = response.get("Error")
    code = str(error.get("Code", "")) if isinstance(error, dict) else ""
    if code in _AWS_CODES:
        return _AWS_CODES[code]
    meta = response.get("ResponseMetadata")
    status = meta.get("HTTPStatusCode", -1) if isinstance(meta, dict) else -1
    return _http_status(status, message) or "internal"


def _network_or_timeout(message: str) -> str:
    return "timeout" if any(w in message for w in _TIMED_OUT) else "network"


def _http_status(status: object, message: str) -> str:
    code = status if isinstance(status, int) else -1
    if code in (401, 403) and not any(w in message for w in _QUOTA_WORDS):
        return "auth"
    if code == 429:
        return "rate_limited"
    if code in (402, 403) or any(w in message for w in _QUOTA_WORDS):
        return "quota_exceeded"
    if code in (408, 504):
        return "timeout"
    if code == 404:
        return "backend_unavailable" if "backend" in message else "invalid_input"
    if code == 503 or "maintenance" in message:
        return "backend_unavailable"
    if 400 <= code < 500:
        return "invalid_input"
    if code >= 500:
        return "backend_unavailable"
    return ""  # -1: no response; see the caller
