"""``qobserve demo``: the whole toolkit on one machine, with no account and no servers.

Runs the instrumented workload (:mod:`qobserve.demo.workload`), adds a labelled synthetic
history (:mod:`qobserve.demo.synthetic`), generates rules, dashboards and the deploy kit from
the SLO catalog, writes the weekly report, and says where everything is.

Example::

    summary = run_demo(Path("demo-output"), Path("slo"))
    print(summary.reports[0])
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import qobserve
from qobserve.demo.synthetic import synthetic_history
from qobserve.exceptions import InputError
from qobserve.telemetry import Telemetry

HISTORY_DAYS = 21  # the last full week and the one before it, whatever the weekday


@dataclass
class DemoSummary:
    """What the demo produced."""

    out: Path
    reports: list[Path] = field(default_factory=list)
    generated: list[str] = field(default_factory=list)
    store: Path | None = None
    jobs: Counter[str] = field(default_factory=Counter)  # "outcome/error_type" -> count
    synthetic_jobs: int = 0
    spans: int = 0
    seconds: float = 0.0
    failures: list[str] = field(default_factory=list)  # steps whose outcome was unexpected


class Progress:
    """A one-line progress bar on a terminal (plain lines otherwise)."""

    def __init__(self, total: int, stream: TextIO = sys.stderr, width: int = 28) -> None:
        self.total, self.done, self.stream, self.width = total, 0, stream, width
        self.tty = stream.isatty()

    def step(self, label: str) -> None:
        """Show that ``label`` is running."""
        filled = self.width * self.done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        line = f"[{bar}] {self.done}/{self.total} {label}"
        if self.tty:
            self.stream.write(f"\r\033[K{line}")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.done += 1

    def close(self) -> None:
        """End the bar's line."""
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


class Demo:
    """The demo's phases, so ``--live`` can start servers between them.

    ``Demo(out, slo_dir)`` loads the catalog and configures telemetry into ``out``;
    :meth:`generate`, :meth:`run_workload` and :meth:`finish` do the rest.
    """

    def __init__(
        self,
        out: Path,
        slo_dir: Path,
        *,
        now: datetime | None = None,
        stream: TextIO = sys.stderr,
        metrics_port: int | None = None,
    ) -> None:
        from qobserve.slo import load

        self.started = time.perf_counter()
        self.now = now or datetime.now(UTC)
        self.stream = stream
        self.slos = load([slo_dir])  # bad specs fail first, before any work
        store = out / "events.db"
        try:
            out.mkdir(parents=True, exist_ok=True)
            for stale in out.glob("events.db*"):  # a fresh store: the demo's numbers are its own
                stale.unlink()
        except OSError as err:
            raise InputError(
                f"cannot write: {err.strerror}", path=str(out), field="--out"
            ) from None
        self.tel = qobserve.configure(
            service_name="qobserve-demo",
            store_path=store,
            tracing="memory",
            metrics_port=metrics_port,
        )
        self.summary = DemoSummary(out=out, store=store)

    def generate(self) -> None:
        """Write alert_rules/, dashboards/ and exporters/ into the output folder."""
        from qobserve.generate import generated_files, write_files

        files = generated_files(self.slos)
        write_files(self.summary.out, files)
        self.summary.generated = sorted({rel.split("/")[0] + "/" for rel in files})

    def run_workload(self, *, outage_jobs: int = 0, outage_pause: float = 0.0) -> None:
        """Run the instrumented workload, then ``outage_jobs`` submissions to a backend that
        is down, ``outage_pause`` seconds apart."""
        print("Loading the quantum SDKs and instrumenting them ...", file=self.stream, flush=True)
        from qobserve.demo.workload import build_workload
        from qobserve.instrument import instrument_all, uninstrument_all

        instrument_all()
        try:
            steps = build_workload(outage_jobs=outage_jobs, outage_pause=outage_pause)
            progress = Progress(len(steps), self.stream)
            for step in steps:
                progress.step(step.label)
                _run_step(step, self.summary)
            progress.close()
        finally:
            uninstrument_all()
        qobserve.flush()
        self.summary.jobs = _job_counts(self.tel)
        memory = self.tel.tracing.memory
        self.summary.spans = len(memory.get_finished_spans()) if memory is not None else 0

    def finish(self) -> DemoSummary:
        """Add the synthetic history and write the reports; returns the summary."""
        history_end = self.now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.summary.synthetic_jobs = _write_history(self.tel, history_end)
        # the reports' "now" is when they are written: this week's window then holds every
        # real job, however long the workload took
        written_at = self.now + timedelta(seconds=time.perf_counter() - self.started)
        self.summary.reports = _reports(
            self.slos, self.summary.store, self.summary.out / "reports", written_at
        )
        self.summary.seconds = time.perf_counter() - self.started
        return self.summary


