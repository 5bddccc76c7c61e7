"""The exporter process: providers, poller, payload cache and HTTP server wired together.

:func:`serve` is what ``qobserve exporter`` runs and what tests and the demo use, so both go
through the same code. The first poll starts in the background as soon as the server
listens; ``/readyz`` answers 200 once it has finished.

Example::

    with serve("127.0.0.1:0", provider="fake", backends=["fake_kyiv"]) as exporter:
        exporter.poll_now()
        urllib.request.urlopen(exporter.url + "/metrics").read()
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from qobserve.budgets.model import Budgets
from qobserve.collectors import CollectOptions, Provider, create_provider
from qobserve.exceptions import InputError
from qobserve.exporter.events import StoreCounts
from qobserve.exporter.payload import PayloadCache
from qobserve.exporter.poller import Poller, PollReport
from qobserve.exporter.server import MetricsServer
from qobserve.exporter.webconfig import WebConfig, load_web_config

log = logging.getLogger("qobserve.exporter")

DEFAULT_LISTEN = "127.0.0.1:9464"


def parse_listen(listen: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:9464`` for IPv6) as (host, port); an InputError otherwise.

    >>> parse_listen("127.0.0.1:9464")
    ('127.0.0.1', 9464)
    """
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InputError(
            f"expected HOST:PORT with a port from 0 to 65535, got {listen!r}", field="--listen"
        )
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if not host:
        raise InputError(
            "give a host, e.g. 127.0.0.1:9464 (0.0.0.0:9464 for every interface)", field="--listen"
        )
    return host, int(port)


