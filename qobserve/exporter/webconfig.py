"""TLS and basic auth from a web config file, in the Prometheus exporter-toolkit format.

The same file node_exporter and Prometheus take with ``--web.config.file``::

    tls_server_config:
      cert_file: server.crt          # relative paths are relative to this file
      key_file: server.key
      client_auth_type: RequireAndVerifyClientCert   # or NoClientCert, VerifyClientCertIfGiven
      client_ca_file: ca.crt
      client_allowed_sans: [prometheus.example.org]
      min_version: TLS12             # TLS10 .. TLS13
      max_version: TLS13
    http_server_config:
      headers: {Strict-Transport-Security: max-age=31536000}
    basic_auth_users:
      prometheus: $2b$12$...         # bcrypt hash, e.g. from `htpasswd -nbBC 12 "" secret`

Basic auth needs the ``bcrypt`` package (``pip install qobserve[exporter]``): bcrypt hashes are
what the convention mandates and the standard library cannot check them. A verified password
is remembered (as a SHA-256 digest) so Prometheus' scrape every few seconds does not cost a
bcrypt round each time. Go-specific settings that Python's ``ssl`` cannot honour
(``cipher_suites`` by Go name, ``curve_preferences``, ``RequestClientCert``,
``RequireAnyClientCert``) are refused with an error rather than silently ignored.

Example::

    config = load_web_config("web.yml")
    config.ssl_context            # None without tls_server_config
    config.authorized("Basic cHJvbWV0aGV1czpzZWNyZXQ=")
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import ssl
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qobserve.exceptions import InputError

_TLS_VERSIONS = {
    "TLS10": ssl.TLSVersion.TLSv1, "TLS11": ssl.TLSVersion.TLSv1_1,
    "TLS12": ssl.TLSVersion.TLSv1_2, "TLS13": ssl.TLSVersion.TLSv1_3,
}  # fmt: skip
_CLIENT_AUTH = {
    "NoClientCert": ssl.CERT_NONE,
    "VerifyClientCertIfGiven": ssl.CERT_OPTIONAL,
    "RequireAndVerifyClientCert": ssl.CERT_REQUIRED,
}
_UNSUPPORTED_CLIENT_AUTH = ("RequestClientCert", "RequireAnyClientCert")
_TLS_KEYS = {
    "cert_file",
    "key_file",
    "client_auth_type",
    "client_ca_file",
    "client_allowed_sans",
    "min_version",
    "max_version",
    "prefer_server_cipher_suites",
    "cipher_suites",
    "curve_preferences",
}
_HTTP_KEYS = {"http2", "headers"}
_TOP_KEYS = {"tls_server_config", "http_server_config", "basic_auth_users"}
_AUTH_CACHE_MAX = 1024


@dataclass
class WebConfig:
    """A loaded web config: the TLS context, the users and the extra response headers."""

    path: str | None = None
    ssl_context: ssl.SSLContext | None = None
    users: Mapping[str, bytes] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    allowed_sans: tuple[str, ...] = ()
    #: A hash of nothing anyone knows, at the users' cost, checked for unknown user names.
    dummy_hash: bytes = b""
    _verified: set[bytes] = field(default_factory=set, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def auth_required(self) -> bool:
        """Requests must carry basic auth credentials."""
        return bool(self.users)

    def authorized(self, header: str | None) -> bool:
        """True when no users are configured, or ``header`` (an ``Authorization`` value) names
        a configured user with the right password."""
        if not self.users:
            return True
        user, password = _parse_basic(header)
        if user is None or password is None:
            return False
        hashed = self.users.get(user)
        digest = hashlib.sha256(
            b"\0".join([user.encode(), password.encode(), hashed or b""])
        ).digest()
        with self._lock:
            if hashed is not None and digest in self._verified:
                return True
        import bcrypt

        if hashed is None:
            # Spend the same time as for a real user so timing does not reveal user names.
            bcrypt.checkpw(password.encode(), self.dummy_hash)
            return False
        if not bcrypt.checkpw(password.encode(), hashed):
            return False
        with self._lock:
            if len(self._verified) >= _AUTH_CACHE_MAX:
                self._verified.clear()
            self._verified.add(digest)
        return True

    def peer_allowed(self, peer_cert: Mapping[str, Any] | None) -> bool:
        """True when ``client_allowed_sans`` is empty or the client certificate has one."""
        if not self.allowed_sans:
            return True
        names = {str(v) for _, v in (peer_cert or {}).get("subjectAltName", ())}
        return any(san in names for san in self.allowed_sans)


def _parse_basic(header: str | None) -> tuple[str | None, str | None]:
    if not header or header[:6].lower() != "basic ":
        return None, None
    try:
        raw = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    user, sep, password = raw.partition(":")
    return (user, password) if sep else (None, None)


def load_web_config(path: str | os.PathLike[str]) -> WebConfig:
    """Read and check a web config file; every mistake is an InputError naming the field."""
    import yaml

    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except OSError as err:
        raise InputError(f"cannot read web config: {err.strerror}", path=path) from None
    except yaml.YAMLError as err:
        raise InputError(f"not valid YAML: {err}", path=path) from None
    if not isinstance(data, dict):
        raise InputError("must be a mapping", path=path)
    _no_unknown(data, _TOP_KEYS, path, "")
    config = WebConfig(path=str(path))
    base = path.parent
    tls = _mapping(data.get("tls_server_config"), path, "tls_server_config")
    if tls:
        _no_unknown(tls, _TLS_KEYS, path, "tls_server_config.")
        config.ssl_context = _ssl_context(tls, base, path)
        sans = tls.get("client_allowed_sans") or []
        if not isinstance(sans, list) or not all(isinstance(s, str) for s in sans):
            raise InputError(
                "must be a list of names", path=path, field="tls_server_config.client_allowed_sans"
            )
        config.allowed_sans = tuple(sans)
    http = _mapping(data.get("http_server_config"), path, "http_server_config")
    _no_unknown(http, _HTTP_KEYS, path, "http_server_config.")
    headers = _mapping(http.get("headers"), path, "http_server_config.headers")
    for name, value in headers.items():
        if not isinstance(value, str) or any(c in f"{name}{value}" for c in "\r\n"):
            raise InputError(
                "header values must be single-line strings",
                path=path,
                field=f"http_server_config.headers.{name}",
            )
    config.headers = {str(k): v for k, v in headers.items()}
    users = _mapping(data.get("basic_auth_users"), path, "basic_auth_users")
    config.users = _users(users, path)
    if config.users:
        import bcrypt

        cost = max((int(h[4:6]) for h in config.users.values() if h[4:6].isdigit()), default=10)
        config.dummy_hash = bcrypt.hashpw(os.urandom(16).hex().encode(), bcrypt.gensalt(cost))
    return config


def _mapping(value: Any, path: Path, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InputError("must be a mapping", path=path, field=name)
    return value


def _no_unknown(data: Mapping[str, Any], known: set[str], path: Path, prefix: str) -> None:
    for key in data:
        if key not in known:
            raise InputError(
                f"unknown setting (known: {', '.join(sorted(known))})",
                path=path,
                field=f"{prefix}{key}",
            )


def _ssl_context(tls: Mapping[str, Any], base: Path, path: Path) -> ssl.SSLContext:  # noqa: C901 - one branch per TLS option of the web config format
    def field_path(name: str) -> str:
        value = tls.get(name)
        if not isinstance(value, str) or not value:
            raise InputError("required: a file name", path=path, field=f"tls_server_config.{name}")
        full = base / value
        if not full.is_file():
            raise InputError(f"no such file: {full}", path=path, field=f"tls_server_config.{name}")
        return str(full)

    for unsupported in ("cipher_suites", "curve_preferences"):
        if tls.get(unsupported):
            raise InputError(
                "not supported by the qobserve exporter (Python's ssl module "
                "picks secure defaults); remove it",
                path=path,
                field=f"tls_server_config.{unsupported}",
            )

    def load(what: str, name: str, fn: Callable[[], None]) -> None:
        try:
            fn()
        except ssl.SSLError as err:
            raise InputError(
                f"cannot load {what}: {err.reason or err}",
                path=path,
                field=f"tls_server_config.{name}",
            ) from None

    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert, key = field_path("cert_file"), field_path("key_file")
    load("certificate and key", "cert_file", lambda: ctx.load_cert_chain(cert, key))
    for name, attr, default in (
        ("min_version", "minimum_version", "TLS12"),
        ("max_version", "maximum_version", None),
    ):
        value = tls.get(name, default)
        if value is None:
            continue
        if value not in _TLS_VERSIONS:
            raise InputError(
                f"must be one of {', '.join(_TLS_VERSIONS)}",
                path=path,
                field=f"tls_server_config.{name}",
            )
        setattr(ctx, attr, _TLS_VERSIONS[value])
    auth = tls.get("client_auth_type", "NoClientCert")
    if auth in _UNSUPPORTED_CLIENT_AUTH:
        raise InputError(
            f"{auth} is not supported (Python's ssl cannot accept a client "
            "certificate without verifying it); use VerifyClientCertIfGiven or "
            "RequireAndVerifyClientCert",
            path=path,
            field="tls_server_config.client_auth_type",
        )
    if auth not in _CLIENT_AUTH:
        raise InputError(
            f"must be one of {', '.join(_CLIENT_AUTH)}",
            path=path,
            field="tls_server_config.client_auth_type",
        )
    ctx.verify_mode = _CLIENT_AUTH[auth]
    if auth != "NoClientCert" or tls.get("client_ca_file"):
        cafile = field_path("client_ca_file")
        load("CA certificates", "client_ca_file", lambda: ctx.load_verify_locations(cafile))
    if tls.get("prefer_server_cipher_suites", True):
        ctx.options |= ssl.OP_CIPHER_SERVER_PREFERENCE
    return ctx


def _users(users: Mapping[str, Any], path: Path) -> dict[str, bytes]:
    if not users:
        return {}
    try:
        import bcrypt  # noqa: F401 - checked now so a missing package fails at start
    except ImportError:
        raise InputError(
            "basic_auth_users needs the bcrypt package: pip install "
            "'qobserve[exporter]' (or pip install bcrypt)",
            path=path,
            field="basic_auth_users",
        ) from None
    out = {}
    for user, hashed in users.items():
        if not isinstance(hashed, str) or not hashed.startswith(("$2a$", "$2b$", "$2y$")):
            raise InputError(
                "must be a bcrypt hash ($2a$, $2b$ or $2y$...)",
                path=path,
                field=f"basic_auth_users.{user}",
            )
        out[str(user)] = hashed.encode()
    return out
