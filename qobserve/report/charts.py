"""Small inline SVG charts for the HTML report: no JavaScript, no plotting library.

Charts scale with the page (``viewBox``), carry a ``<title>`` for screen readers, and style
through CSS classes (``series-0``, ``grid``, ``threshold``) so the report's print stylesheet
can restyle them for paper. Missing values (``None``) break a line instead of pretending 0.

Example::

    svg = line_chart("Budget left", ["Mon", "Tue"], {"budget": [1.0, 0.8]},
                     y_format=lambda v: f"{v:.0%}", thresholds={"exhausted": 0.0})
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from html import escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 64, 16, 28, 40

Fmt = Callable[[float], str]


def _nice_ticks(lo: float, hi: float, n: int = 4) -> list[float]:
    """Round tick values covering ``[lo, hi]``."""
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / step) * step
    return [start + i * step for i in range(math.ceil((hi - start) / step) + 1)]


def _frame(
    title: str,
    labels: Sequence[str],
    ticks: list[float],
    y: Callable[[float], float],
    y_format: Fmt,
    body: list[str],
) -> str:
    n = max(len(labels), 1)
    slot = (WIDTH - LEFT - RIGHT) / n
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
        f'<text class="chart-title" x="{LEFT}" y="16">{escape(title)}</text>',
    ]
    for t in ticks:
        yy = y(t)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{yy:.1f}" y2="{yy:.1f}"/>'
        )
        parts.append(
            f'<text class="tick" x="{LEFT - 6}" y="{yy + 4:.1f}" '
            f'text-anchor="end">{escape(y_format(t))}</text>'
        )
    for i, label in enumerate(labels):
        parts.append(
            f'<text class="tick" x="{LEFT + slot * (i + 0.5):.1f}" '
            f'y="{HEIGHT - BOTTOM + 16}" text-anchor="middle">{escape(label)}</text>'
        )
    parts.extend(body)
    parts.append("</svg>")
    return "\n".join(parts)


#: a positive series spanning more than this ratio is drawn on a log axis
LOG_SPREAD = 100.0


def _log_scale(data: list[float]) -> tuple[list[float], Callable[[float], float]] | None:
    """Decade ticks and a log10 axis when every value is positive and they spread over
    more than :data:`LOG_SPREAD` (a 20 ms simulator p50 beside a 2 h QPU p95)."""
    if not data or min(data) <= 0 or max(data) / min(data) <= LOG_SPREAD:
        return None
    a, b = math.floor(math.log10(min(data))), math.ceil(math.log10(max(data)))
    ticks = [10.0**e for e in range(a, b + 1)]

    def y(v: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (math.log10(v) - a) / (b - a))

    return ticks, y


def _scale(
    values: list[float],
    extra: Sequence[float],
    zero: bool = True,
    ceiling: float | None = None,
    log: bool = False,
) -> tuple[list[float], Callable[[float], float]]:
    data = [v for v in (*values, *extra) if v is not None and math.isfinite(v)]
    scaled = _log_scale(data) if log else None
    if scaled is not None:
        return scaled
    lo, hi = (min(data), max(data)) if data else (0.0, 1.0)
    if zero:
        lo = min(lo, 0.0) if lo >= 0 else lo
    else:  # zoomed on the data: a little room below and above, never a flat axis
        pad = max((hi - lo) * 0.1, 0.001)
        lo, hi = lo - pad, hi + pad if ceiling is None else min(hi + pad, max(ceiling, hi))
    ticks = _nice_ticks(lo, hi)
    a, b = ticks[0], ticks[-1]

    def y(v: float) -> float:
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (v - a) / (b - a))

    return ticks, y


def line_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float | None]],
    *,
    y_format: Fmt = str,
    thresholds: dict[str, float] | None = None,
    zero: bool = True,
    ceiling: float | None = None,
    log: bool = False,
) -> str:
    """One line per series over ``labels`` (x positions), with optional dashed thresholds.
    ``zero=False`` zooms the axis on the data and thresholds instead of starting at 0;
    ``ceiling`` keeps that zoom's headroom below a bound (1.0 for ratios); ``log=True``
    draws a log axis when the values spread over more than :data:`LOG_SPREAD`."""
    thresholds = thresholds or {}
    flat = [v for s in series.values() for v in s if v is not None]
    ticks, y = _scale(flat, list(thresholds.values()), zero, ceiling, log)
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = []
    for name, level in thresholds.items():
        body.append(
            f'<line class="threshold" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
            f'y1="{y(level):.1f}" y2="{y(level):.1f}"><title>{escape(name)}</title></line>'
        )
    for k, (name, values) in enumerate(series.items()):
        segments: list[list[str]] = [[]]
        for i, v in enumerate(values):
            if v is None:
                segments.append([])
                continue
            segments[-1].append(f"{LEFT + slot * (i + 0.5):.1f},{y(v):.1f}")
            body.append(
                f'<circle class="series-{k}" cx="{LEFT + slot * (i + 0.5):.1f}" '
                f'cy="{y(v):.1f}" r="3"><title>{escape(name)} {escape(labels[i])}: '
                f"{escape(y_format(v))}</title></circle>"
            )
        for seg in segments:
            if len(seg) > 1:
                body.append(f'<polyline class="series-{k} line" points="{" ".join(seg)}"/>')
    body.append(_legend(list(series)))
    return _frame(title, labels, ticks, y, y_format, body)


def bar_chart(
    title: str, labels: Sequence[str], values: Sequence[float | None], *, y_format: Fmt = str
) -> str:
    """Vertical bars, one per label (None draws nothing)."""
    ticks, y = _scale([v for v in values if v is not None], ())
    slot = (WIDTH - LEFT - RIGHT) / max(len(labels), 1)
    body = []
    for i, v in enumerate(values):
        if v is None:
            continue
        top, base = y(max(v, 0.0)), y(min(v, 0.0))
        body.append(
            f'<rect class="bar series-0" x="{LEFT + slot * (i + 0.15):.1f}" '
            f'y="{top:.1f}" width="{slot * 0.7:.1f}" height="{max(base - top, 0.5):.1f}">'
            f"<title>{escape(labels[i])}: {escape(y_format(v))}</title></rect>"
        )
    return _frame(title, labels, ticks, y, y_format, body)


def _legend(names: list[str]) -> str:
    out, x = [], WIDTH - RIGHT
    for k in reversed(range(len(names))):
        x -= 12 + 7 * len(names[k])
        out.append(
            f'<rect class="series-{k}" x="{x}" y="8" width="8" height="8"/>'
            f'<text class="tick" x="{x + 11}" y="16">{escape(names[k])}</text>'
        )
    return "".join(out)
