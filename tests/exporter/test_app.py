"""serve() and the Exporter: the code path of `qobserve exporter`."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from qobserve.collectors import register_provider, unregister_provider
from qobserve.exceptions import InputError
from qobserve.exporter import serve
from qobserve.exporter.app import parse_listen

from .http_client import get
from .providers import Changing


@pytest.mark.parametrize(
    ("listen", "parsed"),
    [
        ("127.0.0.1:9464", ("127.0.0.1", 9464)),
        ("[::1]:0", ("::1", 0)),
        ("localhost:80", ("localhost", 80)),
    ],
)
def test_parse_listen(listen: str, parsed: tuple[str, int]) -> None:
    assert parse_listen(listen) == parsed


@pytest.mark.parametrize("listen", ["9464", ":9464", "host:port", "127.0.0.1:70000", ""])
def test_bad_listen_addresses(listen: str) -> None:
    with pytest.raises(InputError) as err:
        parse_listen(listen)
    assert err.value.field == "--listen"


def test_busy_port_is_an_input_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with (
            pytest.raises(InputError, match="cannot listen") as err,
            serve(f"127.0.0.1:{port}", provider=Changing([])),
        ):
            pass
    assert err.value.field == "--listen"


def test_polls_in_the_background_every_interval() -> None:
    with serve(provider=Changing(["qpu_a"]), interval=0.1) as exporter:
        deadline = time.monotonic() + 5
        while exporter.poller.polls < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert exporter.poller.polls >= 3
        assert exporter.url.startswith("http://127.0.0.1:")
        assert b"quantum_backend_up" in get(exporter.url + "/metrics").body


def test_stop_closes_the_port_and_ends_the_threads() -> None:
    with serve(provider=Changing(["qpu_a"]), interval=3600) as exporter:
        port = exporter.port
        exporter.poll_now()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
        pass
    assert not [t for t in threading.enumerate() if t.name.startswith("qobserve-exporter")]


def test_providers_by_name_with_options() -> None:
    register_provider("changing", Changing)
    try:
        with serve(
            provider="changing", interval=3600, provider_options={"changing": {"names": ["qpu_x"]}}
        ) as exporter:
            exporter.poll_now()
            assert [r.name for r in exporter.poller.backends()] == ["qpu_x"]
        with (
            pytest.raises(InputError, match="not used"),
            serve(provider="changing", provider_options={"changing": {"names": []}, "ibm": {}}),
        ):
            pass
    finally:
        unregister_provider("changing")


def test_invalid_settings_are_input_errors() -> None:
    for kwargs, field in (
        ({"interval": 0}, "--interval"),
        ({"timeout": -1}, "--timeout"),
        ({"timeouts": {"status": 0}}, "--timeout"),
        ({"concurrency": 0}, "--concurrency"),
    ):
        with pytest.raises(InputError) as err, serve(provider=Changing([]), **kwargs):
            pass
        assert err.value.field == field


def test_an_exporter_that_never_started_stops_at_once() -> None:
    from qobserve.exporter import build

    exporter = build("127.0.0.1:0", Changing([]))
    start = time.monotonic()
    exporter.stop()
    assert time.monotonic() - start < 1.0
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", exporter.port), 1):
        pass
