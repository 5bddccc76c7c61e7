"""Settings of :func:`qobserve.configure`, from keyword arguments and ``QOBSERVE_*`` variables.

Keyword arguments win over environment variables, which win over defaults.

| setting | variable | default |
|---|---|---|
| ``service_name`` | ``QOBSERVE_SERVICE_NAME`` (then ``OTEL_SERVICE_NAME``) | ``qobserve`` |
| ``tracing`` | ``QOBSERVE_TRACING`` | ``auto`` |
| ``metrics`` | ``QOBSERVE_METRICS`` | ``prometheus`` (or ``otel``, ``both``) |
| ``otlp_endpoint`` | ``QOBSERVE_OTLP_ENDPOINT`` (then ``OTEL_EXPORTER_OTLP_ENDPOINT``) | none |
| ``store_path`` | ``QOBSERVE_STORE`` (``none`` disables) | ``.qobserve/events.db`` |
| ``store_url`` | ``QOBSERVE_STORE_URL`` | none (a ``postgresql://`` URL wins over ``store_path``) |
| ``metrics_port`` | ``QOBSERVE_METRICS_PORT`` | none (no HTTP server) |
| ``metrics_addr`` | ``QOBSERVE_METRICS_ADDR`` | ``127.0.0.1`` |
| ``push_gateway`` | ``QOBSERVE_PUSH_GATEWAY`` | none |
| ``push_instance`` | ``QOBSERVE_PUSH_INSTANCE`` | the host name (the runner's Pushgateway group) |
| ``max_label_values`` | ``QOBSERVE_MAX_LABEL_VALUES`` | 100 |
| ``queue_size`` | ``QOBSERVE_QUEUE_SIZE`` | 100000 |
| ``flush_interval`` | ``QOBSERVE_FLUSH_INTERVAL`` | 1.0 s |
| ``exit_timeout`` | ``QOBSERVE_EXIT_TIMEOUT`` | 2.0 s (longest wait at exit for the store) |
| ``price_model`` | ``QOBSERVE_PRICE_MODEL`` | none (cost 0) |
| ``job_metrics`` | ``QOBSERVE_JOB_METRICS`` | true (one ``job.metrics()`` call per job) |
| ``event_logs`` | ``QOBSERVE_EVENT_LOGS`` | false (job events as OTel log records too) |
| ``divergence_threshold`` | ``QOBSERVE_DIVERGENCE_THRESHOLD`` | 0.9 |
| ``budgets`` | ``QOBSERVE_BUDGETS`` | none (no caps); ``budgets.yaml``, its folder, or a model |
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypedDict

from qobserve.budgets.model import Budgets
from qobserve.exceptions import InputError
from qobserve.tracing import MODES

#: values of the ``metrics`` setting: which paths record the contract's metrics
METRICS_PATHS = ("prometheus", "otel", "both")

DEFAULT_STORE = ".qobserve/events.db"
#: variables whose names differ from ``QOBSERVE_<SETTING>``
_ENV_NAMES = {"store_path": "QOBSERVE_STORE"}
_OFF = {"", "none", "off", "false", "0", "no"}
_ON = {"1", "true", "on", "yes"}


class Settings(TypedDict, total=False):
    """The keyword arguments of :func:`qobserve.configure`, typed: a misspelt or mistyped
    setting is a type error (one key per :class:`Config` field; None turns an optional one
    off)."""

    service_name: str
    tracing: str
    metrics: str
    otlp_endpoint: str | None
    store_path: str | os.PathLike[str] | None
    store_url: str | None
    metrics_port: int | None
    metrics_addr: str
    push_gateway: str | None
    push_instance: str
    max_label_values: int
    queue_size: int
    flush_interval: float
    exit_timeout: float
    price_model: str | os.PathLike[str] | None
    job_metrics: bool
    event_logs: bool
    divergence_threshold: float
    budgets: str | os.PathLike[str] | Budgets | None


@dataclass(frozen=True)
class Config:
    """Resolved settings; see the module docstring for each one."""

    service_name: str = "qobserve"
    tracing: str = "auto"
    metrics: str = "prometheus"
    otlp_endpoint: str | None = None
    store_path: str | None = DEFAULT_STORE
    #: a shared PostgreSQL store (``postgresql://user@host/db``); wins over ``store_path``
    store_url: str | None = None
    metrics_port: int | None = None
    metrics_addr: str = "127.0.0.1"
    push_gateway: str | None = None
    #: the runner's id: its Pushgateway group is ``{job, instance=<this>}``
    push_instance: str = field(default_factory=socket.gethostname)
    max_label_values: int = 100
    queue_size: int = 100_000
    flush_interval: float = 1.0
    exit_timeout: float = 2.0
    price_model: str | None = None
    job_metrics: bool = True
    event_logs: bool = False
    divergence_threshold: float = 0.9
    #: caps enforced before every submission (docs/budgets.md); None: none
    budgets: Budgets | None = None

    @classmethod
    def resolve(
        cls,
        overrides: Mapping[str, Any],
        environ: Mapping[str, str] | None = None,
        *,
        on_bad_variable: Callable[[InputError], None] | None = None,
    ) -> Config:
        """Settings from ``overrides`` (keyword arguments) over ``environ`` over defaults;
        raises InputError naming the argument or variable that is wrong. With
        ``on_bad_variable``, a wrong variable is handed to it and ignored instead."""
        env = os.environ if environ is None else environ
        known = {f.name for f in fields(cls)}
        unknown = set(overrides) - known
        if unknown:
            raise InputError(
                f"unknown setting(s): {', '.join(sorted(unknown))}", field="configure()"
            )
        values: dict[str, Any] = {}
        for f in fields(cls):
            var = _ENV_NAMES.get(f.name, f"QOBSERVE_{f.name.upper()}")
            if f.name in overrides:
                raw, source = overrides[f.name], f"configure({f.name}=...)"
            elif var in env:
                raw, source = env[var], var
            else:
                continue
            try:
                values[f.name] = _convert(f.name, raw, source)
            except InputError as err:
                if on_bad_variable is None or source != var:
                    raise
                on_bad_variable(err)
        if "service_name" not in values and env.get("OTEL_SERVICE_NAME"):
            values["service_name"] = env["OTEL_SERVICE_NAME"]
        if "otlp_endpoint" not in values and env.get("OTEL_EXPORTER_OTLP_ENDPOINT"):
            values["otlp_endpoint"] = env["OTEL_EXPORTER_OTLP_ENDPOINT"]
        return cls(**values)

    @property
    def store(self) -> str | None:
        """Where events go: ``store_url`` if set, else ``store_path`` (None: nowhere)."""
        return self.store_url or self.store_path


def _convert(name: str, raw: Any, source: str) -> Any:  # noqa: C901 - one branch per kind of setting, read top to bottom
    if name == "store_url" and raw is not None and str(raw).strip().lower() not in _OFF:
        from qobserve.store.backends import is_url

        if not is_url(str(raw)):
            raise InputError("must be a postgresql:// URL", field=source)
    if name == "budgets":
        return _budgets(raw)
    if name in ("store_path", "store_url", "otlp_endpoint", "push_gateway", "price_model"):
        if raw is None or (isinstance(raw, str) and raw.strip().lower() in _OFF):
            return None
        return os.fspath(raw)
    if name in ("tracing", "metrics"):
        choices = MODES if name == "tracing" else METRICS_PATHS
        mode = str(raw).strip().lower()
        if mode not in choices:
            raise InputError(f"{raw!r} is not one of {', '.join(choices)}", field=source)
        return mode
    if name in ("job_metrics", "event_logs"):
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text not in _ON | _OFF:
            raise InputError(f"{raw!r} is not a boolean", field=source)
        return text in _ON
    if name in ("metrics_port", "max_label_values", "queue_size"):
        if raw is None and name == "metrics_port":
            return None
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise InputError(f"{raw!r} is not an integer", field=source) from None
        low = 0 if name == "metrics_port" else 1
        if number < low or (name == "metrics_port" and number > 65535):
            raise InputError(f"{number} is out of range", field=source)
        return number
    if name in ("flush_interval", "exit_timeout", "divergence_threshold"):
        try:
            value = float(raw)
        except (TypeError, ValueError):
            raise InputError(f"{raw!r} is not a number", field=source) from None
        if value <= 0 or (name == "divergence_threshold" and value > 1):
            raise InputError(f"{value} is out of range", field=source)
        return value
    if name == "push_instance" and not str(raw).strip():
        raise InputError(
            "must not be empty (it names the runner's Pushgateway group)", field=source
        )
    return str(raw)


def _budgets(raw: Any) -> Budgets | None:
    """The ``budgets`` setting: the loaded caps (a file, or a catalog folder's budgets.yaml)."""
    from qobserve.budgets.loader import load_budgets

    if isinstance(raw, Budgets):
        return raw
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in _OFF):
        return None
    return load_budgets(os.fspath(raw))
