"""Turn job events into the contract's metrics over time and load them into a real Prometheus.

The metrics are prometheus_client's own (a registry with the contract's specs), updated as
each job finishes, and sampled every ``step`` seconds as a scrape would; the samples are
written as OpenMetrics with timestamps and loaded with ``promtool tsdb
create-blocks-from openmetrics`` (the backfill path), which gets weeks of history into
Prometheus in seconds.
"""

from __future__ import annotations

import contextlib
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

from qobserve import contract as C
from qobserve.servers import Server, promtool, start_server


def _ts(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class Instrumentation:
    """The job metrics of the contract in their own registry, fed from job events."""

    def __init__(self, divergence_threshold: float) -> None:
        self.registry = CollectorRegistry()
        self.threshold = divergence_threshold

        def counter(spec: C.MetricSpec) -> Counter:
            return Counter(spec.base_name, spec.help, spec.labels, registry=self.registry)

        def histogram(spec: C.MetricSpec) -> Histogram:
            return Histogram(
                spec.name,
                spec.help,
                spec.labels,
                registry=self.registry,
                buckets=spec.buckets or C.DURATION_BUCKETS,
            )

        self.jobs, self.dups = counter(C.JOBS_TOTAL), counter(C.JOB_DUPLICATES_TOTAL)
        self.checks, self.qpu = counter(C.RESULT_CHECKS_TOTAL), counter(C.QPU_SECONDS_TOTAL)
        self.cost = counter(C.COST_USD_TOTAL)
        self.duration, self.queue = histogram(C.JOB_DURATION), histogram(C.JOB_QUEUE)
        self.fidelity = histogram(C.RESULT_FIDELITY)

    def declare(self, job: dict[str, Any]) -> None:
        """Create the job's series at 0, as a long-running process has them before the week."""
        b, bt, e = job["backend"], job["backend_type"], job["experiment"]
        p = job["provider"] or ""
        self.jobs.labels(b, p, bt, e, job["outcome"], job["error_type"])
        self.duration.labels(b, p, bt, e)
        self.queue.labels(b, p, bt)
        self.dups.labels(b, p, e)
        self.qpu.labels(b, p, e)
        self.cost.labels(b, p, e)
        for verdict in C.VERDICTS:
            self.checks.labels(b, bt, e, verdict)
        self.fidelity.labels(b, e)

    def record(self, job: dict[str, Any]) -> None:
        """What instrumentation records when the job finishes."""
        b, bt, e = job["backend"], job["backend_type"], job["experiment"]
        p = job["provider"] or ""
        self.jobs.labels(b, p, bt, e, job["outcome"], job["error_type"]).inc()
        if job["duration_seconds"] is not None:
            self.duration.labels(b, p, bt, e).observe(job["duration_seconds"])
        if job["queue_seconds"] is not None:
            self.queue.labels(b, p, bt).observe(job["queue_seconds"])
        if job["duplicate"]:
            self.dups.labels(b, p, e).inc()
        if job["fidelity"] is not None:
            verdict = "diverged" if job["fidelity"] < self.threshold else "pass"
            self.checks.labels(b, bt, e, verdict).inc()
            self.fidelity.labels(b, e).observe(job["fidelity"])
        self.qpu.labels(b, p, e).inc(job["qpu_seconds"] or 0.0)
        self.cost.labels(b, p, e).inc(job["cost_usd"] or 0.0)


Samples = dict[tuple[str, str], dict[tuple[str, tuple[tuple[str, str], ...]], list[str]]]


def openmetrics(
    jobs: Sequence[dict[str, Any]],
    start: float,
    end: float,
    *,
    step: int = 3600,
    divergence_threshold: float = 0.9,
    gauges: Sequence[tuple[str, dict[str, str], Sequence[tuple[float, float]]]] = (),
) -> str:
    """OpenMetrics text of the job metrics sampled every ``step`` s over ``[start, end]``,
    plus ``gauges``: (name, labels, [(timestamp, value), ...]) written as given."""
    inst = Instrumentation(divergence_threshold)
    for j in jobs:
        inst.declare(j)
    pending = sorted(jobs, key=lambda j: _ts(j["finished_at"]))
    families: Samples = defaultdict(lambda: defaultdict(list))
    i = 0
    for k in range(int((end - start) // step) + 1):  # bounded: one pass per scrape
        t = start + k * step
        while i < len(pending) and _ts(pending[i]["finished_at"]) <= t:
            inst.record(pending[i])
            i += 1
        for fam in inst.registry.collect():
            for s in fam.samples:
                if s.name.endswith("_created"):
                    continue
                key = (s.name, tuple(sorted(s.labels.items())))
                families[(fam.name, fam.type)][key].append(f"{s.value!r} {t:.0f}")
    for name, labels, points in gauges:
        key = (name, tuple(sorted(labels.items())))
        families[(name, "gauge")][key] += [f"{v!r} {t:.0f}" for t, v in points]
    lines = []
    for (fam, kind), series in families.items():
        lines.append(f"# TYPE {fam} {kind}")
        for (sample, labels), values in series.items():
            text = ",".join(f'{k}="{v}"' for k, v in labels)
            lines += [f"{sample}{{{text}}} {v}" for v in values]
    lines.append("# EOF")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def backfilled_prometheus(text: str, workdir: Path) -> Iterator[Server]:
    """A Prometheus whose TSDB holds the samples of ``text`` (OpenMetrics)."""
    (workdir / "history.om").write_text(text)
    # one block for the whole history: promtool re-reads the input once per block, and the
    # default 2 h blocks make weeks of history take minutes (the flag is hidden but in 2.42)
    done = promtool(
        "tsdb",
        "create-blocks-from",
        "openmetrics",
        "-q",
        "--max-block-duration=1000h",
        str(workdir / "history.om"),
        str(workdir / "data"),
    )
    assert done.returncode == 0, done.stderr + done.stdout
    (workdir / "prometheus.yml").write_text("global: {evaluation_interval: 1m}\n")
    args = [
        "--config.file={dir}/prometheus.yml",
        "--storage.tsdb.path={dir}/data",
        "--storage.tsdb.retention.time=3650d",
        "--web.listen-address=127.0.0.1:{port}",
    ]
    with start_server("prometheus", args, workdir=workdir) as server:
        yield server


def calibration_points(
    times: Sequence[float], start: float, end: float, step: int = 300
) -> list[tuple[float, float]]:
    """Samples of a calibration-timestamp gauge: the last calibration at or before each t."""
    out = []
    for k in range(int((end - start) // step) + 1):
        t = start + k * step
        done = [c for c in times if c <= t]
        if done:
            out.append((t, max(done)))
    return out


def alert_points(first: float, last: float, every: int = 30) -> list[tuple[float, float]]:
    """ALERTS samples of one firing episode, as a rule evaluated every ``every`` s writes."""
    return [(first + k * every, 1.0) for k in range(math.floor((last - first) / every) + 1)]
