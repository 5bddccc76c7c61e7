"""Secrets never leave the process: a canary token planted everywhere a user may put one is
found in no output, in any spelling.

A real instrumented workload (``tests/data/canary_workload.py``) runs twice, with console and
with OTLP spans, against a real Pushgateway; then every sink is read: console and OTLP
spans, OTLP log records, qobserve's logs (stderr and every record, DEBUG included), the
process's ``/metrics``, the event
store's files, ``qobserve events export``, the Markdown and HTML report, the Pushgateway and
the ``/metrics`` of an exporter serving the store's job counts.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from qobserve.servers import free_port, start_pushgateway
from tests.conftest import DATA, require_binary
from tests.exporter.conftest import exporter_process
from tests.otlp import OTLPReceiver
from tests.reliability.conftest import run_cli

pytestmark = pytest.mark.servers

#: in a secret-named environment variable, so only its value can give it away
ENV_TOKEN = "envCanary0123456789QWERTYzx"
#: never in the environment: only token-shaped text gives it away
TEXT_TOKEN = "txtCanary9876543210ASDFGcv"


def _spellings(token: str) -> set[bytes]:
    """The token as an output may hold it: as is, URL-encoded, repr-escaped, base64, hex."""
    raw = token.encode()
    return {
        raw,
        quote(token, safe="").encode(),
        repr(token)[1:-1].encode(),
        base64.b64encode(raw),
        base64.urlsafe_b64encode(raw),
        raw.hex().encode(),
    }


def _run_workload(tmp_path: Path, tracing: str, gateway: str, otlp: str) -> dict[str, bytes]:
    store = tmp_path / f"{tracing}.db"
    out = tmp_path / tracing
    env = {
        **os.environ,
        "CANARY_SERVICE_TOKEN": ENV_TOKEN,
        "CANARY_TEXT": TEXT_TOKEN,
        "QOBSERVE_MAX_LABEL_VALUES": f"apikey {TEXT_TOKEN}",  # a bad variable is logged
    }
    args = [str(store), str(free_port()), gateway, tracing, otlp, str(out)]
    result = subprocess.run(
        [sys.executable, str(DATA / "canary_workload.py"), *args],
        capture_output=True,
        env=env,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outputs = {
        f"{tracing} run: stdout (console spans)": result.stdout,
        # qobserve's own lines; the SDKs' warnings (qiskit-ibm-runtime echoes options) are not
        # qobserve's to redact
        f"{tracing} run: stderr": b"\n".join(
            line for line in result.stderr.splitlines() if line.startswith(b"qobserve")
        ),
        f"{tracing} run: qobserve's logs": out.with_suffix(".log").read_bytes(),
        f"{tracing} run: process /metrics": out.with_suffix(".metrics").read_bytes(),
    }
    for path in tmp_path.glob(f"{tracing}.db*"):  # the database, its WAL and shared memory
        outputs[f"{tracing} run: event store {path.name}"] = path.read_bytes()
    return outputs


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as resp:
        body: bytes = resp.read()
    return body


def test_a_canary_secret_reaches_no_output(tmp_path: Path) -> None:
    require_binary("pushgateway")
    outputs: dict[str, bytes] = {}
    with start_pushgateway() as gateway, OTLPReceiver() as otlp:
        outputs |= _run_workload(tmp_path, "console", gateway.url, "")
        outputs |= _run_workload(tmp_path, "otlp", gateway.url, otlp.url)
        outputs["Pushgateway /metrics"] = _get(gateway.url + "/metrics")
        outputs["Pushgateway API"] = _get(gateway.url + "/api/v1/metrics")
        for path, requests in otlp.requests.items():
            outputs[f"OTLP {path}"] = b"".join(
                r.SerializeToString() + str(r).encode() for r in requests
            )
    store = tmp_path / "console.db"
    for what in ("jobs", "runs"):
        exported = run_cli(["events", "export", "--store", str(store), "--what", what], tmp_path)
        assert exported.returncode == 0, exported.stderr
        outputs[f"events export --what {what}"] = (exported.stdout + exported.stderr).encode()
    reports = tmp_path / "reports"
    report = run_cli(
        ["report", "--source", "store", "--store", str(store), "--format", "md,html",
         "--out", str(reports)],
        tmp_path,
    )  # fmt: skip
    assert report.returncode == 0, report.stderr
    for path in sorted(reports.rglob("*")):
        if path.is_file():
            outputs[f"report {path.name}"] = path.read_bytes()
    with exporter_process(tmp_path, ["--events", str(store), "--interval", "1h"]) as exporter:
        outputs["exporter /metrics"] = _get(exporter.url + "/metrics")

    leaks = [
        f"{where}: {spelling!r}"
        for where, data in outputs.items()
        for token in (ENV_TOKEN, TEXT_TOKEN)
        for spelling in _spellings(token)
        if spelling in data
    ]
    assert not leaks, "\n".join(leaks)

    # ...and not because a sink was empty: each holds the run, the canaries' places masked
    assert b"experiment canary" in outputs["console run: stdout (console spans)"]
    assert b"apikey [REDACTED]" in outputs["console run: stdout (console spans)"]
    assert b"QOBSERVE_MAX_LABEL_VALUES" in outputs["console run: qobserve's logs"]
    assert b'experiment="canary"' in outputs["console run: process /metrics"]
    assert b"experiment canary" in outputs["OTLP /v1/traces"]
    assert b"nightly-[REDACTED]" in outputs["OTLP /v1/logs"]
    assert b"nightly-[REDACTED]" in outputs["events export --what jobs"]
    assert b'experiment="canary"' in outputs["Pushgateway /metrics"]
    assert b'experiment="canary"' in outputs["exporter /metrics"]
    assert any(b"canary" in data for name, data in outputs.items() if name.endswith(".md"))
    assert any(b"canary" in data for name, data in outputs.items() if name.endswith(".html"))
