"""Keep API tokens out of spans, logs, events and reports.

Two layers: the values of secret-looking environment variables (``QISKIT_IBM_TOKEN``,
``*_API_KEY``, ...) are replaced wherever they appear; token-shaped text after words like
``token=`` or ``Bearer``, and the password of a ``user:password@`` URL, are masked even when
their values are not in the environment.

Example::

    >>> redact("login failed: token=abc123def456ghi789")
    'login failed: token=[REDACTED]'
"""

from __future__ import annotations

import os
import re

MASK = "[REDACTED]"
_SECRET_ENV = re.compile(r"TOKEN|SECRET|API_?KEY|PASSWORD|PASSWD|CREDENTIAL", re.IGNORECASE)
_SECRET_TEXT = re.compile(
    r"(?P<key>(?:api[_-]?key|token|apikey|secret|password|authorization)\"?\s*[:=]\s*\"?"
    r"|bearer\s+)(?P<value>[A-Za-z0-9._~+/=-]{8,})",
    re.IGNORECASE,
)
_URL_CREDENTIALS = re.compile(r"(?P<user>[a-z][a-z0-9+.-]*://[^/@\s:]+):[^/@\s]+@", re.I)
_MIN_SECRET_LEN = 8


def secret_values(environ: os._Environ[str] | dict[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names say they hold secrets, longest first."""
    env = os.environ if environ is None else environ
    values = {v for k, v in env.items() if _SECRET_ENV.search(k) and len(v) >= _MIN_SECRET_LEN}
    return sorted(values, key=len, reverse=True)


def redact(text: str, secrets: list[str] | None = None) -> str:
    """``text`` with every known secret and token-shaped value replaced by ``[REDACTED]``."""
    for value in secret_values() if secrets is None else secrets:
        if value in text:
            text = text.replace(value, MASK)
    text = _URL_CREDENTIALS.sub(lambda m: f"{m.group('user')}:{MASK}@", text)
    return _SECRET_TEXT.sub(lambda m: m.group("key") + MASK, text)
