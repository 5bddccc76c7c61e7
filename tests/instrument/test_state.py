"""Instrumentation state is owned by the telemetry: capture() isolates it, uninstrument()
resets it, and the pre-submission hook (budgets) can refuse a submission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

import qobserve
from qobserve.instrument import QiskitInstrumentor, idempotency_key
from qobserve.testing import capture

if TYPE_CHECKING:
    from qobserve.instrument.adapter import Submission


def _run(aer: Any, bell: Any) -> Any:
    return aer.run(bell, shots=10).result()


def test_consecutive_captures_do_not_share_keys(
    aer: Any, bell: Any, instrumented: QiskitInstrumentor
) -> None:
    for _ in range(2):
        with capture() as cap, idempotency_key("nightly"):
            _run(aer, bell)
        assert [e["duplicate"] for e in cap.job_events()] == [0]


def test_capture_restores_the_previous_state(
    aer: Any, bell: Any, instrumented: QiskitInstrumentor
) -> None:
    with capture() as outer:
        with idempotency_key("k"):
            _run(aer, bell)
        with capture(), idempotency_key("k"):
            _run(aer, bell)  # the inner block's own state: not a duplicate there
        with idempotency_key("k"):
            _run(aer, bell)  # back in the outer block: its second use of the key
    assert [e["duplicate"] for e in outer.job_events()] == [0, 1]


def test_uninstrument_resets_the_automatic_key_scope(aer: Any, bell: Any) -> None:
    instrumentor = QiskitInstrumentor()
    instrumentor.instrument(auto_idempotency="off")
    instrumentor.uninstrument()
    instrumentor.instrument()  # the default scope again: per run
    try:
        with capture() as cap:
            qobserve.experiment("twice")(lambda: (_run(aer, bell), _run(aer, bell)))()
        assert [e["duplicate"] for e in cap.job_events()] == [0, 1]
    finally:
        instrumentor.uninstrument()


def test_rows_stay_readable_after_the_block(aer: Any, bell: Any, instrumented: Any) -> None:
    """The docs/configuration.md example reads the rows after the block."""

    @qobserve.experiment("bell")
    def bell_run() -> Any:
        return _run(aer, bell)

    with capture() as cap:
        bell_run()
    assert cap.sample("quantum_experiments_total", experiment="bell", outcome="success") == 1
    assert cap.experiment_runs()[0]["outcome"] == "success"
    assert [e["backend"] for e in cap.job_events()] == ["aer_simulator"]


class Refused(Exception):
    pass


def test_a_pre_submission_hook_can_refuse(aer: Any, bell: Any, instrumented: Any) -> None:
    seen: list[tuple[str, str, int | None, str]] = []

    def budget(submission: Submission, experiment: str) -> None:
        seen.append((submission.backend, submission.primitive,
                     submission.work.requested_shots(), experiment))  # fmt: skip
        if len(seen) > 1:
            raise Refused("over budget")

    with capture() as cap:
        cap.telemetry.instrumentation.add_pre_submit(budget)
        qobserve.experiment("budgeted")(lambda: _run(aer, bell))()
        with pytest.raises(Refused):
            aer.run(bell, shots=20)
    assert seen == [
        ("aer_simulator", "backend.run", 10, "budgeted"),
        ("aer_simulator", "backend.run", 20, "__none__"),
    ]
    assert len(cap.job_events()) == 1  # the refused submission is no job
    refused = [s for s in cap.spans() if s.attributes.get("qobserve.submission.refused")]
    assert [s.name for s in refused] == ["submit backend.run aer_simulator"]
