"""Number formatting of the human-facing renderers."""

from __future__ import annotations

import math

import pytest

from qobserve.report.fmt import DASH, format_cell, num, pct, points, seconds


@pytest.mark.parametrize(("value", "text"), [
    (0.4, "400 ms"), (12.55, "12.6 s"), (754.0, "12.6 min"), (11160.0, "3.1 h"), (None, DASH),
])  # fmt: skip
def test_seconds(value: float | None, text: str) -> None:
    assert seconds(value) == text


def test_ratios_counts_and_missing_values() -> None:
    assert pct(0.99512) == "99.51%" and points(0.004) == "+0.40 pp" and points(-0.1) == "-10.00 pp"
    assert num(1234567.0) == "1,234,567" and num(2.5) == "2.50"
    assert format_cell(None, "pct") == DASH and format_cell(math.nan, "s") == DASH
    assert format_cell("ibm_a", "pct") == "ibm_a"  # text never goes through a number format
