"""configure(): settings, idempotence, and telemetry that fails without breaking user code."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import qobserve
from qobserve.config import Config
from qobserve.exceptions import InputError
from qobserve.servers import free_port
from qobserve.testing import capture


def run_python(
    code: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter (configure() is once per process)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        cwd=cwd,
    )


def test_settings_come_from_arguments_then_environment_then_defaults() -> None:
    env = {
        "QOBSERVE_TRACING": "none",
        "QOBSERVE_MAX_LABEL_VALUES": "7",
        "OTEL_SERVICE_NAME": "from-otel",
        "QOBSERVE_STORE": "off",
    }
    config = Config.resolve({"max_label_values": 9}, env)
    assert config.max_label_values == 9  # argument wins
    assert config.tracing == "none" and config.store_path is None  # environment
    assert config.service_name == "from-otel"  # standard OTel variable honoured
    assert config.flush_interval == 1.0  # default


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"QOBSERVE_METRICS_PORT": "http"}, "QOBSERVE_METRICS_PORT"),
        ({"QOBSERVE_TRACING": "jaeger"}, "QOBSERVE_TRACING"),
        ({"QOBSERVE_DIVERGENCE_THRESHOLD": "2"}, "QOBSERVE_DIVERGENCE_THRESHOLD"),
    ],
)
def test_bad_setting_names_the_variable(env: dict[str, str], field: str) -> None:
    with pytest.raises(InputError) as info:
        Config.resolve({}, env)
    assert info.value.field == field


def test_bad_environment_does_not_break_the_experiment(tmp_path: Path) -> None:
    result = run_python(
        """
        import qobserve
        @qobserve.experiment("x")
        def f():
            return 42
        print(f())
    """,
        env={"QOBSERVE_METRICS_PORT": "not-a-port", "QOBSERVE_STORE": "none"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"
    assert "QOBSERVE_METRICS_PORT" in result.stderr  # the user is told what is wrong


def test_a_registry_conflict_does_not_break_the_experiment(tmp_path: Path) -> None:
    result = run_python(
        """
        from prometheus_client import Counter
        Counter("quantum_jobs", "the application's own metric with a contract name")
        import qobserve
        print(qobserve.experiment("x")(lambda: 42)())
        tel = qobserve.get_telemetry()
        print(tel.registry.get_sample_value("quantum_experiments_total",
                                            {"experiment": "x", "outcome": "success"}))
    """,
        env={"QOBSERVE_STORE": "none"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["42", "1.0"]  # measured on a registry of its own
    assert "Duplicated timeseries" in result.stderr  # and the user is told why


def test_configure_is_idempotent_and_serves_metrics(tmp_path: Path) -> None:
    port = free_port()
    result = run_python(
        f"""
        import urllib.request, qobserve
        a = qobserve.configure(metrics_port={port}, store_path=None, tracing="none")
        b = qobserve.configure()
        assert a is b and qobserve.get_telemetry() is a
        qobserve.experiment("served")(lambda: None)()
        body = urllib.request.urlopen(a.metrics_url).read().decode()
        print(a.metrics_url)
        print([l for l in body.splitlines() if l.startswith("quantum_experiments_total")])
    """,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert f"127.0.0.1:{port}/metrics" in result.stdout
    assert 'experiment="served",outcome="success"} 1.0' in result.stdout


def test_default_store_is_created_under_dot_qobserve(tmp_path: Path) -> None:
    result = run_python(
        """
        import qobserve
        qobserve.experiment("stored")(lambda: None)()
    """,
        env={"QOBSERVE_TRACING": "none"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    import sqlite3

    with sqlite3.connect(tmp_path / ".qobserve" / "events.db") as conn:  # flushed at exit
        rows = conn.execute("SELECT experiment, outcome FROM experiment_runs").fetchall()
    assert rows == [("stored", "success")]


def test_unwritable_store_is_counted_and_the_experiment_runs(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    with capture(store_path=blocker / "events.db") as cap:
        assert qobserve.experiment("no-store")(lambda: 5)() == 5
    assert cap.telemetry.store is None
    assert cap.sample("qobserve_internal_errors_total", component="store") == 1
    assert cap.sample("quantum_experiments_total", experiment="no-store", outcome="success") == 1


def test_otlp_endpoint_down_is_counted_and_the_experiment_runs(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "1")
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    with capture(tracing="otlp", otlp_endpoint=dead, store_path=None) as cap:
        caplog.set_level(logging.CRITICAL, logger="opentelemetry")
        assert qobserve.experiment("traced")(lambda: "ok")() == "ok"
        cap.telemetry.flush(timeout=10)  # the export fails in the background
    assert (cap.sample("qobserve_internal_errors_total", component="otlp") or 0) >= 1
    assert cap.sample("quantum_experiments_total", experiment="traced", outcome="success") == 1


def test_full_queue_drops_are_counted_and_never_block() -> None:
    with capture(queue_size=10, flush_interval=60) as cap:
        for _ in range(25):
            qobserve.experiment("burst")(lambda: None)()
        assert cap.sample("qobserve_events_dropped_total") == 15
        assert len(cap.experiment_runs()) == 10
    assert cap.sample("quantum_experiments_total", experiment="burst", outcome="success") == 25


def test_import_needs_only_the_core_dependencies() -> None:
    # Block every optional dependency: import, configure and a decorated run must still work.
    result = run_python("""
        import sys
        BLOCKED = ("qiskit", "qiskit_ibm_runtime", "qiskit_aer", "pandas", "pyarrow", "yaml",
                   "grafanalib", "numpy", "opentelemetry.sdk", "promql_parser")
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in BLOCKED or name.startswith("opentelemetry.sdk"):
                    raise ImportError(f"blocked {name}")
        sys.meta_path.insert(0, Block())
        import qobserve
        from qobserve.errors import classify
        qobserve.configure(store_path=None)
        print(qobserve.experiment("core")(lambda: 1)(), classify(TimeoutError()))
        print(sorted(m for m in sys.modules if m.split(".")[0] in BLOCKED))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["1 timeout", "[]"]


