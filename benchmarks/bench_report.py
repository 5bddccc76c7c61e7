"""Weekly report over 1M and 10M job events from Parquet: time and peak memory.

Events are generated with numpy into a Parquet file first (not timed): five weeks of jobs on
six backends with the contract's columns, ISO 8601 text timestamps as the store exports them.
Each measurement runs in a fresh subprocess, so its peak RSS (``ru_maxrss``) is the report's
own: reading, every SLI, the operations section and all four formats written. The detail
also gives the child's CPU time and the load average: on a shared machine wall time includes
waiting for a core, CPU time does not.

Targets (issue 7): 1M events < 2 s, 10M events < 15 s with peak memory < 6 GiB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from benchmarks.harness import Result
from qobserve.contract import JOB_EVENT_COLUMNS

WEEK = "2026-W46"
#: events span the five weeks before the report's week ends, so 28d periods are covered
SPAN_END = datetime(2026, 11, 16, tzinfo=UTC)
SPAN = timedelta(days=35)
BACKENDS = ["ibm_kyiv", "ibm_sherbrooke", "fake_manila", "fake_kyoto", "aer", "aer_noisy"]
BACKEND_TYPES = ["qpu", "qpu", "emulator", "emulator", "simulator", "emulator"]
EXPERIMENTS = [f"exp_{i:02d}" for i in range(40)]
OUTCOMES = ["success", "error", "cancelled", "invalid"]
ERROR_TYPES = ["none", "timeout", "cancelled", "invalid_result", "backend_unavailable",
               "network"]  # fmt: skip

CHILD = r"""
import json, resource, sys, time
from datetime import timedelta
from qobserve.report import build_report, write_report
from qobserve.report.period import Window
from qobserve.slo.model import SLO, EventSLI, TimeSliceSLI
from pathlib import Path

def slo(name, kind, objective, **params):
    return SLO(name, "bench", objective, timedelta(days=28), EventSLI(kind, params=params))

slos = [
    slo("qpu-success", "job_success", 0.95, selectors={"backend_type": "qpu|emulator"}),
    slo("sim-success", "job_success", 0.99, selectors={"backend_type": "simulator"}),
    slo("latency", "latency", 0.95, threshold_seconds=600),
    slo("queue-wait", "queue_wait", 0.95, threshold_seconds=600,
        selectors={"backend_type": "qpu"}),
    slo("duplicates", "duplicates", 0.99),
    slo("divergence", "divergence", 0.9, fidelity_threshold=0.9),
    SLO("calibration", "bench", 0.99, timedelta(days=28), TimeSliceSLI("freshness", good="1")),
]
path, out = sys.argv[1], sys.argv[2]
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0, c0 = time.perf_counter(), cpu()
report = build_report(slos, Window.iso_week("@WEEK@"), source="events", path=path)
t1 = time.perf_counter()
write_report(report, out)
t2 = time.perf_counter()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"compute": t1 - t0, "total": t2 - t0, "peak": peak, "cpu": cpu() - c0,
                  "events": report.slos[2].period_counts.total}))
""".replace("@WEEK@", WEEK)


def generate(n: int, path: Path, seed: int = 7) -> None:
    """``n`` job events into a Parquet file, vectorised."""
    rng = np.random.default_rng(seed)
    start_ms = int((SPAN_END - SPAN).timestamp() * 1000)
    finished = np.sort(rng.integers(0, int(SPAN.total_seconds() * 1000), n)) + start_ms
    iso = pc.strftime(pa.array(finished.astype("datetime64[ms]")), "%Y-%m-%dT%H:%M:%SZ")
    b = rng.integers(0, len(BACKENDS), n)
    outcome = rng.choice(len(OUTCOMES), n, p=[0.95, 0.03, 0.01, 0.01])
    error = np.where(outcome == 0, 0, rng.integers(1, len(ERROR_TYPES), n))
    duration = rng.lognormal(3.0, 1.5, n)
    queue = np.where(np.isin(b, [0, 1]), rng.lognormal(4.0, 1.5, n), np.nan)
    fidelity = np.where(rng.random(n) < 0.1, rng.beta(30, 2, n), np.nan)
    ids = pc.cast(pa.array(np.arange(n)), pa.string())

    def dictionary(codes: np.ndarray, values: list[str]) -> pa.DictionaryArray:
        return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), values)

    columns = {
        "job_id": ids,
        "experiment": dictionary(rng.integers(0, len(EXPERIMENTS), n), EXPERIMENTS),
        "run_id": ids,
        "backend": dictionary(b, BACKENDS),
        "backend_type": dictionary(b, BACKEND_TYPES),
        "primitive": dictionary(rng.integers(0, 2, n), ["sampler", "estimator"]),
        "outcome": dictionary(outcome, OUTCOMES),
        "error_type": dictionary(error, ERROR_TYPES),
        "submitted_at": iso,
        "started_at": iso,
        "finished_at": iso,
        "queue_seconds": queue,
        "execution_seconds": duration / 2,
        "duration_seconds": duration,
        "shots": np.full(n, 4000),
        "num_circuits": np.ones(n, int),
        "num_qubits": rng.integers(2, 127, n),
        "depth": rng.integers(5, 500, n),
        "qpu_seconds": np.where(np.isin(b, [0, 1]), duration / 3, 0.0),
        "cost_usd": np.where(np.isin(b, [0, 1]), duration / 3 * 1.6, 0.0),
        "fidelity": fidelity,
        "duplicate": (rng.random(n) < 0.005).astype(np.int64),
        "trace_id": ids,
        "idempotency_key": ids,
    }
    assert list(columns) == list(JOB_EVENT_COLUMNS)
    pq.write_table(pa.table(columns), path, row_group_size=1_000_000)


def measure(path: Path, out: Path) -> dict[str, float]:
    """Run the report in a fresh interpreter; its timings and peak RSS."""
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def run(sizes: tuple[int, ...] = (1_000_000, 10_000_000)) -> list[Result]:
    targets = {1_000_000: 2.0, 10_000_000: 15.0}
    results = []
    with tempfile.TemporaryDirectory(prefix="qo-bench-report-") as tmp:
        for n in sizes:
            path = Path(tmp) / f"events-{n}.parquet"
            generate(n, path)
            m = measure(path, Path(tmp) / "out")
            path.unlink()
            limit = targets.get(n, 15.0)
            results.append(
                Result(
                    f"report over {n:,} events",
                    m["total"],
                    "s",
                    f"< {limit:g} s",
                    m["total"] < limit,
                    f"(CPU {m['cpu']:.2f} s, load average {os.getloadavg()[0]:.1f} on "
                    f"{os.cpu_count()} cores, peak RSS {m['peak'] / 2**30:.2f} GiB)",
                )
            )
            if n >= 10_000_000:
                results.append(
                    Result(
                        f"peak memory over {n:,} events",
                        m["peak"] / 2**30,
                        "GiB",
                        "< 6 GiB",
                        m["peak"] < 6 * 2**30,
                    )
                )
    return results


if __name__ == "__main__":
    for r in run(tuple(int(a) for a in sys.argv[1:]) or (1_000_000, 10_000_000)):
        print(r)
