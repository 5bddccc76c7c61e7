"""Event-based SLIs from job events, vectorised: one pass of numpy per SLO, no per-row Python.

Every event is placed once in a *bin* between consecutive boundaries the report needs (week
start and end, local midnights, the previous week, the SLO period before each day end). A
window's good/bad counts are then differences of cumulative bin counts, so the week, the
previous week, each day and the rolling period at each day end cost one ``bincount`` per SLO.

Good and bad per kind (``EventSLI.params``):

- ``job_success``: bad when ``outcome != "success"``.
- ``latency`` / ``queue_wait``: jobs with a ``duration_seconds`` / ``queue_seconds`` value;
  bad when above ``threshold_seconds`` (a histogram counts ``<= le`` as good, so this agrees
  with Prometheus).
- ``divergence``: rows with a ``fidelity`` value; bad when ``fidelity < fidelity_threshold``.
- ``duplicates``: every job; bad when ``duplicate`` is set.

``selectors`` (``{column: full-match regex}``) pick the events; a missing value is the empty
string, as a missing label is in PromQL.

Example::

    index = EventIndex(events.frame, boundaries)
    result = compute_event_slo(slo, index, week, previous)
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from qobserve.exceptions import InputError
from qobserve.report.events import FLAG_COLUMN, LABEL_COLUMNS, TIME_COLUMN
from qobserve.report.model import Breakdown, Counts, SLOResult
from qobserve.report.period import Window
from qobserve.slo.model import EVENT_KINDS, SLO, EventSLI, TimeSliceSLI

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)

NEEDS_PROMETHEUS = "needs Prometheus (--source prometheus URL): not computable from job events"


def boundaries(window: Window, previous: Window, periods: Iterable[timedelta]) -> list[datetime]:
    """Every instant a window of the report starts or ends at."""
    days = window.days()
    ends = [window.start, *(d.end for d in days)]
    out = {previous.start, previous.end, window.start, window.end, *ends}
    for p in periods:
        out.update(t - p for t in ends)
    return sorted(out)


class EventIndex:
    """The events of a report, binned between its boundaries."""

    def __init__(self, frame: pd.DataFrame, edges: list[datetime]) -> None:
        self.frame = frame
        self.edges = edges
        self._pos = {t: i for i, t in enumerate(edges)}
        ns = frame[TIME_COLUMN].array.asi8
        edge_ns = np.array([(t - _EPOCH) // _US * 1000 for t in edges], np.int64)
        # bin k holds [edges[k], edges[k+1]); events outside go to the overflow bin
        # len(edges) - 1, which no window reaches
        b = np.searchsorted(edge_ns, ns, side="right") - 1
        self.inside = (b >= 0) & (b < len(edges) - 1)
        self.bins = np.where(self.inside, b, len(edges) - 1)
        self._codes: dict[str, tuple[np.ndarray, pd.Index]] = {}

    def codes(self, column: str) -> tuple[np.ndarray, pd.Index]:
        """Category codes shifted by one (0 = missing) and the categories."""
        if column not in self._codes:
            cat = self.frame[column].array
            self._codes[column] = (np.asarray(cat.codes, np.int64) + 1, cat.categories)
        return self._codes[column]

    def cumulative(self, mask: np.ndarray) -> np.ndarray:
        """``c[k]`` = masked events before edge ``k``."""
        n = np.bincount(self.bins[mask], minlength=len(self.edges))[:-1]
        return np.concatenate(([0], np.cumsum(n)))

    def between(self, cum: np.ndarray, start: datetime, end: datetime) -> float:
        return float(cum[self._pos[end]] - cum[self._pos[start]])

    def in_window(self, start: datetime, end: datetime) -> np.ndarray:
        """Mask of events in ``[start, end)`` (both must be edges)."""
        return (self.bins >= self._pos[start]) & (self.bins < self._pos[end])

    def select(self, selectors: dict[str, str], where: tuple[str, str]) -> np.ndarray:
        """Mask of events whose columns fully match every selector regex."""
        mask = np.ones(len(self.frame), bool)
        for column, pattern in selectors.items():
            if column not in LABEL_COLUMNS:
                raise InputError(
                    f"unknown column {column!r}; selectors may use {', '.join(LABEL_COLUMNS)}",
                    path=where[0],
                    field=f"{where[1]}.selectors.{column}",
                )
            try:
                rx = re.compile(str(pattern))
            except re.error as err:
                raise InputError(
                    f"bad regex {pattern!r}: {err}",
                    path=where[0],
                    field=f"{where[1]}.selectors.{column}",
                ) from None
            codes, cats = self.codes(column)
            ok = np.array(
                [rx.fullmatch("") is not None, *(rx.fullmatch(str(c)) is not None for c in cats)],
                bool,
            )
            mask &= ok[codes]
        return mask


def good_bad_masks(slo: SLO, index: EventIndex) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the SLO's events (total) and of its bad events."""
    sli = slo.sli
    assert isinstance(sli, EventSLI) and sli.kind in EVENT_KINDS
    where = (slo.source, f"{slo.location or slo.name}.sli.params")
    params = sli.params
    f = index.frame
    total = index.select(dict(params.get("selectors") or {}), where)  # type: ignore[call-overload]
    if sli.kind == "job_success":
        codes, cats = index.codes("outcome")
        success = np.array([False, *(c == "success" for c in cats)], bool)
        total &= codes > 0
        bad = total & ~success[codes]
    elif sli.kind in ("latency", "queue_wait"):
        column = "duration_seconds" if sli.kind == "latency" else "queue_seconds"
        values = f[column].to_numpy()
        threshold = _param(params, "threshold_seconds", where)
        total &= ~np.isnan(values)
        bad = total & (values > threshold)
    elif sli.kind == "divergence":
        values = f["fidelity"].to_numpy()
        threshold = _param(params, "fidelity_threshold", where)
        total &= ~np.isnan(values)
        bad = total & (values < threshold)
    else:  # duplicates
        bad = total & f[FLAG_COLUMN].to_numpy()
    return total, bad


