"""``qobserve gate`` and ``qobserve.require_error_budget``: real jobs on a fake backend in a
real store; exit 0 with budget left, 1 without (the policy printed), 2 on bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import qobserve
from qobserve.cli import main
from qobserve.exceptions import ErrorBudgetExhausted
from qobserve.instrument.instrumentor import QiskitInstrumentor
from qobserve.testing import Capture, capture
from tests.conftest import CATALOG

pytestmark = pytest.mark.filterwarnings("ignore:The SamplerV2 class is deprecated")


@pytest.fixture(scope="module")
def manila() -> Any:
    from qiskit_ibm_runtime.fake_provider import FakeManilaV2

    return FakeManilaV2()


@pytest.fixture
def cap(tmp_path: Path) -> Iterator[Capture]:
    instrumentor = QiskitInstrumentor()
    instrumentor.instrument()
    try:
        with capture(store_path=str(tmp_path / "events.db")) as captured:
            yield captured
    finally:
        instrumentor.uninstrument()


def _succeed(backend: Any, n: int) -> None:
    from qiskit import QuantumCircuit, transpile

    qc = QuantumCircuit(2)
    qc.h(0)
    qc.cx(0, 1)
    qc.measure_all()
    isa = transpile(qc, backend, optimization_level=0, seed_transpiler=1)
    for _ in range(n):
        backend.run(isa, shots=20).result()


def _fail(backend: Any) -> None:
    """A job the SDK rejects: a 7-qubit circuit for 5-qubit Manila (``invalid_input``)."""
    from qiskit import QuantumCircuit
    from qiskit_ibm_runtime import SamplerV2

    qc = QuantumCircuit(7)
    qc.h(0)
    qc.measure_all()
    with pytest.raises(Exception, match="7 qubits"):
        SamplerV2(mode=backend).run([qc])


def test_gate_opens_with_budget_left_and_closes_without(
    cap: Capture, manila: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = str(tmp_path / "events.db")
    _succeed(manila, 30)
    assert cap.telemetry.flush(10)
    assert (
        main(["gate", "--slo", "job-success-qpu", "--store", store, "--slo-dir", str(CATALOG)]) == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "job-success-qpu: error budget left 100.0% (threshold 10.0%): ok"
    assert out[1] == (
        "  objective 99.0000% over 28d; 30 events in the period, 0 bad (error budget 1.0000%)"
    )
    assert not any(line.startswith("  policy:") for line in out)

    _fail(manila)  # 1 bad of 31: 3.2 % errors against a 1 % budget
    assert cap.telemetry.flush(10)
    assert main(["gate", "--slo", "job-success-qpu", "--store", store, "--slo-dir", str(CATALOG),
                 "--min-budget", "0"]) == 1  # fmt: skip
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "job-success-qpu: error budget left -222.6% (threshold 0.0%): budget too low"
    policy = next(s for s in qobserve.slo.load([CATALOG]) if s.name == "job-success-qpu").policy
    assert policy and out[-1] == f"  policy: {policy}"

    # the same check in code, on the store this process writes to
    with pytest.raises(ErrorBudgetExhausted) as err:
        qobserve.require_error_budget("job-success-qpu", slos=CATALOG)
    assert str(err.value).startswith(
        "SLO 'job-success-qpu': -222.6% of its error budget left, at or below 10.0%. Policy: "
    )
    assert err.value.remaining == pytest.approx(1 - (1 / 31) / 0.01)


def test_no_events_is_an_untouched_budget(cap: Capture, capsys: pytest.CaptureFixture[str]) -> None:
    assert qobserve.require_error_budget("job-success-qpu", slos=CATALOG).remaining is None
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slo", "nope"], "--slo: unknown SLO 'nope'; known: backend-availability"),
        (["--slo", "job-success-qpu", "--min-budget", "1.5"],
         "--min-budget: must be at least 0 and below 1, got 1.5"),
        (["--slo", "backend-availability"], "--slo: SLO 'backend-availability' cannot be "
         "computed from event store"),
        (["--slo", "job-success-qpu", "--prometheus", "ftp://x"], "--prometheus: "),
    ],
)  # fmt: skip
def test_bad_input_is_exit_2_naming_the_field(
    cap: Capture, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
    message: str,
) -> None:  # fmt: skip
    assert cap.telemetry.flush(10)
    store = str(tmp_path / "events.db")
    assert main(["gate", *args, "--slo-dir", str(CATALOG),
                 *([] if "--prometheus" in args else ["--store", store])]) == 2  # fmt: skip
    err = capsys.readouterr().err
    assert err.startswith("qobserve gate: error: ") and message in err
    assert "Traceback" not in err