class Exporter:
    """A running exporter: ``url``, ``port``, :meth:`poll_now` and :meth:`stop`."""

    def __init__(
        self,
        providers: Sequence[Provider],
        *,
        listen: str = DEFAULT_LISTEN,
        interval: float = 60.0,
        timeout: float = 10.0,
        timeouts: Mapping[str, float] | None = None,
        per_qubit: bool = False,
        backends: Sequence[str] | None = None,
        concurrency: int = 8,
        max_backoff: float | None = None,
        web_config: WebConfig | None = None,
        events: str | None = None,
        budgets: Budgets | None = None,
    ) -> None:
        if interval <= 0:
            raise InputError("must be positive", field="--interval")
        if timeout <= 0 or any(t <= 0 for t in (timeouts or {}).values()):
            raise InputError("timeouts must be positive", field="--timeout")
        if concurrency < 1:
            raise InputError("must be at least 1", field="--concurrency")
        self.interval = interval
        self._stop = threading.Event()
        self.poller = Poller(
            providers,
            interval=interval,
            timeout=timeout,
            timeouts=timeouts,
            options=CollectOptions(per_qubit=per_qubit),
            backends=backends,
            concurrency=concurrency,
            max_backoff=max_backoff,
            stop=self._stop,
        )
        self.cache = PayloadCache()
        self.cache.publish(())
        #: job counters from the event store (``--events``), recomputed every poll
        if budgets is not None and not events:
            raise InputError("needs --events STORE: budgets are read from it", field="--budgets")
        self.store_counts = StoreCounts(events, budgets) if events else None
        self._store_families: list[Any] = []
        if self.store_counts is not None:
            self._store_families = self.store_counts.families()  # a bad store fails here
        address = parse_listen(listen)
        try:
            self.server = MetricsServer(
                address,
                self.cache,
                ready=lambda: self.poller.polls > 0,
                web_config=web_config,
                description=", ".join([p.name for p in providers] + (["events"] if events else [])),
            )
        except OSError as err:
            raise InputError(
                f"cannot listen on {listen}: {err.strerror or err}", field="--listen"
            ) from None
        self.scheme = "https" if web_config and web_config.ssl_context else "http"
        host = address[0] if ":" not in address[0] else f"[{address[0]}]"
        self.url = f"{self.scheme}://{host}:{self.server.port}"
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        """The port the server listens on."""
        return self.server.port

    @property
    def registry(self) -> Any:
        """The exporter's own prometheus_client ``CollectorRegistry``."""
        return self.cache.registry

    def start(self) -> Exporter:
        """Serve HTTP and poll in the background; returns self."""
        for target, name in (
            (self.server.serve_forever, "qobserve-exporter-http"),
            (self._poll_loop, "qobserve-exporter-poll"),
        ):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info(
            "qobserve exporter listening on %s (providers: %s, interval %gs)",
            self.url,
            self.server.description,
            self.interval,
        )
        return self

    def poll_now(self) -> PollReport:
        """Poll every provider now, wait for the result and publish it."""
        report = self.poller.poll()
        if self.store_counts is not None:
            try:
                self._store_families = self.store_counts.families()
            except Exception as exc:  # keep serving the last counts: a gap is no reset
                log.warning("event store not readable, serving the last counts: %s", exc)
        self.cache.publish(self.poller.samples(), self._store_families)
        return report

    def _poll_loop(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                report = self.poll_now()
                log.debug("poll: %s", report)
            except Exception:  # the loop must outlive any bug in one poll
                log.exception("poll failed")
            self._stop.wait(max(self.interval - (time.monotonic() - started), 0.0))

    def stop(self, timeout: float = 10.0) -> None:
        """Stop polling, finish requests in flight and close the socket."""
        self._stop.set()
        if self._threads:  # shutdown() waits for serve_forever(), which runs only once started
            self.server.shutdown()
        self.server.server_close()
        for thread in self._threads:
            thread.join(timeout)
        log.info("qobserve exporter stopped")


#: The handle :func:`serve` yields.
ExporterHandle = Exporter


@contextlib.contextmanager
def serve(
    listen: str = "127.0.0.1:0",
    provider: str | Provider | Sequence[str | Provider] = "fake",
    *,
    interval: float = 60.0,
    backends: Sequence[str] | None = None,
    per_qubit: bool = False,
    timeout: float = 10.0,
    timeouts: Mapping[str, float] | None = None,
    concurrency: int = 8,
    max_backoff: float | None = None,
    web_config: str | WebConfig | None = None,
    provider_options: Mapping[str, Mapping[str, Any]] | None = None,
    events: str | None = None,
) -> Iterator[Exporter]:
    """Run an exporter for the ``with`` block: listening, polling every ``interval`` seconds.

    ``provider`` is a registered name, a :class:`~qobserve.collectors.Provider`, or a list of
    them; ``provider_options`` maps a provider name to its factory's keyword arguments;
    ``backends`` are names or glob patterns (``fake_*``) to keep; ``events`` (a store path
    or ``postgresql://`` URL) also serves the job counters computed from that event store.
    """
    exporter = build(
        listen,
        provider,
        interval=interval,
        backends=backends,
        per_qubit=per_qubit,
        timeout=timeout,
        timeouts=timeouts,
        concurrency=concurrency,
        max_backoff=max_backoff,
        web_config=web_config,
        provider_options=provider_options,
        events=events,
    )
    try:
        exporter.start()
        yield exporter
    finally:
        exporter.stop()


def build(
    listen: str,
    provider: str | Provider | Sequence[str | Provider],
    *,
    web_config: str | WebConfig | None = None,
    provider_options: Mapping[str, Mapping[str, Any]] | None = None,
    **kwargs: Any,
) -> Exporter:
    """An :class:`Exporter`, not started; arguments as for :func:`serve`."""
    items = (
        [provider]
        if isinstance(provider, str) or not isinstance(provider, Sequence)
        else list(provider)
    )
    options = dict(provider_options or {})
    providers: list[Provider] = []
    for item in items:
        if isinstance(item, str):
            providers.append(create_provider(item, **options.pop(item, {})))
        else:
            providers.append(item)
    if options:
        raise InputError(
            f"options given for providers not used: {', '.join(sorted(options))}",
            field="--provider-option",
        )
    names = [p.name for p in providers]
    if (not providers and not kwargs.get("events")) or len(set(names)) != len(names):
        raise InputError(f"give each provider once, got {names}", field="--provider")
    config = load_web_config(web_config) if isinstance(web_config, str) else web_config
    return Exporter(providers, listen=listen, web_config=config, **kwargs)