def run_demo(
    out: Path, slo_dir: Path, *, now: datetime | None = None, stream: TextIO = sys.stderr
) -> DemoSummary:
    """Run the whole demo into ``out`` from the catalog in ``slo_dir``."""
    demo = Demo(out, slo_dir, now=now, stream=stream)
    demo.generate()
    demo.run_workload()
    return demo.finish()


def _run_step(step: Any, summary: DemoSummary) -> None:
    try:
        step.run()
        outcome = "none"
    except Exception as exc:  # the workload's faults are expected; the demo goes on
        outcome = qobserve.classify(exc)
    if outcome != step.expect:
        summary.failures.append(f"{step.label}: expected {step.expect}, got {outcome}")


def _job_counts(tel: Telemetry) -> Counter[str]:
    counts: Counter[str] = Counter()
    for metric in tel.registry.collect():
        if metric.name != "quantum_jobs":
            continue
        for sample in metric.samples:
            if sample.name == "quantum_jobs_total":
                labels = sample.labels
                counts[f"{labels['outcome']}/{labels['error_type']}"] += int(sample.value)
    return counts


def _write_history(tel: Telemetry, end: datetime) -> int:
    # straight into the store: synthetic jobs must not reach the live metrics
    store = tel.store
    if store is None:
        raise InputError("the demo needs a writable event store", path=str(end))
    n = 0
    for event in synthetic_history(end=end, days=HISTORY_DAYS):
        store.add_job(event)
        n += 1
        if n % 20_000 == 0:
            store.flush()  # keep the queue below its bound
    store.flush()
    return n


def _reports(slos: Any, store: Path | None, out: Path, now: datetime) -> list[Path]:
    from qobserve.report import build_report, write_report
    from qobserve.report.period import Window

    last_week = Window.last_full_week("UTC", now=now)
    written = write_report(build_report(slos, last_week, source="store", path=store, now=now), out)
    # this week so far holds the demo's real jobs, beside the synthetic ones of today's history
    monday = (now - timedelta(days=now.weekday())).strftime("%Y-%m-%d")
    current = Window.between(monday, (now + timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M"))
    written += write_report(
        build_report(slos, current, source="store", path=store, now=now),
        out,
        formats=("md", "html", "json"),
    )
    html = [p for p in written if p.suffix == ".html"]
    return html + [p for p in written if p.suffix != ".html"]


def print_summary(summary: DemoSummary, stream: TextIO = sys.stdout) -> None:
    """Tell the user what was produced and where to look, the report first."""
    w = stream.write
    w(f"\nqobserve demo finished in {summary.seconds:.0f} s. Open first:\n")
    w(f"  weekly SLO report   {summary.reports[0]}\n" if summary.reports else "")
    for path in summary.reports[1:]:
        w(f"                      {path}\n")
    real = sum(summary.jobs.values())
    failed = sum(n for k, n in summary.jobs.items() if not k.startswith("success/"))
    w(
        f"\n  real jobs           {real} through the instrumentation ({failed} failed, by type: "
        + ", ".join(
            f"{k.split('/')[1]} {n}"
            for k, n in sorted(summary.jobs.items())
            if not k.startswith("success/") and n  # every series exists from 0
        )
        + ")\n"
    )
    w(
        f"  synthetic history   {summary.synthetic_jobs} jobs over {HISTORY_DAYS} days "
        f"(job ids start with 'synthetic-')\n"
    )
    w(
        f"  traces              {summary.spans} spans (set OTEL_EXPORTER_OTLP_ENDPOINT and "
        f"tracing='otlp' to send them to a collector)\n"
    )
    w(f"  event store         {summary.store}  (qobserve events export --store ...)\n")
    for folder in summary.generated:
        w(f"  generated           {summary.out / folder}\n")
    if summary.failures:
        w("\n  unexpected step outcomes:\n" + "".join(f"    {f}\n" for f in summary.failures))
