"""Instants typed by people: ISO 8601 date-times with or without offset, plain dates, ``now``
or a time ago such as ``7d``.

A date is local midnight in the given zone; a date-time without offset is in that zone too
(UTC by default, the store's zone). Every result is an aware UTC ``datetime``.

>>> from datetime import UTC, datetime
>>> parse_instant("2026-11-16T19:10+01:00", field="--since")
datetime.datetime(2026, 11, 16, 18, 10, tzinfo=datetime.timezone.utc)
>>> parse_instant("2026-11-16", field="--since")
datetime.datetime(2026, 11, 16, 0, 0, tzinfo=datetime.timezone.utc)
>>> parse_instant("7d", field="--since", now=datetime(2026, 11, 23, tzinfo=UTC))
datetime.datetime(2026, 11, 16, 0, 0, tzinfo=datetime.timezone.utc)
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from qobserve.exceptions import InputError

# a time ago: one or more <number><unit> parts, as in Prometheus durations (1h30m, 7d, 2w)
_AGO = re.compile(r"^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d|w))+$")
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h|d|w)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def local_midnight(day: date, tz: tzinfo) -> datetime:
    """UTC instant of local midnight (zoneinfo resolves a skipped midnight forward)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def parse_instant(
    text: str, *, field: str, tz: tzinfo = UTC, now: datetime | None = None
) -> datetime:
    """``text`` as an aware UTC instant; an :class:`InputError` naming ``field`` if it is
    neither an ISO 8601 date or date-time, ``now``, nor a time ago (``30m``, ``12h``, ``7d``,
    ``2w``)."""
    value = text.strip()
    if value.lower() == "now":
        return (now or datetime.now(UTC)).astimezone(UTC)
    if _AGO.match(value):
        ago = sum(float(n) * _UNIT[u] for n, u in _PART.findall(value))
        return (now or datetime.now(UTC)).astimezone(UTC) - timedelta(seconds=ago)
    try:
        if len(value) == 10:
            local = datetime.combine(date.fromisoformat(value), time(0), tzinfo=tz)
            return local.astimezone(UTC)
        t = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(
            f"{text!r} is not an ISO 8601 date or date-time, nor a time ago like 7d or 12h",
            field=field,
        ) from None
    return (t if t.tzinfo else t.replace(tzinfo=tz)).astimezone(UTC)
