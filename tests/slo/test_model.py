"""The SLO model's derived values."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from qobserve.slo.model import (
    SLI_WINDOWS,
    SLO,
    EventSLI,
    duration_str,
    sli_bad_record,
    sli_total_record,
)


def slo(objective: float, period: timedelta = timedelta(days=28)) -> SLO:
    return SLO("s", "svc", objective, period, EventSLI("job_success"))


def test_error_budget_is_exact_in_decimal() -> None:
    assert slo(0.999).error_budget == 0.001
    assert slo(0.95).error_budget == 0.05
    assert 1.0 - 0.999 != 0.001  # what the decimal arithmetic avoids


@given(st.integers(min_value=1, max_value=99_999))
def test_error_budget_of_any_percentage(per_mille: int) -> None:
    objective = per_mille / 100_000
    assert abs(slo(objective).error_budget - (1 - objective)) < 1e-15


def test_windows_and_names() -> None:
    assert slo(0.99).windows == (*SLI_WINDOWS, "28d")
    assert slo(0.99, timedelta(hours=100)).period_str == "100h"
    assert duration_str(timedelta(seconds=90)) == "90s"
    assert sli_total_record("1h") == "slo:sli_total:rate1h"
    assert sli_bad_record("28d") == "slo:sli_bad:rate28d"
