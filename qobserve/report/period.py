"""Reporting windows: ISO weeks and date ranges in a time zone, with exact lengths across DST.

A week is Monday 00:00 to the next Monday 00:00 *local time*, so a week with a DST change
lasts 167 or 169 hours. Every instant is kept in UTC; the zone only decides where days and
weeks begin.

Example::

    w = Window.iso_week("2026-W13", "Europe/Zurich")
    w.hours                   # 167.0: clocks go forward on Sunday 29 March 2026
    [d.date for d in w.days()][-1]   # datetime.date(2026, 3, 29)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qobserve.exceptions import InputError
from qobserve.instants import local_midnight, parse_instant

_WEEK = re.compile(r"(\d{4})-W(\d{1,2})")
#: years a window may fall in: reports look weeks back and ahead of it, and event times are
#: nanosecond timestamps (which end in 2262)
FIRST_YEAR, LAST_YEAR = 1970, 2200


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``, or an :class:`InputError` naming the ``--tz`` option."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"unknown time zone {name!r}", field="--tz") from None


@dataclass(frozen=True)
class Day:
    """One local calendar day inside a window, as UTC instants ``[start, end)``."""

    date: date
    start: datetime
    end: datetime


@dataclass(frozen=True)
class Window:
    """A reporting window ``[start, end)`` in UTC, labelled and tied to a time zone."""

    start: datetime
    end: datetime
    tz: ZoneInfo
    label: str
    #: "week" for ISO weeks (the previous window is the previous ISO week), else "range"
    kind: str = "range"

    @classmethod
    def iso_week(cls, spec: str, tz: str | ZoneInfo = "UTC") -> Window:
        """The ISO week ``spec`` (``2026-W47``) in ``tz``."""
        tzinfo = zone(tz) if isinstance(tz, str) else tz
        m = _WEEK.fullmatch(spec.strip())
        if not m:
            raise InputError(f"{spec!r} is not an ISO week like 2026-W47", field="--week")
        try:
            monday = date.fromisocalendar(int(m[1]), int(m[2]), 1)
        except ValueError as err:
            raise InputError(f"{spec!r}: {err}", field="--week") from None
        _check_year(monday, "--week")
        return cls.for_week_of(monday, tzinfo)

    @classmethod
    def for_week_of(cls, day: date, tz: ZoneInfo) -> Window:
        """The ISO week that contains ``day``."""
        monday = day - timedelta(days=day.isoweekday() - 1)
        year, week, _ = monday.isocalendar()
        return cls(
            local_midnight(monday, tz),
            local_midnight(monday + timedelta(days=7), tz),
            tz,
            f"{year}-W{week:02d}",
            "week",
        )

    @classmethod
    def last_full_week(cls, tz: str | ZoneInfo = "UTC", now: datetime | None = None) -> Window:
        """The last ISO week that has ended by ``now`` (default: the current time)."""
        tzinfo = zone(tz) if isinstance(tz, str) else tz
        today = (now or datetime.now(UTC)).astimezone(tzinfo).date()
        return cls.for_week_of(today - timedelta(days=7), tzinfo)

    @classmethod
    def between(cls, start: str, end: str, tz: str | ZoneInfo = "UTC") -> Window:
        """``[start, end)`` from ISO dates (local midnight) or ISO date-times."""
        tzinfo = zone(tz) if isinstance(tz, str) else tz
        a = parse_instant(start, field="--from", tz=tzinfo)
        b = parse_instant(end, field="--to", tz=tzinfo)
        _check_year(a, "--from")
        _check_year(b, "--to")
        if b <= a:
            raise InputError(f"{end!r} is not after {start!r}", field="--to")
        label = f"{start.strip()}..{end.strip()}"
        return cls(a, b, tzinfo, label, "range")

    @classmethod
    def choose(
        cls,
        week: str | None = None,
        start: str | None = None,
        end: str | None = None,
        tz: str | ZoneInfo = "UTC",
        now: datetime | None = None,
    ) -> Window:
        """The window a user asked for: ``start``..``end``, else the ISO ``week``, else the
        last full week before ``now``."""
        if (start is None) != (end is None):
            raise InputError("--from and --to go together", field="--from")
        if start is not None and end is not None:
            return cls.between(start, end, tz)
        if week:
            return cls.iso_week(week, tz)
        return cls.last_full_week(tz, now)

    @property
    def this(self) -> str:
        """How the text names this window: ``this week`` or ``in the range``."""
        return "this week" if self.kind == "week" else "in the range"

    @property
    def end_name(self) -> str:
        """How the text names its end: ``week end`` or ``the range's end``."""
        return "week end" if self.kind == "week" else "the range's end"

    @property
    def length(self) -> str:
        """Its length for people: ``168 h``, ``167 h`` across DST, ``41 h 56 min``."""
        minutes = round(self.seconds / 60)
        hours, rest = divmod(minutes, 60)
        if hours == 0:
            return f"{rest} min"
        return f"{hours} h" if rest == 0 else f"{hours} h {rest} min"

    @property
    def seconds(self) -> float:
        """Length in seconds (UTC arithmetic, so DST changes count)."""
        return (self.end - self.start).total_seconds()

    @property
    def hours(self) -> float:
        """Length in hours: 168 for most weeks, 167 or 169 across a DST change."""
        return self.seconds / 3600

    def local(self, t: datetime) -> datetime:
        """``t`` in the window's time zone."""
        return t.astimezone(self.tz)

    def days(self) -> list[Day]:
        """Local calendar days that overlap the window, clipped to it."""
        first = self.local(self.start).date()
        last = self.local(self.end - timedelta(microseconds=1)).date()
        out = []
        for i in range((last - first).days + 1):  # bounded by the window's length in days
            d = first + timedelta(days=i)
            out.append(
                Day(
                    d,
                    max(self.start, local_midnight(d, self.tz)),
                    min(self.end, local_midnight(d + timedelta(days=1), self.tz)),
                )
            )
        return out

    def previous(self) -> Window:
        """The window just before: the previous ISO week, or a range of the same local days."""
        if self.kind == "week":
            return Window.for_week_of(self.local(self.start).date() - timedelta(days=7), self.tz)
        a, b = self.local(self.start), self.local(self.end)
        if a.time() == time(0) and b.time() == time(0):
            n = (b.date() - a.date()).days
            start = local_midnight(a.date() - timedelta(days=n), self.tz)
        else:
            start = self.start - (self.end - self.start)
        return Window(start, self.start, self.tz, f"before {self.label}", "range")


def _check_year(day: date, option: str) -> None:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise InputError(
            f"{day.isoformat()} is outside the years {FIRST_YEAR} to {LAST_YEAR}", field=option
        )
