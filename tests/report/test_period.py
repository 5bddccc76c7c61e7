"""Reporting windows: ISO weeks in a time zone, DST weeks of 167 and 169 hours, ranges."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from qobserve.exceptions import InputError
from qobserve.report.period import Window


def test_plain_week_in_utc() -> None:
    w = Window.iso_week("2026-W47")
    # ISO week 47 of 2026 starts on Monday 16 November
    assert w.start == datetime(2026, 11, 16, tzinfo=UTC)
    assert w.end == datetime(2026, 11, 23, tzinfo=UTC)
    assert w.hours == 168 and len(w.days()) == 7


def test_spring_forward_week_has_167_hours() -> None:
    # Europe/Zurich moves from UTC+1 to UTC+2 on Sunday 29 March 2026 at 02:00
    w = Window.iso_week("2026-W13", "Europe/Zurich")
    assert w.start == datetime(2026, 3, 22, 23, tzinfo=UTC)  # Mon 23 March 00:00 CET
    assert w.end == datetime(2026, 3, 29, 22, tzinfo=UTC)  # Mon 30 March 00:00 CEST
    assert w.hours == 167
    days = w.days()
    assert [d.date for d in days][-1] == date(2026, 3, 29)
    assert [(d.end - d.start).total_seconds() / 3600 for d in days] == [24] * 6 + [23]


def test_fall_back_week_has_169_hours() -> None:
    # back from UTC+2 to UTC+1 on Sunday 25 October 2026 at 03:00
    w = Window.iso_week("2026-W43", "Europe/Zurich")
    assert w.hours == 169
    assert (w.days()[-1].end - w.days()[-1].start).total_seconds() == 25 * 3600
    assert w.previous().hours == 168 and w.previous().label == "2026-W42"


def test_events_land_in_local_days() -> None:
    w = Window.iso_week("2026-W47", "Pacific/Auckland")  # UTC+13 in November
    # Monday 00:00 in Auckland is Sunday 11:00 UTC
    assert w.start == datetime(2026, 11, 15, 11, tzinfo=UTC)
    assert w.days()[0].date == date(2026, 11, 16)


def test_last_full_week() -> None:
    # Saturday 21 Nov 2026 is in W47, so the last full week is W46; on Monday 23 it is W47
    assert Window.last_full_week(now=datetime(2026, 11, 21, 16, tzinfo=UTC)).label == "2026-W46"
    assert Window.last_full_week(now=datetime(2026, 11, 23, 0, 1, tzinfo=UTC)).label == "2026-W47"
    # 23:30 UTC on Sunday is already Monday in Zurich
    zurich = Window.last_full_week("Europe/Zurich", now=datetime(2026, 11, 22, 23, 30, tzinfo=UTC))
    assert zurich.label == "2026-W47"


def test_year_boundary_weeks() -> None:
    # 2026 has 53 ISO weeks; W53 runs from Mon 28 Dec 2026 into 2027
    w = Window.iso_week("2026-W53")
    assert w.start.date() == date(2026, 12, 28) and w.end.date() == date(2027, 1, 4)
    assert Window.iso_week("2027-W01").previous().label == "2026-W53"


def test_custom_range_and_its_previous_range() -> None:
    w = Window.between("2026-03-28", "2026-03-30", "Europe/Zurich")
    # two local days, the second one 23 h long
    assert w.hours == 47
    assert w.previous().start == datetime(2026, 3, 25, 23, tzinfo=UTC)
    assert w.previous().end == w.start


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: Window.iso_week("2026-47"), "--week"),
        (lambda: Window.iso_week("2025-W53"), "--week"),  # 2025 has 52 weeks
        (lambda: Window.iso_week("2026-W01", "Mars/Olympus"), "--tz"),
        (lambda: Window.between("2026-11-10", "2026-11-09"), "--to"),
        (lambda: Window.between("yesterday", "2026-11-09"), "--from"),
    ],
)
def test_bad_windows_name_the_option(call, field) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as err:
        call()
    assert err.value.field == field