def _param(params: dict[str, object], name: str, where: tuple[str, str]) -> float:
    try:
        return float(params[name])  # type: ignore[arg-type]
    except (KeyError, TypeError, ValueError):
        raise InputError(
            f"needs a numeric {name}", path=where[0] or None, field=f"{where[1]}.{name}"
        ) from None


def base_result(slo: SLO) -> SLOResult:
    """An SLOResult with the SLO's identity and nothing measured yet."""
    return SLOResult(
        name=slo.name,
        service=slo.service,
        kind=slo.sli.kind,
        objective=slo.objective,
        period=slo.period,
        description=slo.description,
        time_slices=isinstance(slo.sli, TimeSliceSLI),
    )


def compute_event_slo(slo: SLO, index: EventIndex, window: Window, previous: Window) -> SLOResult:
    """The SLO's figures for ``window`` from events; unavailable for Prometheus-only kinds."""
    result = base_result(slo)
    if not isinstance(slo.sli, EventSLI) or slo.sli.kind not in EVENT_KINDS:
        result.available, result.note = False, NEEDS_PROMETHEUS
        return result
    total, bad = good_bad_masks(slo, index)
    good = total & ~bad
    cg, cb = index.cumulative(good), index.cumulative(bad)

    def counts(a: datetime, b: datetime) -> Counts:
        return Counts(index.between(cg, a, b), index.between(cb, a, b))

    result.fill(counts, window, previous)
    in_period = total & index.in_window(window.end - slo.period, window.end)
    if in_period.any():
        result.period_data_from = index.frame[TIME_COLUMN][in_period].min().to_pydatetime()
    week = index.in_window(window.start, window.end)
    # positions once, then three cheap takes, instead of three passes over every event
    wg, wb = np.flatnonzero(good & week), np.flatnonzero(bad & week)
    result.error_types = [(n, c.bad) for n, c in _by(index, "error_type", wg, wb) if c.bad > 0]
    result.error_types.sort(key=lambda x: -x[1])
    result.backends = [Breakdown(n, c) for n, c in _by(index, "backend", wg, wb)]
    result.experiments = [Breakdown(n, c) for n, c in _by(index, "experiment", wg, wb)]
    return result


def _by(
    index: EventIndex, column: str, good: np.ndarray, bad: np.ndarray
) -> list[tuple[str, Counts]]:
    """Counts per value of ``column`` (missing values as ``(unknown)``), most events first."""
    codes, cats = index.codes(column)
    n = len(cats) + 1
    g = np.bincount(codes[good], minlength=n)
    b = np.bincount(codes[bad], minlength=n)
    names = ["(unknown)", *map(str, cats)]
    rows = [(names[i], Counts(float(g[i]), float(b[i]))) for i in np.flatnonzero(g + b)]
    return sorted(rows, key=lambda r: (-r[1].total, r[0]))
