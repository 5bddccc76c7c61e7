"""Start Prometheus, Alertmanager and the Pushgateway on 127.0.0.1 (tests and ``demo --live``).

Uses the binaries of Debian's ``prometheus``, ``prometheus-alertmanager`` and
``prometheus-pushgateway`` packages (or the upstream names on PATH). Every server listens on a
free loopback port, keeps its data in a temporary folder and is stopped when the context ends.

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
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

BINARIES: dict[str, tuple[str, ...]] = {
    "prometheus": ("prometheus",),
    "promtool": ("promtool",),
    "alertmanager": ("prometheus-alertmanager", "alertmanager"),
    "amtool": ("amtool",),
    "pushgateway": ("prometheus-pushgateway", "pushgateway"),
    # not a server: the report's PDF renderer (Debian's chromium package)
    "chromium": ("chromium", "chromium-browser", "google-chrome"),
}


class ServerNotInstalled(RuntimeError):
    """The server's binary is not on PATH."""


def find_binary(kind: str) -> str | None:
    """Path of the binary for ``kind`` (a key of :data:`BINARIES`), or None."""
    for name in BINARIES[kind]:
        path = shutil.which(name)
        if path:
            return path
    return None


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
) -> Iterator[Server]:
    """Run the ``kind`` binary with ``args`` (``{port}`` and ``{dir}`` are substituted)."""
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
        server = Server(kind, f"http://127.0.0.1:{port}", workdir, proc)
        try:
            _wait_ready(server, ready_path, timeout)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def _wait_ready(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(
                f"{server.kind} exited with {server.process.returncode}:\n{server.log[-3000:]}"
            )
        try:
            with urllib.request.urlopen(server.url + path, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.kind} not ready after {timeout}s:\n{server.log[-3000:]}")


def start_prometheus(
    config: str, *, rule_files: dict[str, str] | None = None, extra_args: Sequence[str] = ()
) -> contextlib.AbstractContextManager[Server]:
    """Prometheus with ``config`` (YAML text) and ``rule_files`` (name -> YAML text) in its
    working folder; ``{dir}`` in the config is replaced by that folder."""
    workdir = Path(tempfile.mkdtemp(prefix="qo-prometheus-"))
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
    return _cleanup_after(start_server("prometheus", args, workdir=workdir), workdir)


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


@contextlib.contextmanager
def _cleanup_after(
    cm: contextlib.AbstractContextManager[Server], workdir: Path
) -> Iterator[Server]:
    try:
        with cm as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


class WebhookReceiver:
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

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

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
    *args: str, cwd: str | os.PathLike[str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run promtool with ``args``; the caller checks ``returncode`` and output."""
    binary = find_binary("promtool")
    if binary is None:
        raise ServerNotInstalled("promtool is not installed (Debian package prometheus)")
    return subprocess.run(
        [binary, *args], capture_output=True, text=True, cwd=cwd, timeout=timeout, check=False
    )
