"""The exporter serves what it can: hostile provider values, slow clients, many scrapers.

Every test runs a real exporter (in this process, or the ``qobserve exporter`` command) and
talks to it over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import ssl
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from qobserve.exporter import build, serve, server
from tests.exporter.conftest import exporter_process
from tests.exporter.http_client import get
from tests.exporter.providers import Changing, Hostile, NotAList, Unprintable

OPENMETRICS = "application/openmetrics-text; version=1.0.0"

Series = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _scrape(url: str) -> Series:
    response = get(url + "/metrics")
    assert response.status == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.body.decode())
        for s in family.samples
    }


def _value(series: Series, name: str, **labels: str) -> float | None:
    return series.get((name, frozenset(labels.items())))


def _errors(series: Series, collector: str, backend: str) -> float:
    found = _value(series, "qobserve_collector_errors_total", collector=collector, backend=backend)
    return found or 0.0


def test_bad_provider_values_are_dropped_and_counted_and_the_rest_is_served() -> None:
    providers = [Changing(["qpu_a"]), Hostile(), NotAList(), Unprintable()]
    with serve(provider=providers, interval=3600) as exporter:
        exporter.poll_now()
        first = _scrape(exporter.url)
        assert get(exporter.url + "/metrics", headers={"Accept": OPENMETRICS}).status == 200
        exporter.poll_now()
        second = _scrape(exporter.url)

    # the healthy provider is served in full
    assert _value(first, "quantum_backend_up", backend="qpu_a") == 1.0
    assert _value(first, "quantum_backend_t1_seconds", backend="qpu_a", stat="p50")
    assert (
        _value(first, "quantum_usage_consumed_seconds", account_instance="crn:test-instance")
        == 1234
    )
    # ...and so is every valid value of the hostile one
    assert _value(first, "quantum_backend_up", backend="hostile_none") == 1.0
    assert _value(first, "quantum_backend_pending_jobs", backend="hostile_ok") == 4.0
    assert _value(first, "quantum_backend_qubits", backend="hostile_ok") == 2.0
    assert _value(first, "quantum_backend_t2_seconds", backend="hostile_ok", stat="p90")
    assert _value(first, "quantum_backend_gate_error_ratio", backend="hostile_ok", gate="cz",
                  stat="p50") == 0.003  # fmt: skip
    assert _value(first, "quantum_usage_limit_seconds", account_instance="crn:hostile") == 10.0

    # (the exporter's own process and python_info metrics carry numbers like "7" too)
    ours = [(name, pairs) for name, pairs in first if name.startswith(("quantum_", "qobserve_"))]
    labels = {value for _, pairs in ours for _, value in pairs}
    assert "12345" not in labels and "7" not in labels and "None" not in labels
    assert _value(first, "quantum_backend_pending_jobs", backend="hostile_none") is None
    assert _value(first, "quantum_backend_t1_seconds", backend="hostile_ok", stat="p50") is None

    # each dropped value is an error of its collector, and again at every poll
    delta = {
        ("discovery", "hostile"): 1,  # the backend named 12345
        ("info", "hostile_none"): 1,  # processor_type=None
        ("status", "hostile_none"): 1,  # an infinite queue
        ("calibration", "hostile_ok"): 6,  # T1 with a text value, gate 7: 3 stats each
        ("usage", "hostile"): 1,  # instance=None
    }
    for (collector, backend), dropped in delta.items():
        assert _errors(first, collector, backend) >= dropped
        assert _errors(second, collector, backend) - _errors(first, collector, backend) == dropped
        # the call itself went fine: the collector is up
        assert _value(second, "qobserve_collector_up", collector=collector, backend=backend) == 1
    assert _errors(second, "status", "hostile_ok") == 0

    # backends() returning 42: that provider's discovery is down, nobody else's
    assert _value(second, "qobserve_collector_up", collector="discovery", backend="notalist") == 0
    assert _errors(second, "discovery", "notalist") >= 1
    assert _value(second, "qobserve_collector_up", collector="discovery", backend="changing") == 1
    # an error that cannot even be printed is a failed call, not a failed poll
    assert (
        _value(second, "qobserve_collector_up", collector="status", backend="unprintable_qpu") == 0
    )


def _trickle(sock: socket.socket, stop: threading.Event, every: float) -> None:
    """A slow-loris client: the start of a request, then one byte every ``every`` seconds,
    never the end of it."""
    with contextlib.suppress(OSError):  # the server hung up: what a stop should do
        sock.sendall(b"GET /metrics")
        while not stop.wait(every):
            sock.sendall(b"a")


def test_sigterm_stops_the_exporter_with_slow_clients_connected(tmp_path: Path) -> None:
    args = ["--backends", "fake_manila", "--interval", "1h"]
    stop = threading.Event()
    with exporter_process(tmp_path, args) as exporter:
        port = int(exporter.url.rsplit(":", 1)[1])
        clients = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(5)]
        threads = [threading.Thread(target=_trickle, args=(c, stop, 2.0)) for c in clients]
        try:
            for thread in threads:
                thread.start()
            assert get(exporter.url + "/healthz").status == 200  # all five are being served
            exporter.proc.send_signal(signal.SIGTERM)
            # Clients that keep sending must not keep it alive: before, it waited for them.
            assert exporter.proc.wait(timeout=30) == 0
        finally:
            stop.set()
            for thread in threads:
                thread.join(10)
            for client in clients:
                client.close()
    text = exporter.log.read_text()
    assert "exporter stopped" in text and "Traceback" not in text


def test_a_client_trickling_its_request_is_cut_off_at_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(server, "REQUEST_TIMEOUT", 1.0)
    with serve(provider=Changing(["qpu_a"]), interval=3600) as exporter:
        with socket.create_connection(("127.0.0.1", exporter.port), timeout=10) as client:
            client.sendall(b"GET /metrics")
            client.settimeout(0.25)  # a byte every 0.25 s: each would restart a read timeout
            closed = False
            for _ in range(80):  # 20 s of trickling at most
                try:
                    client.sendall(b"a")
                    closed = client.recv(1024) == b""
                except TimeoutError:
                    continue
                except OSError:  # reset by the server
                    closed = True
                if closed:
                    break
            assert closed, "the server still waits for the request"
        # the others are still served
        assert get(exporter.url + "/metrics").status == 200


def _scrape_on(client: socket.socket) -> str:
    """The status line of a GET /metrics on an open connection."""
    with client:
        client.sendall(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    return answer.split(b"\r\n", 1)[0].decode()


def test_fifty_concurrent_scrapers_all_get_an_answer(tmp_path: Path) -> None:
    scrapers = 50
    with exporter_process(tmp_path, ["--backends", "fake_manila", "--interval", "1h"]) as exporter:
        address = ("127.0.0.1", int(exporter.url.rsplit(":", 1)[1]))
        # All connect while the exporter cannot accept (paused, as on a starved host): the
        # kernel queues connections up to the listen backlog; past it, a connection waits
        # for a retransmission that cannot succeed either while the process is paused.
        exporter.proc.send_signal(signal.SIGSTOP)
        try:
            with ThreadPoolExecutor(scrapers) as pool:
                connecting = [
                    pool.submit(socket.create_connection, address, 10) for _ in range(scrapers)
                ]
                clients, errors = [], []
                for future in connecting:
                    try:
                        clients.append(future.result())
                    except OSError as err:
                        errors.append(repr(err))
        finally:
            exporter.proc.send_signal(signal.SIGCONT)
        try:
            assert not errors, f"{len(errors)} of {scrapers} could not connect: {errors[0]}"
            with ThreadPoolExecutor(scrapers) as pool:
                answers = list(pool.map(_scrape_on, clients))
        finally:
            for client in clients:
                client.close()
    assert answers == ["HTTP/1.0 200 OK"] * scrapers


def test_a_stop_does_not_wait_for_tls_clients_that_never_finish(
    certs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server, "REQUEST_TIMEOUT", 120.0)  # only a stop can end these clients
    config = certs / "web-stop.yml"
    config.write_text("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n")
    exporter = build("127.0.0.1:0", Changing(["qpu_a"]), interval=3600, web_config=str(config))
    exporter.start()
    address = ("127.0.0.1", exporter.port)
    context = ssl.create_default_context(cafile=str(certs / "ca.crt"))
    with (
        socket.create_connection(address, timeout=10),  # never starts its handshake
        context.wrap_socket(
            socket.create_connection(address, timeout=10), server_hostname="127.0.0.1"
        ) as partial,
    ):
        partial.sendall(b"GET /metr")  # handshake done, the request never finished
        assert get(exporter.url + "/healthz", context=context).status == 200
        stopping = threading.Thread(target=exporter.stop)
        stopping.start()
        stopping.join(timeout=60)
        assert not stopping.is_alive(), "the stop waits for the clients"
