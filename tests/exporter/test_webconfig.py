"""TLS, client certificates and basic auth from an exporter-toolkit web config file."""

from __future__ import annotations

import base64
import ssl
import sys
import urllib.error
from pathlib import Path

import pytest

from qobserve.exceptions import InputError
from qobserve.exporter import serve
from qobserve.exporter.webconfig import load_web_config

from .conftest import require_bcrypt
from .http_client import get
from .providers import Changing


def _auth(user: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def _client(certs: Path, *, with_cert: bool = False) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    if with_cert:
        ctx.load_cert_chain(str(certs / "client.crt"), str(certs / "client.key"))
    return ctx


def _write(folder: Path, text: str) -> Path:
    path = folder / "web.yml"
    path.write_text(text)
    return path


def test_tls_with_relative_certificate_paths(certs: Path) -> None:
    config = _write(
        certs,
        "tls_server_config:\n  cert_file: server.crt\n"
        "  key_file: server.key\n"
        "http_server_config:\n  headers:\n"
        "    Strict-Transport-Security: max-age=31536000\n",
    )
    with serve(provider=Changing(["qpu_a"]), interval=3600, web_config=str(config)) as exporter:
        exporter.poll_now()
        assert exporter.url.startswith("https://127.0.0.1:")
        resp = get(exporter.url + "/metrics", context=_client(certs))
        assert resp.status == 200 and b"quantum_backend_up" in resp.body
        assert resp.headers["Strict-Transport-Security"] == "max-age=31536000"
        with pytest.raises(urllib.error.URLError):
            get(exporter.url + "/metrics", context=ssl.create_default_context())
        plain = exporter.url.replace("https://", "http://")
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            get(plain + "/metrics", timeout=3)
        # The server still serves after bad handshakes.
        assert get(exporter.url + "/healthz", context=_client(certs)).status == 200


def _mutual_tls(certs: Path, allowed_san: str) -> Path:
    return _write(
        certs,
        "tls_server_config:\n  cert_file: server.crt\n"
        "  key_file: server.key\n"
        "  client_auth_type: RequireAndVerifyClientCert\n"
        "  client_ca_file: ca.crt\n"
        f"  client_allowed_sans: [{allowed_san}]\n",
    )


def test_client_certificates_are_required_and_checked(certs: Path) -> None:
    config = _mutual_tls(certs, "prometheus.test")
    with serve(provider=Changing([]), interval=3600, web_config=str(config)) as exporter:
        ok = get(exporter.url + "/healthz", context=_client(certs, with_cert=True))
        assert ok.status == 200
        with pytest.raises((urllib.error.URLError, ConnectionError, ssl.SSLError)):
            get(exporter.url + "/healthz", context=_client(certs))


def test_client_certificate_without_an_allowed_name_is_refused(certs: Path) -> None:
    config = _mutual_tls(certs, "grafana.test")
    with (
        serve(provider=Changing([]), interval=3600, web_config=str(config)) as exporter,
        pytest.raises((urllib.error.URLError, ConnectionError, ssl.SSLError)),
    ):
        get(exporter.url + "/healthz", context=_client(certs, with_cert=True))


def test_basic_auth_with_bcrypt_hashes(tmp_path: Path) -> None:
    require_bcrypt()
    import bcrypt

    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(4)).decode()
    config = _write(tmp_path, f"basic_auth_users:\n  prometheus: '{hashed}'\n")
    with serve(provider=Changing([]), interval=3600, web_config=str(config)) as exporter:
        url = exporter.url + "/metrics"
        denied = get(url)
        assert denied.status == 401
        assert denied.headers["WWW-Authenticate"].startswith("Basic ")
        assert get(url, headers=_auth("prometheus", "wrong")).status == 401
        assert get(url, headers=_auth("nobody", "s3cret")).status == 401
        assert get(url, headers={"Authorization": "Basic !!notbase64"}).status == 401
        assert get(url, headers=_auth("prometheus", "s3cret")).status == 200
        assert get(exporter.url + "/healthz", headers=_auth("prometheus", "s3cret")).status == 200


