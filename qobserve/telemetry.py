"""The process's telemetry: metrics registry, tracer and event store, set up once.

:func:`configure` builds a :class:`Telemetry` from keyword arguments and ``QOBSERVE_*``
variables; :func:`get_telemetry` returns it, configuring defaults on first use. Failures inside
qobserve are counted in ``qobserve_internal_errors_total{component}`` and logged once per
component, never raised into the observed code.

Example::

    import qobserve
    qobserve.configure(service_name="vqe-team", tracing="otlp", metrics_port=9465)
"""

from __future__ import annotations

import atexit
import logging
import threading
from typing import TYPE_CHECKING, Any, Unpack

from opentelemetry import trace
from prometheus_client import REGISTRY, CollectorRegistry

from qobserve import contract
from qobserve.config import Config, Settings
from qobserve.errors import describe
from qobserve.event_logs import EventLogs
from qobserve.events import JobEvent
from qobserve.exceptions import InputError
from qobserve.metrics import Metrics
from qobserve.otel_metrics import OTelMetrics
from qobserve.pushgateway import SeededPush
from qobserve.redact import redact
from qobserve.store import EventStore
from qobserve.tracing import TracingSetup, setup_tracing

if TYPE_CHECKING:
    from qobserve.budgets.enforce import Enforcer
    from qobserve.instrument.state import InstrumentationState

logger = logging.getLogger("qobserve")

_lock = threading.Lock()
_current: Telemetry | None = None
#: providers an instrumentor was given before the telemetry existed: (tracer, meter)
_adopted: tuple[Any, Any] = (None, None)


