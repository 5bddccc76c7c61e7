"""Job events as OpenTelemetry log records (opt-in, beside the event store).

With ``configure(event_logs=True)`` every job event that goes to the store is also emitted as
one log record, ``event_name`` ``quantum.job``, on the given or global logger provider: a
fleet that already ships OTLP to a collector gets every job event centrally with no new
component. The body holds the event's known columns as the store has them (times in UTC
ISO 8601); the record is linked
to the job's trace and carries the job's identity as attributes. Only ``opentelemetry-api`` is
needed; without an SDK logger provider nothing is emitted.

Example::

    logs = EventLogs(logger_provider)
    logs.job(JobEvent(job_id="j1", backend="fake_manila", outcome="success"))
"""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from opentelemetry import _logs

from qobserve.events import TIME_COLUMNS, JobEvent, iso
from qobserve.otel_metrics import exemplar_context

EVENT_NAME = "quantum.job"


class EventLogs:
    """Emits job events as log records on one OTel logger."""

    def __init__(self, logger_provider: Any = None, version: str = "") -> None:
        self.logger_provider = logger_provider
        self._logger = _logs.get_logger("qobserve", version, logger_provider)

    def job(self, event: JobEvent, exemplar: dict[str, str] | None = None) -> None:
        """Emit ``event``, linked to the span of ``exemplar`` (its trace and span ids, see
        :func:`qobserve.tracing.trace_ids`); a failed job is a WARN record, any other INFO."""
        body = {
            k: iso(v) if k in TIME_COLUMNS else v
            for k, v in asdict(event).items()
            if v is not None and v != ""
        }
        failed = event.outcome not in ("success", "")
        at = event.finished_at or time.time()
        self._logger.emit(
            _logs.LogRecord(
                timestamp=int(at * 1e9),
                observed_timestamp=time.time_ns(),
                context=exemplar_context(exemplar),
                severity_number=_logs.SeverityNumber.WARN if failed else _logs.SeverityNumber.INFO,
                severity_text="WARN" if failed else "INFO",
                body=body,
                attributes={
                    "quantum.job.id": event.job_id,
                    "quantum.backend.name": event.backend,
                    "quantum.experiment.name": event.experiment,
                    "quantum.job.outcome": event.outcome,
                },
                event_name=EVENT_NAME,
            )
        )
