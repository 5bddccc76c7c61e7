"""Start Prometheus, Alertmanager, the Pushgateway and PostgreSQL on 127.0.0.1 (tests and
``demo --live``).

Uses the binaries of Debian's ``prometheus``, ``prometheus-alertmanager``,
``prometheus-pushgateway`` and ``postgresql`` packages (or the upstream names on PATH). Every
server listens on a free loopback port, keeps its data in a temporary folder and is stopped
when the context ends.

Example::

    with start_prometheus(config_yaml) as prom:
        PrometheusAPI(prom.url).query("up")
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

from qobserve.promapi import PrometheusAuth

BINARIES: dict[str, tuple[str, ...]] = {
    "prometheus": ("prometheus",),
    "promtool": ("promtool",),
    "alertmanager": ("prometheus-alertmanager", "alertmanager"),
    "amtool": ("amtool",),
    "pushgateway": ("prometheus-pushgateway", "pushgateway"),
    "postgresql": ("initdb",),
    # not a server: the report's PDF renderer (Debian's chromium package)
    "chromium": ("chromium", "chromium-browser", "google-chrome"),
}
#: where Debian installs PostgreSQL's server binaries (not on PATH), newest version last
_POSTGRES_DIRS = "/usr/lib/postgresql/*/bin"


class ServerNotInstalled(RuntimeError):
    """The server's binary is not on PATH."""


def find_binary(kind: str) -> str | None:
    """Path of the binary for ``kind`` (a key of :data:`BINARIES`), or None."""
    for name in BINARIES[kind]:
        path = shutil.which(name)
        if path:
            return path
    if kind == "postgresql":
        found = sorted(Path("/").glob(_POSTGRES_DIRS.lstrip("/") + "/initdb"), key=_version)
        return str(found[-1]) if found else None
    return None


def _version(initdb: Path) -> int:
    name = initdb.parent.parent.name
    return int(name) if name.isdigit() else 0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running server: its kind, URL, working folder and process."""

    kind: str
    url: str
    workdir: Path
    process: subprocess.Popen[bytes]

    @property
    def log(self) -> str:
        """What the server wrote to stdout and stderr so far."""
        return (self.workdir / "server.log").read_text(errors="replace")


@contextlib.contextmanager
def start_server(
    kind: str,
    args: Sequence[str],
    *,
    port: int | None = None,
    ready_path: str = "/-/ready",
    timeout: float = 30.0,
    workdir: Path | None = None,
    scheme: str = "http",
    ready_request: Callable[[str], urllib.request.Request] = urllib.request.Request,
    context: ssl.SSLContext | None = None,
) -> Iterator[Server]:
    """Run the ``kind`` binary with ``args`` (``{port}`` and ``{dir}`` are substituted);
    ``scheme``, ``ready_request`` (URL -> request, e.g. with credentials) and ``context`` (TLS)
    say how to ask whether it is ready."""
    binary = find_binary(kind)
    if binary is None:
        names = " or ".join(BINARIES[kind])
        raise ServerNotInstalled(
            f"{names} is not installed (Debian: apt-get install "
            f"prometheus prometheus-alertmanager prometheus-pushgateway)"
        )
    port = port or free_port()
    with contextlib.ExitStack() as stack:
        if workdir is None:
            workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"qo-{kind}-")))
        argv = [binary, *(a.format(port=port, dir=workdir) for a in args)]
        log = open(workdir / "server.log", "wb")  # noqa: SIM115 - closed by the ExitStack
        stack.callback(log.close)
        proc = subprocess.Popen(
            argv, stdout=log, stderr=subprocess.STDOUT, cwd=workdir, start_new_session=True
        )
        server = Server(kind, f"{scheme}://127.0.0.1:{port}", workdir, proc)
        try:
            _wait_ready(server, ready_request(server.url + ready_path), timeout, context)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def _wait_ready(
    server: Server, request: urllib.request.Request, timeout: float, context: ssl.SSLContext | None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.kind} exited with {server.process.returncode}:\n{server.log[-3000:]}"
            )
        try:
            with urllib.request.urlopen(request, timeout=1, context=context) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.kind} not ready after {timeout}s:\n{server.log[-3000:]}")


def start_prometheus(
    config: str,
    *,
    rule_files: dict[str, str] | None = None,
    extra_args: Sequence[str] = (),
    web_config: str | None = None,
    ready_auth: PrometheusAuth | None = None,
) -> contextlib.AbstractContextManager[Server]:
    """Prometheus with ``config`` (YAML text) and ``rule_files`` (name -> YAML text) in its
    working folder; ``{dir}`` in the config is replaced by that folder. ``web_config`` is a
    ``--web.config.file`` (TLS, basic auth; served over https when it has ``tls_server_config``)
    and ``ready_auth`` how to pass it when checking readiness."""
    workdir = Path(tempfile.mkdtemp(prefix="qo-prometheus-"))
    scheme = "http"
    if web_config is not None:
        (workdir / "web.yml").write_text(web_config.replace("{dir}", str(workdir)))
        extra_args = [*extra_args, "--web.config.file={dir}/web.yml"]
        scheme = "https" if "tls_server_config" in web_config else "http"
    auth = ready_auth or PrometheusAuth()
    for name, text in (rule_files or {}).items():
        (workdir / name).write_text(text)
    (workdir / "prometheus.yml").write_text(config.replace("{dir}", str(workdir)))
    args = [
        "--config.file={dir}/prometheus.yml",
        "--storage.tsdb.path={dir}/data",
        "--web.listen-address=127.0.0.1:{port}",
        "--web.enable-lifecycle",
        "--web.enable-admin-api",
        *extra_args,
    ]
    server = start_server(
        "prometheus",
        args,
        workdir=workdir,
        scheme=scheme,
        ready_request=lambda url: urllib.request.Request(url, headers=auth.request_headers()),
        context=auth.ssl_context() if scheme == "https" else None,
    )
    return _cleanup_after(server, workdir)


def start_alertmanager(config: str) -> contextlib.AbstractContextManager[Server]:
    """Alertmanager with ``config`` (YAML text), clustering off."""
    workdir = Path(tempfile.mkdtemp(prefix="qo-alertmanager-"))
    (workdir / "alertmanager.yml").write_text(config)
    args = [
        "--config.file={dir}/alertmanager.yml",
        "--storage.path={dir}/data",
        "--web.listen-address=127.0.0.1:{port}",
        "--cluster.listen-address=",
    ]
    return _cleanup_after(start_server("alertmanager", args, workdir=workdir), workdir)


def start_pushgateway() -> contextlib.AbstractContextManager[Server]:
    """A Pushgateway that keeps its metrics in memory only."""
    # Debian's build persists to /var/lib/prometheus by default, shared by every instance
    return start_server(
        "pushgateway", ["--web.listen-address=127.0.0.1:{port}", "--persistence.file="]
    )


@dataclass
class Database:
    """A running PostgreSQL server: its connection URL and data folder."""

    url: str
    workdir: Path

    @property
    def log(self) -> str:
        """What the server wrote to its log so far."""
        return (self.workdir / "server.log").read_text(errors="replace")


@contextlib.contextmanager
def start_postgresql(timeout: float = 60.0) -> Iterator[Database]:
    """A throwaway PostgreSQL cluster (``initdb`` + ``pg_ctl``) on a free loopback port.

    Runs as the ``postgres`` user when started by root (the server refuses root); trust
    authentication for the ``qobserve`` superuser, reachable only on 127.0.0.1. Stopped and
    deleted when the context ends.
    """
    initdb = find_binary("postgresql")
    if initdb is None:
        raise ServerNotInstalled("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    bindir = Path(initdb).parent
    user = _unprivileged_user()
    port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="qo-postgresql-"))
    data = workdir / "data"
    if user is not None:
        shutil.chown(workdir, user)

    def run(*argv: str) -> None:
        subprocess.run(
            argv, check=True, capture_output=True, timeout=timeout, cwd=workdir, user=user
        )

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "qobserve", "--auth=trust", "-E",
            "UTF8", "--no-sync")  # fmt: skip
        options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-l", str(workdir / "server.log"),
            "-o", options, "-w", "-t", str(int(timeout)), "start")  # fmt: skip
        try:
            yield Database(f"postgresql://qobserve@127.0.0.1:{port}/postgres", workdir)
        finally:
            run(str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    except subprocess.CalledProcessError as err:
        log = workdir / "server.log"
        detail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        raise RuntimeError(f"PostgreSQL failed: {err.stderr!r}\n{detail}") from None
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _unprivileged_user() -> str | None:
    """The user to run PostgreSQL as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    import pwd

    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise ServerNotInstalled("running as root and no postgres or nobody user to run PostgreSQL")


