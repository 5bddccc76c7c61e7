"""`qobserve exporter` on the command line: options, input errors, a real process and SIGTERM."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from qobserve.cli import main
from qobserve.cli.exporter import parse_duration
from qobserve.exceptions import InputError

from .conftest import exporter_process
from .http_client import get


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("60s", 60.0),
        ("1m30s", 90.0),
        ("500ms", 0.5),
        ("2h", 7200.0),
        ("1d", 86400.0),
        ("15", 15.0),
        ("0.25", 0.25),
        ("1.5m", 90.0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text, "--interval") == seconds


@pytest.mark.parametrize("text", ["", "abc", "10x", "-5s", "0", "s10", "1m 30s", "inf", "nan"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_duration(text, "--interval")
    assert err.value.field == "--interval"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--interval", "soon"], "--interval: not a duration"),
        (["--listen", "localhost"], "--listen: expected HOST:PORT"),
        (["--provider", "nope"], "--provider: unknown provider 'nope'"),
        (["--collector-timeout", "nope=1s"], "--collector-timeout: expected COLLECTOR=DURATION"),
        (["--provider-option", "aer.x=1"], "--provider-option: option for provider 'aer'"),
        (["--provider-option", "fake.colour=red"], "does not accept these options (colour)"),
        (["--concurrency", "0"], "--concurrency: must be at least 1"),
        (["--web-config-file", "/no/such/web.yml"], "/no/such/web.yml: cannot read web config"),
    ],
)
def test_bad_input_exits_2_with_a_message(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["exporter", *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith("qobserve exporter: error: ")
    assert message in err
    assert "Traceback" not in err


def test_ibm_without_an_account_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("QISKIT_IBM_TOKEN", raising=False)
    code = main(
        [
            "exporter",
            "--provider",
            "ibm",
            "--provider-option",
            f"ibm.account_file={tmp_path / 'none.json'}",
        ]
    )
    assert code == 2
    assert "no IBM Quantum account found" in capsys.readouterr().err


def test_a_real_exporter_process_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    args = ["--backends", "fake_manila,fake_lima", "--interval", "1s", "--per-qubit"]
    env = {"QISKIT_IBM_TOKEN": "never-printed-0123456789"}
    with exporter_process(tmp_path, args, env) as exporter:
        url, log = exporter.url, exporter.log
        body = get(url + "/metrics").body.decode()
        assert 'quantum_backend_up{backend="fake_manila"} 1.0' in body
        assert 'quantum_qubit_t1_seconds{backend="fake_lima",qubit="4"}' in body
        assert "fake_kyiv" not in body
        exporter.proc.send_signal(signal.SIGTERM)
        assert exporter.proc.wait(30) == 0
    text = log.read_text()
    assert "listening on http://127.0.0.1" in text
    assert "SIGTERM received, stopping" in text and "exporter stopped" in text
    assert "Traceback" not in text
    assert "never-printed" not in text
    with pytest.raises(OSError):
        get(url + "/healthz", timeout=2)