class Telemetry:
    """Everything instrumentation writes to. Create it through :func:`configure`."""

    def __init__(
        self,
        config: Config,
        *,
        registry: CollectorRegistry | None = None,
        tracer_provider: Any = None,
        meter_provider: Any = None,
        logger_provider: Any = None,
    ) -> None:
        self.config = config
        self._warned: set[str] = set()
        if registry is None:
            # a batch job pushes its own registry, not the process's default collectors
            registry = CollectorRegistry() if config.push_gateway else REGISTRY
        self.registry = registry
        self.metrics = Metrics(
            registry,
            max_label_values=config.max_label_values,
            prometheus=config.metrics != "otel",
        )
        if config.metrics != "prometheus" or meter_provider is not None:
            self._use_meter_provider(meter_provider)
        self.tracing = self._setup_tracing(tracer_provider)
        self.tracer: trace.Tracer | None = self.tracing.tracer
        self.store = self._open_store()
        self.event_logs: EventLogs | None = None
        if config.event_logs or logger_provider is not None:
            self.event_logs = EventLogs(logger_provider, _version())
        self._instrumentation: InstrumentationState | None = None
        self.budgets: Enforcer | None = None
        if config.budgets is not None:
            from qobserve.budgets.enforce import Enforcer

            self.budgets = Enforcer(config.budgets, self)
        self._state_lock = threading.Lock()
        self._http_server: Any = None
        self._pushers: dict[tuple[object, ...], SeededPush] = {}
        if config.metrics_port is not None:
            self._serve_metrics()

    # -- construction, each part failing alone ---------------------------------------------------
    def _setup_tracing(self, tracer_provider: Any) -> TracingSetup:
        try:
            return setup_tracing(
                self.config.tracing,
                service_name=self.config.service_name,
                otlp_endpoint=self.config.otlp_endpoint,
                on_export_error=lambda e: self.internal_error("otlp", e),
                version=_version(),
                tracer_provider=tracer_provider,
            )
        except Exception as exc:  # e.g. the SDK is not installed
            self.internal_error("tracing", exc)
            return TracingSetup("none", None)

    def _use_meter_provider(self, meter_provider: Any) -> None:
        try:
            self.metrics.otel = OTelMetrics(meter_provider, _version())
        except Exception as exc:
            self.internal_error("otel_metrics", exc)

    def use_providers(self, tracer_provider: Any = None, meter_provider: Any = None) -> None:
        """Send spans to ``tracer_provider`` and record the contract's metrics on
        ``meter_provider`` too (the OTel path), from now on; None leaves that part as it is.
        A provider qobserve built itself is flushed and shut down when replaced.

        Example::

            get_telemetry().use_providers(tracer_provider=app_tp, meter_provider=app_mp)
        """
        if tracer_provider is not None:
            previous = self.tracing
            self.tracing = self._setup_tracing(tracer_provider)
            self.tracer = self.tracing.tracer
            previous.shutdown()
        if meter_provider is not None:
            otel = self.metrics.otel
            if otel is None or otel.meter_provider is not meter_provider:
                self._use_meter_provider(meter_provider)

    def _open_store(self) -> EventStore | None:
        path = self.config.store
        if path is None:
            return None
        for reason in contract.EVENT_DROP_REASONS:  # at 0 from the start: rate() sees a first drop
            self.metrics.inc(contract.EVENTS_DROPPED_TOTAL, (reason,), 0)
        try:
            return EventStore(
                path,
                max_queue=self.config.queue_size,
                flush_interval=self.config.flush_interval,
                on_error=self.internal_error,
                on_drop=lambda n, reason: self.metrics.inc(
                    contract.EVENTS_DROPPED_TOTAL, (reason,), n
                ),
            )
        except Exception as exc:
            self.internal_error("store", exc)
            return None

    def _serve_metrics(self) -> None:
        from prometheus_client import start_http_server

        try:
            self._http_server = start_http_server(
                self.config.metrics_port or 0, self.config.metrics_addr, self.registry
            )
        except Exception as exc:
            self.internal_error("http", exc)

    @property
    def metrics_url(self) -> str | None:
        """URL of the ``/metrics`` endpoint when ``metrics_port`` was set."""
        if not self._http_server:
            return None
        host, port = self._http_server[0].server_address[:2]
        return f"http://{host}:{port}/metrics"

    @property
    def instrumentation(self) -> InstrumentationState:
        """What SDK instrumentation remembers between jobs (created on first use)."""
        state = self._instrumentation
        if state is None:
            from qobserve.instrument.state import InstrumentationState

            with self._state_lock:
                if self._instrumentation is None:
                    hooks = (self.budgets,) if self.budgets is not None else ()
                    self._instrumentation = InstrumentationState(hooks)
                state = self._instrumentation
        return state

    # -- recording -----------------------------------------------------------------------------
    def internal_error(self, component: str, exc: BaseException | None = None) -> None:
        """Count (and log once per component) a failure inside qobserve. Never raises."""
        try:
            self.metrics.inc(contract.INTERNAL_ERRORS_TOTAL, (component,))
            level = logging.DEBUG if component in self._warned else logging.WARNING
            self._warned.add(component)
            detail = redact(describe(exc)) if exc is not None else "failed"
            logger.log(level, "qobserve %s: %s (telemetry continues)", component, detail)
        except Exception:  # the last line of defence: swallowing is the contract here
            pass

    def add_job(self, event: JobEvent, exemplar: dict[str, str] | None = None) -> None:
        """Keep a finished job's event: in the store, and as an OTel log record (linked to the
        span of ``exemplar``) when ``event_logs`` is on."""
        if self.store is not None:
            self.store.add_job(event)
        if self.event_logs is not None:
            try:
                self.event_logs.job(event, exemplar)
            except Exception as exc:
                self.internal_error("event_logs", exc)

    def flush(self, timeout: float = 30.0) -> bool:
        """Record jobs whose outcome is known (a remote job's record waits for one timing
        request), commit queued events and export finished spans. True only when every event
        is committed and every span exported; False when the store failed to commit (the events
        stay queued and are retried), an OTLP export failed, or ``timeout`` passed."""
        ok = True
        state = self._instrumentation
        if state is not None:
            ok = state.finisher.flush(timeout)
        if self.store is not None:
            ok = self.store.flush(timeout) and ok
        provider = self.tracing.provider
        if provider is not None:
            failed = self.tracing.export_failures()
            ok = bool(provider.force_flush(int(timeout * 1000))) and ok
            ok = ok and self.tracing.export_failures() == failed
        return ok

    def push(self, job: str | None = None, grouping_key: dict[str, str] | None = None) -> bool:
        """Push the registry to the configured Pushgateway; False (and counted) on failure.

        The group is ``{job, instance=<push_instance>}`` unless ``grouping_key`` is given; its
        counters continue from the group's current values (:mod:`qobserve.pushgateway`).
        """
        gateway = self.config.push_gateway
        if not gateway:
            return False
        job = job or self.config.service_name
        key = grouping_key or {"instance": self.config.push_instance}
        group = (job, *sorted(key.items()))
        try:
            pusher = self._pushers.get(group)
            if pusher is None:
                pusher = self._pushers[group] = SeededPush(gateway, job, key, self.registry)
            pusher.push()
            return True
        except Exception as exc:
            self.internal_error("push", exc)
            return False

    def shutdown(self) -> None:
        """Flush and stop everything this instance started; safe to call twice. Jobs still
        in flight are accounted for first, so that their records reach the store."""
        state = self._instrumentation
        if state is not None:
            try:
                state.shutdown()
            except Exception as exc:
                self.internal_error("instrument", exc)
        if self.config.push_gateway:
            self.push()
        if self.store is not None:
            unwritten = self.store.close(self.config.exit_timeout)
            if unwritten:
                logger.warning(
                    "qobserve: %d events could not be written to %s within %g s and are lost "
                    '(qobserve_events_dropped_total{reason="unwritten_at_exit"})',
                    unwritten,
                    self.store.path,
                    self.config.exit_timeout,
                )
        self.tracing.shutdown()
        if self._http_server:
            self._http_server[0].shutdown()
            self._http_server = None


