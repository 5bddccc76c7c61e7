"""``qobserve report --source prometheus`` reaches a protected Prometheus: TLS and basic auth
of its own ``--web.config.file``, and a bearer token and ``X-Scope-OrgID`` through a loopback
gateway in front of it (the way Mimir or an auth proxy asks for them)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from qobserve.promapi import PrometheusAuth
from qobserve.servers import LoopbackHTTP, Server, start_prometheus
from tests.conftest import CATALOG, require_binary
from tests.exporter.conftest import require_bcrypt

pytestmark = pytest.mark.servers

PASSWORD = "correct-horse-battery"
TOKEN = "tok-9f8e7d6c5b4a39281706"
CONFIG = "global: {scrape_interval: 15s}\n"


@pytest.fixture(scope="module")
def protected(certs: Path) -> Iterator[Server]:
    """A real Prometheus serving https (our CA) with basic auth for ``ops``."""
    require_binary("prometheus")
    require_bcrypt()
    import bcrypt

    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    web = (
        f"tls_server_config: {{cert_file: {certs}/server.crt, key_file: {certs}/server.key}}\n"
        f"basic_auth_users: {{ops: '{hashed}'}}\n"
    )
    auth = PrometheusAuth("ops", PASSWORD, ca_file=str(certs / "ca.crt"))
    with start_prometheus(CONFIG, web_config=web, ready_auth=auth) as prom:
        yield prom


def report(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-m", "qobserve", "report", "--week", "2026-W47",
           "--slo-dir", str(CATALOG), "--slo", "job-success-qpu", "--format", "md",
           *args]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=env)


def test_tls_and_basic_auth_from_the_url_or_a_password_file(
    protected: Server,
    certs: Path,
    tmp_path: Path,
) -> None:
    host = protected.url.removeprefix("https://")
    ca = ["--ca-file", str(certs / "ca.crt")]
    ok = report("--source", "prometheus", f"https://ops:{PASSWORD}@{host}", *ca,
                "--out", str(tmp_path / "a"))  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    text = next((tmp_path / "a").glob("*.md")).read_text()
    assert f"Prometheus https://ops:[REDACTED]@{host}" in text and PASSWORD not in text
    pw = tmp_path / "pw"
    pw.write_text(PASSWORD + "\n")
    ok = report("--source", "prometheus", protected.url, *ca, "--prometheus-user", "ops",
                "--prometheus-password-file", str(pw), "--out", str(tmp_path / "b"))  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    # the refusals: a wrong password, an untrusted certificate; clear, exit 2, no secret
    bad = report("--source", "prometheus", f"https://ops:wrong-password-1@{host}", *ca,
                 "--out", str(tmp_path / "c"))  # fmt: skip
    assert bad.returncode == 2 and "401" in bad.stderr, bad.stderr
    assert "wrong-password-1" not in bad.stderr + bad.stdout and "Traceback" not in bad.stderr
    untrusted = report("--source", "prometheus", f"https://ops:{PASSWORD}@{host}",
                       "--out", str(tmp_path / "d"))  # fmt: skip
    assert untrusted.returncode == 2 and "CERTIFICATE_VERIFY_FAILED" in untrusted.stderr
    assert PASSWORD not in untrusted.stderr
    skip = report("--source", "prometheus", f"https://ops:{PASSWORD}@{host}",
                  "--insecure-skip-verify", "--out", str(tmp_path / "e"))  # fmt: skip
    assert skip.returncode == 0, skip.stderr


class Gateway(LoopbackHTTP):
    """A loopback gateway that forwards to Prometheus only requests with the bearer token and
    a tenant header, as Mimir behind an auth proxy would; it remembers the tenants seen."""

    def __init__(self, upstream: str, context: Any, basic: str) -> None:
        self.tenants: list[str] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self.send_response(401)
                    self.end_headers()
                    return
                gateway.tenants.append(self.headers.get("X-Scope-OrgID", ""))
                request = urllib.request.Request(
                    upstream + self.path, headers={"Authorization": basic}
                )
                with urllib.request.urlopen(request, timeout=30, context=context) as resp:
                    body = resp.read()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)


def test_bearer_token_from_file_or_env_and_tenant_header(
    protected: Server,
    certs: Path,
    tmp_path: Path,
) -> None:
    auth = PrometheusAuth("ops", PASSWORD, ca_file=str(certs / "ca.crt"))
    gateway = Gateway(protected.url, auth.ssl_context(), auth.request_headers()["Authorization"])
    try:
        token_file = tmp_path / "token"
        token_file.write_text(TOKEN + "\n")
        tenant = ["--header", "X-Scope-OrgID: quantum-team"]
        ok = report("--source", "prometheus", gateway.url, "--bearer-token-file",
                    str(token_file), *tenant, "--out", str(tmp_path / "a"))  # fmt: skip
        assert ok.returncode == 0, ok.stderr
        assert gateway.tenants and set(gateway.tenants) == {"quantum-team"}
        env = {**__import__("os").environ, "MIMIR_TOKEN": TOKEN}
        ok = report("--source", "prometheus", gateway.url, "--bearer-token-env", "MIMIR_TOKEN",
                    *tenant, "--out", str(tmp_path / "b"), env=env)  # fmt: skip
        assert ok.returncode == 0, ok.stderr
        for path in (tmp_path / "a").glob("*"):
            assert TOKEN not in path.read_text()
        missing = report("--source", "prometheus", gateway.url, "--bearer-token-env",
                         "NOT_SET_ANYWHERE", "--out", str(tmp_path / "c"))  # fmt: skip
        assert missing.returncode == 2
        assert "--bearer-token-env: environment variable NOT_SET_ANYWHERE" in missing.stderr
        refused = report("--source", "prometheus", gateway.url, "--out", str(tmp_path / "d"))
        assert refused.returncode == 2 and "401" in refused.stderr
    finally:
        gateway.close()
