"""A small stdlib client for the Prometheus HTTP API (queries, rules, alerts, readiness).

Example::

    api = PrometheusAPI("http://127.0.0.1:9090")
    for series in api.query('up'):
        print(series["metric"], series["value"][1])
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from typing import Any


class PrometheusError(RuntimeError):
    """Prometheus answered with an error (bad query, unreachable server)."""


class PrometheusAPI:
    """Client for one Prometheus server's ``/api/v1`` endpoints."""

    def __init__(self, url: str, *, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def _get(self, path: str, params: dict[str, str] | None = None) -> Any:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        req = f"{self.url}{path}{query}"
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
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
        try:
            with urllib.request.urlopen(f"{self.url}/-/ready", timeout=2) as resp:
                return bool(resp.status == 200)
        except (urllib.error.URLError, OSError):
            return False