def test_a_password_longer_than_bcrypt_takes_is_a_401(tmp_path: Path) -> None:
    require_bcrypt()
    import bcrypt

    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(4)).decode()
    config = _write(tmp_path, f"basic_auth_users:\n  prometheus: '{hashed}'\n")
    with serve(provider=Changing([]), interval=3600, web_config=str(config)) as exporter:
        url = exporter.url + "/metrics"
        # bcrypt raises for passwords over 72 bytes: an answer, not a dropped connection
        assert get(url, headers=_auth("prometheus", "x" * 100)).status == 401
        assert get(url, headers=_auth("nobody", "é" * 40)).status == 401
        assert get(url, headers=_auth("prometheus", "s3cret")).status == 200


def test_a_verified_password_is_not_hashed_again(tmp_path: Path) -> None:
    require_bcrypt()
    import bcrypt

    hashed = bcrypt.hashpw(b"s3cret", bcrypt.gensalt(4)).decode()
    config = load_web_config(_write(tmp_path, f"basic_auth_users:\n  p: '{hashed}'\n"))
    header = _auth("p", "s3cret")["Authorization"]
    assert config.authorized(header)
    assert len(config._verified) == 1
    assert config.authorized(header)
    assert not config.authorized(_auth("p", "other")["Authorization"])
    assert len(config._verified) == 1


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("nope: 1\n", "nope"),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  ciphers: x\n",
            "tls_server_config.ciphers",
        ),
        (
            "tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n",
            "tls_server_config.cert_file",
        ),
        ("tls_server_config:\n  key_file: server.key\n", "tls_server_config.cert_file"),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
            "  cipher_suites: [TLS_AES_128_GCM_SHA256]\n",
            "tls_server_config.cipher_suites",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
            "  client_auth_type: RequireAnyClientCert\n",
            "tls_server_config.client_auth_type",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
            "  client_auth_type: RequireAndVerifyClientCert\n",
            "tls_server_config.client_ca_file",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
            "  min_version: SSL3\n",
            "tls_server_config.min_version",
        ),
        (
            "tls_server_config:\n  cert_file: server.key\n  key_file: server.key\n",
            "tls_server_config.cert_file",
        ),
        (
            "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n"
            "  client_allowed_sans: prometheus.test\n",
            "tls_server_config.client_allowed_sans",
        ),
        (
            'http_server_config:\n  headers:\n    X-Evil: "a\\r\\nSet-Cookie: x"\n',
            "http_server_config.headers.X-Evil",
        ),
        ("http_server_config:\n  http3: true\n", "http_server_config.http3"),
        ("basic_auth_users:\n  alice: plaintext\n", "basic_auth_users.alice"),
        ("basic_auth_users: [alice]\n", "basic_auth_users"),
    ],
)
def test_mistakes_name_the_field(certs: Path, text: str, field: str) -> None:
    if "basic_auth_users:\n  alice" in text:
        require_bcrypt()
    path = _write(certs, text)
    with pytest.raises(InputError) as err:
        load_web_config(path)
    assert err.value.field == field
    assert err.value.path == str(path)


def test_not_yaml_or_not_a_mapping(tmp_path: Path) -> None:
    for text in ("a: [unclosed\n", "- just\n- a list\n"):
        with pytest.raises(InputError) as err:
            load_web_config(_write(tmp_path, text))
        assert err.value.path == str(tmp_path / "web.yml")


def test_empty_config_means_plain_http_without_auth(tmp_path: Path) -> None:
    config = load_web_config(_write(tmp_path, ""))
    assert config.ssl_context is None and not config.auth_required
    assert config.authorized(None)


def test_basic_auth_without_bcrypt_installed_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "bcrypt", None)  # what an absent package looks like
    path = _write(tmp_path, "basic_auth_users:\n  p: $2b$04$abcdefghijklmnopqrstuv\n")
    with pytest.raises(InputError, match=r"qobserve\[exporter\]") as err:
        load_web_config(path)
    assert err.value.field == "basic_auth_users"
