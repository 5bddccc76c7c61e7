"""Number formatting shared by the Markdown and HTML renderers (one style for both).

Example::

    pct(0.99512)      # '99.51%'
    seconds(754.0)    # '12.6 min'
    cell(None)        # an en dash
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime

DASH = "\N{EN DASH}"


def _missing(x: object) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def pct(x: float | None, digits: int = 2) -> str:
    """A ratio as a percentage: ``0.995`` -> ``99.50%``."""
    return DASH if _missing(x) else f"{x * 100:.{digits}f}%"  # type: ignore[operator]


def points(x: float | None) -> str:
    """A difference of ratios in percentage points, signed: ``+0.40 pp``."""
    return DASH if _missing(x) else f"{x * 100:+.2f} pp"  # type: ignore[operator]


def num(x: float | None, digits: int = 2) -> str:
    """Counts without decimals and with thousands separators, other numbers to ``digits``."""
    if _missing(x):
        return DASH
    v = float(x)  # type: ignore[arg-type]
    if v.is_integer() and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.{digits}f}"


def rate(x: float | None) -> str:
    """A burn rate: ``2.35x``."""
    return DASH if _missing(x) else f"{x:.2f}x"


def seconds(x: float | None) -> str:
    """A duration in the largest readable unit: ``850 ms``, ``12.6 s``, ``12.6 min``, ``3.1 h``."""
    if _missing(x):
        return DASH
    v = float(x)  # type: ignore[arg-type]
    if v < 1:
        return f"{v * 1000:.0f} ms"
    if v < 120:
        return f"{v:.1f} s"
    if v < 7200:
        return f"{v / 60:.1f} min"
    return f"{v / 3600:.1f} h"


def usd(x: float | None) -> str:
    return DASH if _missing(x) else f"${x:,.2f}"


def cell(x: object) -> str:
    """Any table cell: numbers via :func:`num`, dates ISO, missing as a dash."""
    if _missing(x):
        return DASH
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int | float):
        return num(x)
    if isinstance(x, datetime):
        return x.strftime("%Y-%m-%d %H:%M %Z").strip()
    if isinstance(x, date):
        return x.isoformat()
    return str(x)


_FORMATS: dict[str, Callable[[float], str]] = {
    "pct": pct,
    "s": seconds,
    "usd": usd,
    "num": num,
    "rate": rate,
    "points": points,
    "ratio": lambda x: num(x, 3),
}


def format_cell(x: object, kind: str = "") -> str:
    """A table cell printed by its column's format (see ``Table.formats``)."""
    f = _FORMATS.get(kind)
    if f is None or _missing(x) or not isinstance(x, int | float):
        return cell(x)
    return f(x)
