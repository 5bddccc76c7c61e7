"""A small stdlib client for the Prometheus HTTP API (queries, rules, alerts, readiness).

Example::

    api = PrometheusAPI("http://127.0.0.1:9090")
    for series in api.query('up'):
        print(series["metric"], series["value"][1])
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from qobserve.exceptions import InputError


def check_url(url: str, field: str) -> str:
    """``url`` when it is an ``http(s)://host...`` URL; an InputError naming ``field`` otherwise.

    >>> check_url("http://127.0.0.1:9090", "--prometheus")
    'http://127.0.0.1:9090'
    """
    from qobserve.exceptions import InputError
    from qobserve.redact import redact

    try:
        parts = urllib.parse.urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:  # e.g. a bad port or IPv6 literal
        ok = False
    if not ok:
        raise InputError(
            f"{redact(url)!r} is not an http:// or https:// URL of a Prometheus server",
            field=field,
        )
    return url


class PrometheusError(RuntimeError):
    """Prometheus answered with an error (bad query, unreachable server)."""


@dataclass(frozen=True)
class PrometheusAuth:
    """How to reach a protected Prometheus (or Thanos, Mimir, Cortex) API.

    ``username``/``password`` for basic auth (a ``user:password@host`` URL sets them too);
    ``bearer_token_file`` or ``bearer_token_env`` (a variable's name) for a bearer token,
    read when the client is made and never shown; ``headers`` such as ``X-Scope-OrgID``;
    ``ca_file`` to trust a private CA; ``verify=False`` skips TLS verification.

    Example::

        PrometheusAPI("https://mimir.internal/prometheus",
                      auth=PrometheusAuth(bearer_token_env="MIMIR_TOKEN",
                                          headers={"X-Scope-OrgID": "quantum"}))
    """

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    bearer_token_file: str | None = None
    bearer_token_env: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    ca_file: str | None = None
    verify: bool = True

    def request_headers(self) -> dict[str, str]:
        """The headers of every request; InputError naming the option when a token is missing."""
        out = dict(self.headers)
        if self.username is not None:
            pair = f"{self.username}:{self.password or ''}".encode()
            out["Authorization"] = "Basic " + base64.b64encode(pair).decode()
        token = self._token()
        if token is not None:
            out["Authorization"] = f"Bearer {token}"
        return out

    def _token(self) -> str | None:
        if self.bearer_token_file:
            try:
                token = Path(self.bearer_token_file).read_text().strip()
            except OSError as err:
                raise InputError(
                    f"cannot read the bearer token: {err.strerror}", path=self.bearer_token_file
                ) from None
            if not token:
                raise InputError("the bearer token file is empty", path=self.bearer_token_file)
            return token
        if self.bearer_token_env:
            token = os.environ.get(self.bearer_token_env, "").strip()
            if not token:
                raise InputError(
                    f"environment variable {self.bearer_token_env} is not set or empty",
                    field="--bearer-token-env",
                )
            return token
        return None

    def ssl_context(self) -> ssl.SSLContext:
        """The TLS settings: the system's CAs, or ``ca_file``, or no verification."""
        if not self.verify:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return context
        try:
            return ssl.create_default_context(cafile=self.ca_file)
        except (OSError, ssl.SSLError) as err:
            raise InputError(f"cannot load the CA file: {err}", path=self.ca_file) from None


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without its ``user:password@`` part, and that user and password.

    >>> split_credentials("https://ops:pw@prom.internal:9090/")
    ('https://prom.internal:9090/', 'ops', 'pw')
    """
    parts = urllib.parse.urlsplit(url)
    if parts.username is None:
        return url, None, None
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    bare = urllib.parse.urlunsplit(parts._replace(netloc=netloc))
    user = urllib.parse.unquote(parts.username)
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    return bare, user, password


class PrometheusAPI:
    """Client for one Prometheus server's ``/api/v1`` endpoints."""

    def __init__(
        self, url: str, *, timeout: float = 30.0, auth: PrometheusAuth | None = None
    ) -> None:
        bare, user, password = split_credentials(url)
        auth = auth or PrometheusAuth()
        if user is not None and auth.username is None:
            auth = replace(auth, username=user, password=password)
        self.url = bare.rstrip("/")
        self.timeout = timeout
        self._headers = auth.request_headers()
        self._context = auth.ssl_context() if self.url.startswith("https:") else None

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        req = f"{self.url}{path}{query}"
        request = urllib.request.Request(req, headers=self._headers)
        try:
            with urllib.request.urlopen(
                request, timeout=self.timeout, context=self._context
            ) as resp:
                body = json.load(resp)
        except urllib.error.HTTPError as err:
            try:
                body = json.load(err)
            except ValueError:
                raise PrometheusError(f"{req}: HTTP {err.code}") from None
        except (urllib.error.URLError, OSError) as err:
            raise PrometheusError(f"{self.url}: {err}") from None
        if body.get("status") != "success":
            raise PrometheusError(f"{body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def query(self, expr: str, at: datetime | float | None = None) -> list[dict[str, Any]]:
        """Evaluate an instant query; returns the vector (a scalar comes back as one sample)."""
        params = {"query": expr}
        if at is not None:
            params["time"] = str(at.timestamp() if isinstance(at, datetime) else at)
        data = self._get("/api/v1/query", params)
        if data["resultType"] in ("scalar", "string"):
            return [{"metric": {}, "value": data["result"]}]
        return list(data["result"])

    def query_range(
        self, expr: str, start: datetime | float, end: datetime | float, step: str | float
    ) -> list[dict[str, Any]]:
        """Evaluate a range query; returns the matrix."""

        def ts(t: datetime | float) -> str:
            return str(t.timestamp() if isinstance(t, datetime) else t)

        data = self._get(
            "/api/v1/query_range",
            {"query": expr, "start": ts(start), "end": ts(end), "step": str(step)},
        )
        return list(data["result"])

    def scalar(self, expr: str, at: datetime | float | None = None) -> float | None:
        """The value of a query that returns at most one sample, or None when it returns none."""
        result = self.query(expr, at)
        return float(result[0]["value"][1]) if result else None

    def label_values(
        self,
        label: str,
        match: str | None = None,
        start: datetime | float | None = None,
        end: datetime | float | None = None,
    ) -> list[str]:
        """Values of ``label`` (on series matching ``match``, between ``start`` and ``end``)."""
        params = {
            k: str(v.timestamp() if isinstance(v, datetime) else v)
            for k, v in (("start", start), ("end", end))
            if v is not None
        }
        if match:
            params["match[]"] = match
        return list(self._get(f"/api/v1/label/{label}/values", params))

    def query_exemplars(
        self, expr: str, start: datetime | float, end: datetime | float
    ) -> list[dict[str, Any]]:
        """Exemplars of the series ``expr`` selects between ``start`` and ``end``."""
        params = {
            "query": expr,
            **{
                k: str(v.timestamp() if isinstance(v, datetime) else v)
                for k, v in (("start", start), ("end", end))
            },
        }
        return list(self._get("/api/v1/query_exemplars", params))

    def rules(self) -> list[dict[str, Any]]:
        """Rule groups loaded by the server."""
        return list(self._get("/api/v1/rules")["groups"])

    def alerts(self) -> list[dict[str, Any]]:
        """Alerts currently pending or firing."""
        return list(self._get("/api/v1/alerts")["alerts"])

    def targets(self) -> list[dict[str, Any]]:
        """Active scrape targets."""
        return list(self._get("/api/v1/targets")["activeTargets"])

    def flags(self) -> dict[str, str]:
        """The server's command-line flags (``/api/v1/status/flags``)."""
        return {str(k): str(v) for k, v in self._get("/api/v1/status/flags").items()}

    def ready(self) -> bool:
        """True when the server answers ``/-/ready``."""
        request = urllib.request.Request(f"{self.url}/-/ready", headers=self._headers)
        try:
            with urllib.request.urlopen(request, timeout=2, context=self._context) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False
