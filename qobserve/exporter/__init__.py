"""The qobserve exporter: backend telemetry for Prometheus, like node_exporter for QPUs.

- :mod:`~qobserve.exporter.app`: :func:`serve` and :class:`Exporter` (what the CLI runs).
- :mod:`~qobserve.exporter.poller`: background polls with timeouts, backoff and jitter.
- :mod:`~qobserve.exporter.tasks`: concurrent calls with per-call timeouts.
- :mod:`~qobserve.exporter.payload`: the cached ``/metrics`` payload.
- :mod:`~qobserve.exporter.server`: HTTP(S), ``/metrics``, ``/healthz``, ``/readyz``.
- :mod:`~qobserve.exporter.webconfig`: TLS and basic auth (exporter-toolkit format).
- :mod:`~qobserve.exporter.deploy`: the ``exporters/`` deploy kit.

Example::

    from qobserve.exporter import serve
    with serve("127.0.0.1:0", provider="fake", interval=30) as exporter:
        exporter.poll_now()
        print(exporter.url + "/metrics")
"""

from __future__ import annotations

from qobserve.exporter.app import DEFAULT_LISTEN, Exporter, ExporterHandle, build, serve
from qobserve.exporter.poller import PollReport

__all__ = ["DEFAULT_LISTEN", "Exporter", "ExporterHandle", "PollReport", "build", "serve"]
