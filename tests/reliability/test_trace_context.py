"""Item 4: a failure while recording an experiment's outcome never leaks its trace context."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import qobserve
from qobserve.context import current_run
from qobserve.testing import capture


class _Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("__str__ failed")


def _raise_unprintable() -> None:
    @qobserve.experiment("unprintable")
    def fails() -> None:
        raise _Unprintable

    with pytest.raises(_Unprintable):
        fails()


def _validate_with_array() -> None:
    @qobserve.experiment("array-validated", validate=lambda _r: np.array([True, False]))
    def returns() -> int:
        return 1

    assert returns() == 1


@pytest.mark.parametrize("first", [_raise_unprintable, _validate_with_array])
def test_next_experiment_is_a_root_span_after_a_failed_recording(first: Any) -> None:
    @qobserve.experiment("next")
    def after() -> None:
        pass

    with capture() as cap:
        first()
        assert current_run() is None
        after()
        spans = {s.name: s for s in cap.spans()}
    assert len(spans) == 2
    (failed,) = [s for s in spans.values() if s.name != "experiment next"]
    assert failed.end_time is not None  # ended, so exported
    assert spans["experiment next"].parent is None  # not a child of the failed run


def test_unprintable_exception_is_recorded_as_an_error() -> None:
    with capture() as cap:
        _raise_unprintable()
        assert (
            cap.sample("quantum_experiments_total", experiment="unprintable", outcome="error") == 1
        )
        (span,) = cap.spans()
        assert span.status.status_code.name == "ERROR"


def test_validator_returning_an_array_marks_the_run_invalid() -> None:
    with capture() as cap:
        _validate_with_array()
        assert (
            cap.sample("quantum_experiments_total", experiment="array-validated", outcome="invalid")
            == 1
        )
        assert [r["outcome"] for r in cap.experiment_runs()] == ["invalid"]
