"""The exporter's HTTP server: ``/metrics``, ``/healthz``, ``/readyz`` and a landing page.

A scrape only reads the :class:`~qobserve.exporter.payload.PayloadCache`; it never polls a
provider, so it answers in microseconds even while a backend hangs. Optional TLS and basic
auth come from a :class:`~qobserve.exporter.webconfig.WebConfig`; the TLS handshake happens
in the request's own thread with a timeout, so a slow client never blocks the others.
A client has :data:`REQUEST_TIMEOUT` seconds in all for the handshake and its request,
however it trickles the bytes, and a stop ends every read still waiting on a client.

Example::

    server = MetricsServer(("127.0.0.1", 9464), cache, ready=lambda: True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client.exposition import gzip_accepted

from qobserve.exporter.payload import PayloadCache
from qobserve.exporter.webconfig import WebConfig

log = logging.getLogger("qobserve.exporter")

#: Seconds a client may take for the TLS handshake and its request together, and for each
#: write of the response.
REQUEST_TIMEOUT = 10.0

_LANDING = """<!doctype html>
<html><head><title>qobserve exporter</title></head>
<body><h1>qobserve exporter</h1>
<p>Backend calibration, queue and usage metrics of: {providers}.</p>
<ul><li><a href="metrics">metrics</a></li><li><a href="healthz">healthz</a></li>
<li><a href="readyz">readyz</a></li></ul></body></html>
"""


class MetricsServer(ThreadingHTTPServer):
    """A threading HTTP(S) server bound to ``address`` that serves ``cache``."""

    daemon_threads = False  # server_close() waits for requests in flight: graceful stop
    block_on_close = True
    # The accept queue: at the default of 5, fifty scrapers connecting at once lose SYNs and
    # wait seconds for the retransmission.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        cache: PayloadCache,
        *,
        ready: Callable[[], bool],
        web_config: WebConfig | None = None,
        description: str = "",
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.cache = cache
        self.ready = ready
        self.web_config = web_config or WebConfig()
        self.description = description
        # a duplicate of each open connection's socket, to end its reads at stop
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        self._closing = False
        # _finish() makes each handler itself, with its deadline
        super().__init__(address, _Handler)  # type: ignore[arg-type]

    @property
    def port(self) -> int:
        """The port actually bound (useful with port 0)."""
        return int(self.server_address[1])

    def finish_request(self, request: Any, client_address: Any) -> None:
        """Runs in the request's thread: the TLS handshake happens here, not in accept."""
        deadline = time.monotonic() + REQUEST_TIMEOUT
        # A TLS handshake's timeout is its total duration, so it also ends by the deadline.
        request.settimeout(REQUEST_TIMEOUT)
        watch = self._watch(request)
        try:
            self._finish(request, client_address, deadline)
        finally:
            with self._open_lock:
                self._open.discard(watch)
            watch.close()

    def _finish(self, request: Any, client_address: Any, deadline: float) -> None:
        ctx = self.web_config.ssl_context
        if ctx is None:
            _Handler(request, client_address, self, deadline)
            return
        try:
            request = ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError) as err:
            log.debug("TLS handshake with %s failed: %s", client_address, err)
            return
        try:
            if self.web_config.peer_allowed(request.getpeercert()):
                _Handler(request, client_address, self, deadline)
            else:
                log.info("client certificate of %s has no allowed SAN", client_address)
        finally:
            request.close()  # the wrapper owns the connection now

    def _watch(self, request: socket.socket) -> socket.socket:
        """A duplicate of ``request`` kept until the request is done: a TLS wrapper takes
        over the original, a duplicate still reaches the same connection."""
        watch = request.dup()
        with self._open_lock:
            self._open.add(watch)
            if self._closing:
                _end_reads(watch)
        return watch

    def server_close(self) -> None:
        """Stop listening, end every read still waiting on a client (a complete request
        already received is still answered), then wait for the requests in flight."""
        with self._open_lock:
            self._closing = True
            for watch in self._open:
                _end_reads(watch)
        super().server_close()


def _end_reads(sock: socket.socket) -> None:
    """Make a read blocked on ``sock`` return end of file at once; writes still work."""
    with contextlib.suppress(OSError):  # the client has gone already
        sock.shutdown(socket.SHUT_RD)


class _DeadlineReader(io.RawIOBase):
    """Reads of a socket that all end by one deadline: a client sending a byte now and then
    must not restart the timeout with each one."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"no complete request within {REQUEST_TIMEOUT:g}s")
        self._sock.settimeout(left)
        return self._sock.recv_into(buffer)


class _Handler(BaseHTTPRequestHandler):
    server: MetricsServer
    server_version = "qobserve-exporter"
    # HTTP/1.0: one request per connection, so a stop never waits on an idle keep-alive.
    protocol_version = "HTTP/1.0"

    def __init__(
        self, request: Any, client_address: Any, server: MetricsServer, deadline: float
    ) -> None:
        self.deadline = deadline
        super().__init__(request, client_address, server)

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self.deadline))

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _respond(self, *, with_body: bool) -> None:
        self.connection.settimeout(REQUEST_TIMEOUT)  # for the writes: the request is read
        config = self.server.web_config
        if config.auth_required and not config.authorized(self.headers.get("Authorization")):
            self._send(
                401,
                b"Unauthorized\n",
                "text/plain; charset=utf-8",
                with_body,
                {"WWW-Authenticate": 'Basic realm="qobserve exporter"'},
            )
            return
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._metrics(with_body)
        elif path == "/healthz":
            self._send(200, b"ok\n", "text/plain; charset=utf-8", with_body)
        elif path == "/readyz":
            ready = self.server.ready()
            self._send(
                200 if ready else 503,
                b"ready\n" if ready else b"first poll running\n",
                "text/plain; charset=utf-8",
                with_body,
            )
        elif path == "/":
            page = _LANDING.format(providers=html.escape(self.server.description))
            self._send(200, page.encode(), "text/html; charset=utf-8", with_body)
        else:
            self._send(404, b"Not found\n", "text/plain; charset=utf-8", with_body)

    def _metrics(self, with_body: bool) -> None:
        gzipped = gzip_accepted(self.headers.get("Accept-Encoding", ""))
        body, content_type = self.server.cache.render(
            self.headers.get("Accept", ""), gzipped=gzipped
        )
        extra = {"Content-Encoding": "gzip"} if gzipped else {}
        self._send(200, body, content_type, with_body, extra)

    def _send(
        self,
        code: int,
        body: bytes,
        content_type: str,
        with_body: bool,
        extra: dict[str, str] | None = None,
    ) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in {**self.server.web_config.headers, **(extra or {})}.items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)
