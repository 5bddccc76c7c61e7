"""Keep API tokens out of spans, logs, events and reports.

Two layers: the values of secret-looking environment variables (``QISKIT_IBM_TOKEN``,
``*_API_KEY``, ...) are replaced wherever they appear, URL-encoded or escaped as in a
``repr`` or JSON string too; token-shaped text after words like ``token=``, ``'token': '``
(a dict's repr), ``token: '`` or ``apikey`` and a space, after ``Bearer`` or ``Basic``, and
the password of a ``user:password@`` URL, are masked even when their values are not in the
environment.

Example::

    >>> redact("login failed: token=abc123def456ghi789")
    'login failed: token=[REDACTED]'
    >>> redact("{'token': 'abc123def456ghi789'}")
    "{'token': '[REDACTED]'}"
    >>> redact("apikey abc123def456ghi789 refused")
    'apikey [REDACTED] refused'
    >>> redact("token expired")  # words are not tokens
    'token expired'
"""

from __future__ import annotations

import json
import os
import re
from urllib.parse import quote, quote_plus

MASK = "[REDACTED]"
_SECRET_ENV = re.compile(r"TOKEN|SECRET|API_?KEY|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
_KEY = r"(?:api[_-]?key|apikey|token|secret|passw(?:or)?d|authorization|credentials?)"
_QUOTE = r"(?:[bru]?\\?[\"'])?"  # a quote, maybe escaped (JSON in a string) or a b'' prefix
_SECRET_TEXT = re.compile(
    rf"(?P<key>{_KEY}{_QUOTE}\s*[:=]\s*{_QUOTE}"  # token=, "token": ", 'token': ', token: '
    rf"|{_KEY}\s+(?=[^\s\"']*\d)"  # apikey abc123...: a space, then a value with a digit
    r"|(?:bearer|basic)\s+)"
    r"(?P<value>[A-Za-z0-9._~+/=-]{8,})",
    re.IGNORECASE,
)
_URL_CREDENTIALS = re.compile(r"(?P<user>[a-z][a-z0-9+.-]*://[^/@\s:]+):[^/@\s]+@", re.I)
_MIN_SECRET_LEN = 8


def secret_values(environ: os._Environ[str] | dict[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names say they hold secrets, longest first."""
    env = os.environ if environ is None else environ
    values = {v for k, v in env.items() if _SECRET_ENV.search(k) and len(v) >= _MIN_SECRET_LEN}
    return sorted(values, key=len, reverse=True)


def _spellings(value: str) -> set[str]:
    """``value`` as it may be written in text: as is, URL-encoded, escaped in a repr or in
    a JSON string."""
    return {
        value,
        quote(value, safe=""),
        quote_plus(value),
        repr(value)[1:-1],
        json.dumps(value)[1:-1],
    }


def redact(text: str, secrets: list[str] | None = None) -> str:
    """``text`` with every known secret (``secrets``, by default :func:`secret_values`) and
    token-shaped value replaced by ``[REDACTED]``."""
    for value in secret_values() if secrets is None else secrets:
        for spelling in sorted(_spellings(value), key=len, reverse=True):
            if spelling in text:
                text = text.replace(spelling, MASK)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('user')}:{MASK}@", text)
    return _SECRET_TEXT.sub(lambda m: m.group("key") + MASK, text)