@contextlib.contextmanager
def _cleanup_after(
    cm: contextlib.AbstractContextManager[Server], workdir: Path
) -> Iterator[Server]:
    try:
        with cm as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class LoopbackHTTP:
    """An HTTP server on 127.0.0.1 (a free port) answering with ``handler`` in a daemon
    thread from construction until :meth:`close` or the end of its ``with`` block.

    Example::

        with LoopbackHTTP(Handler) as server:
            urllib.request.urlopen(f"{server.url}/path")
    """

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Stop serving and release the port."""
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class WebhookReceiver(LoopbackHTTP):
    """An Alertmanager webhook receiver on 127.0.0.1 that keeps every notification.

    Example::

        with WebhookReceiver() as hook:       # point a receiver at f"{hook.url}/page"
            page = hook.wait_for("page", timeout=60)
    """

    def __init__(self) -> None:
        #: (request path, notification body) in arrival order
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                receiver.received.append((self.path, body))
                receiver.arrived.set()
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        super().__init__(Handler)

    def alerts(self) -> list[dict[str, Any]]:
        """Every alert of every notification, with the path it was sent to as ``route``."""
        return [
            {"route": path, **alert}
            for path, body in self.received
            for alert in body.get("alerts", [])
        ]

    def wait_for(self, severity: str, timeout: float) -> dict[str, Any] | None:
        """The first firing alert with ``severity``, waiting at most ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            for alert in self.alerts():
                labels = alert.get("labels", {})
                if labels.get("severity") == severity and alert.get("status") == "firing":
                    return alert
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.arrived.wait(min(left, 1.0))
            self.arrived.clear()


def promtool(
    *args: str,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 120,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run promtool with ``args`` (and ``stdin`` as its input, e.g. for ``check metrics``);
    the caller checks ``returncode`` and output."""
    binary = find_binary("promtool")
    if binary is None:
        raise ServerNotInstalled("promtool is not installed (Debian package prometheus)")
    return subprocess.run(
        [binary, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