def test_tracing_mode_needing_the_sdk_degrades_without_it() -> None:
    result = run_python("""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.startswith("opentelemetry.sdk"):
                    raise ImportError(name)
        sys.meta_path.insert(0, Block())
        import qobserve
        tel = qobserve.configure(tracing="console", store_path=None)
        print(qobserve.experiment("x")(lambda: 2)(), tel.tracer)
        print(tel.registry.get_sample_value("qobserve_internal_errors_total",
                                            {"component": "tracing"}))
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["2 None", "1.0"]


def test_a_bad_variable_never_makes_configure_raise_nor_drops_its_arguments(
    tmp_path: Path,
) -> None:
    result = run_python(
        """
        import qobserve
        tel = qobserve.configure(service_name="vqe", store_path=None, tracing="none")
        print(tel.config.service_name, tel.config.queue_size, tel.config.metrics_port)
    """,
        env={"QOBSERVE_METRICS_PORT": "http", "QOBSERVE_QUEUE_SIZE": "5"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["vqe", "5", "None"]  # arguments and good variables kept
    assert "QOBSERVE_METRICS_PORT: 'http' is not an integer; ignored" in result.stderr


def test_reconfigure_changes_the_settings_of_a_running_process(tmp_path: Path) -> None:
    """A notebook re-running its set-up cell: the new settings apply, metrics keep working."""
    result = run_python(
        """
        import qobserve
        first = qobserve.configure(service_name="a", store_path=None, tracing="none")
        again = qobserve.configure(service_name="b", store_path=None, tracing="none")
        print(again is first, again.config.service_name)
        second = qobserve.configure(service_name="b", store_path=None, tracing="none",
                                    reconfigure=True)
        print(second is first, second.config.service_name)
        print(qobserve.experiment("x")(lambda: 42)())
        print(second.registry.get_sample_value(
            "quantum_experiments_total", {"experiment": "x", "outcome": "success"}))
        qobserve.reset()
        print(qobserve.get_telemetry() is second)
    """,
        env={"QOBSERVE_STORE": "none"},
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "a", "False", "b", "42", "1.0", "False"]