def _version() -> str:
    from qobserve import __version__  # here: qobserve/__init__ imports this module

    return __version__


def configure(
    *,
    registry: CollectorRegistry | None = None,
    reconfigure: bool = False,
    tracer_provider: Any = None,
    meter_provider: Any = None,
    logger_provider: Any = None,
    **settings: Unpack[Settings],
) -> Telemetry:
    """Set up qobserve for this process, once; later calls return the same instance, unless
    ``reconfigure`` is true: then the current telemetry is shut down (see :func:`reset`) and
    replaced with one of these settings (a notebook re-running its set-up cell).

    Keyword arguments are the settings of :class:`qobserve.config.Config` (``service_name``,
    ``tracing``, ``metrics``, ``otlp_endpoint``, ``store_path``, ``metrics_port``,
    ``push_gateway``, ...); ``registry`` replaces the default prometheus_client registry;
    ``tracer_provider``, ``meter_provider`` and ``logger_provider`` are OpenTelemetry providers
    to use instead of the global ones (a ``meter_provider`` switches the OTel metrics path on,
    a ``logger_provider`` the job events as log records). Raises
    :class:`qobserve.exceptions.InputError` on a bad argument; a bad ``QOBSERVE_*`` variable
    is logged as a warning and ignored, the arguments kept.

    Example::

        qobserve.configure(tracing="console", store_path="runs/events.db")
    """
    global _current  # noqa: PLW0603 - the process's one Telemetry (as OTel's global provider), under _lock
    # a bad QOBSERVE_* variable is the environment's problem, not the script's: warned about
    # and ignored, the explicit arguments kept
    config = Config.resolve(settings, on_bad_variable=_warn_bad_variable)
    if reconfigure:
        reset()
    with _lock:
        if _current is not None:
            if settings and config != _current.config:
                logger.warning(
                    "qobserve.configure() called again with other settings; "
                    "keeping the first configuration"
                )
            _current.use_providers(tracer_provider, meter_provider)
            return _current
        _current = Telemetry(
            config,
            registry=registry,
            tracer_provider=tracer_provider or _adopted[0],
            meter_provider=meter_provider or _adopted[1],
            logger_provider=logger_provider,
        )
        atexit.register(_current.shutdown)
        return _current


def reset() -> None:
    """Shut down the process's telemetry (flushing its events and spans, stopping its metrics
    server) and forget it: the next :func:`configure`, or the first decorated run, sets up a
    new one. Its metrics leave the registry, so the new one can register them."""
    previous = _install(None)
    if previous is not None:
        previous.shutdown()
        previous.metrics.unregister()


def _warn_bad_variable(err: InputError) -> None:
    logger.warning("qobserve: %s; ignored", redact(str(err)))


def get_telemetry() -> Telemetry:
    """The process's telemetry, configured from the environment on first use.

    Set-up problems met here do not break the caller: a bad ``QOBSERVE_*`` variable, or a
    registry that already holds metrics with the contract's names, is logged and telemetry
    falls back to defaults on a registry of its own.
    """
    current = _current
    if current is not None:
        return current
    try:
        return configure()
    except Exception as exc:
        logger.warning("qobserve: %s; using defaults on a private registry", redact(str(exc)))
        with _lock:
            if _current is None:
                fallback = Telemetry(
                    Config(),
                    registry=CollectorRegistry(),
                    tracer_provider=_adopted[0],
                    meter_provider=_adopted[1],
                )
                _install(fallback)
                atexit.register(fallback.shutdown)
        assert _current is not None
        return _current


def current_telemetry() -> Telemetry | None:
    """The process's telemetry if it is configured, else None (never configures)."""
    return _current


def adopt_providers(tracer_provider: Any = None, meter_provider: Any = None) -> None:
    """Use these OTel providers (None: keep that part as it is), now when the telemetry
    exists, else when it is set up, so that an instrumentor called before ``configure()``
    (``opentelemetry-instrument`` does) does not fix the settings early.

    Example::

        adopt_providers(meter_provider=metrics.get_meter_provider())
    """
    global _adopted  # noqa: PLW0603 - the providers adopted before configure(), under _lock
    with _lock:
        current = _current
        if current is None:
            _adopted = (tracer_provider or _adopted[0], meter_provider or _adopted[1])
            return
    current.use_providers(tracer_provider, meter_provider)


def _install(telemetry: Telemetry | None) -> Telemetry | None:
    """Replace the process's telemetry (for :mod:`qobserve.testing`); returns the old one."""
    global _current
    previous, _current = _current, telemetry
    return previous
