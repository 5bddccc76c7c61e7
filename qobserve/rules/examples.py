"""Example input series for an SLO: which series to increment for a good or a bad event.

Generated promtool tests need series that the SLO's queries select. For the built-in kinds the
metrics are known from the contract; for PromQL written by hand (Sloth, OpenSLO, ``raw``,
``counter_ratio``) the label values are solved from the queries' matchers, when each side
selects a single metric. ``None`` means no example could be derived.

Example::

    traffic = event_traffic(slo)
    traffic.bad[0].name    # 'quantum_jobs_total' (with outcome="error")
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import cast

from qobserve import contract
from qobserve.slo.model import SLO, EventSLI, TimeSliceSLI
from qobserve.slo.promql import Selector, division_operands, fmt_number, quote, selectors

#: Values tried for an unconstrained or excluded label, before generating one from a regex.
_DEFAULTS: dict[str, tuple[str, ...]] = {
    "backend": ("backend_a",), "provider": ("provider_a",), "backend_type": contract.BACKEND_TYPES,
    "experiment": ("experiment_a",), "outcome": contract.OUTCOMES,
    "error_type": contract.ERROR_TYPES, "verdict": contract.VERDICTS, "reason": ("timeout",),
}  # fmt: skip
_OTHER_VALUES = ("", "ok", "200", "other", "x0")


@dataclass(frozen=True)
class Series:
    """One input series of a promtool test."""

    name: str
    labels: tuple[tuple[str, str], ...]

    def __str__(self) -> str:
        inner = ",".join(f"{k}={quote(v)}" for k, v in self.labels if v)
        return f"{self.name}{{{inner}}}" if inner else self.name


@dataclass(frozen=True)
class EventTraffic:
    """Counters a good event increments and counters a bad event increments."""

    good: tuple[Series, ...]
    bad: tuple[Series, ...]

    def series(self) -> list[Series]:
        """Every series involved, in a stable order."""
        return list(dict.fromkeys((*self.good, *self.bad)))


@dataclass(frozen=True)
class GaugeSlices:
    """A gauge whose value is ``offset + slope * minutes``: good or bad slices by offset."""

    series: Series
    good_offset: float
    bad_offset: float
    slope: float = 0.0


def labels_of(series_labels: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """Labels as a sorted tuple, empty values dropped (an empty label is no label)."""
    return tuple(sorted((k, v) for k, v in series_labels.items() if v))


def sample(regex: str) -> str | None:
    r"""A string ``regex`` fully matches (non-empty when the regex allows), or None.

    >>> sample("fake_(manila|kyiv)"), sample("[^a-z]+\\d"), sample("(")
    ('fake_manila', '00', None)
    """
    try:
        re.compile(regex)
        text = _Sampler(regex).whole()
    except (re.error, ValueError):
        return None
    return text if re.fullmatch(regex, text) else None


#: what one character of ``\d``, ``\w``, ``\s`` (and their complements) is sampled as
_CLASS_ESCAPES = {"d": "0", "w": "a", "s": " ", "D": "a", "W": " ", "S": "a"}
#: characters tried for a bracketed class, after the class's own characters
_CLASS_TRIES = "abcxyz019_ -.:/A"
_QUANTIFIER = re.compile(r"\{(\d*)(,?)(\d*)\}")
_GROUP_PREFIX = re.compile(r"\?(?::|P<\w+>|[aiLmsux-]*:|(?P<flags>[aiLmsux]+\)))")


class _Sampler:
    """Walks a (compilable) regex once, building one string it matches: the first non-empty
    branch of each alternation, each repeated atom once (or its minimum count)."""

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.pos = 0

    def whole(self) -> str:
        text = self._alternation()
        if self.pos != len(self.pattern):
            raise ValueError("unbalanced pattern")
        return text

    def _peek(self) -> str:
        return self.pattern[self.pos : self.pos + 1]

    def _alternation(self) -> str:
        choices = [self._sequence()]
        while self._peek() == "|":
            self.pos += 1
            choices.append(self._sequence())
        return next((c for c in choices if c), choices[0])

    def _sequence(self) -> str:
        out = []
        while self._peek() not in ("", "|", ")"):
            atom = self._atom()
            out.append(atom * self._count())
        return "".join(out)

    def _atom(self) -> str:
        char = self._peek()
        self.pos += 1
        if char == "(":
            return self._group()
        if char == "[":
            return self._class()
        if char == "\\":
            escaped = self._peek()
            self.pos += 1
            return "" if escaped in "bBAZ" else _CLASS_ESCAPES.get(escaped, escaped)
        return {".": "a", "^": "", "$": ""}.get(char, char)

    def _group(self) -> str:
        if self._peek() == "?":
            prefix = _GROUP_PREFIX.match(self.pattern, self.pos)
            if prefix is None:
                raise ValueError("lookarounds are not sampled")  # RE2 (PromQL) has none
            self.pos = prefix.end()
            if prefix["flags"]:
                return ""
        text = self._alternation()
        self.pos += 1  # the closing parenthesis (the pattern compiled)
        return text

    def _class(self) -> str:
        end = self.pos + (self._peek() == "^")
        end += self.pattern[end] == "]"  # a leading ] is a member
        while self.pattern[end] != "]":
            end += 2 if self.pattern[end] == "\\" else 1
        body, self.pos = self.pattern[self.pos : end], end + 1
        members = re.compile(f"[{body}]")
        pool = _CLASS_TRIES + body if body.startswith("^") else body + _CLASS_TRIES
        found = next((c for c in pool if members.fullmatch(c)), None)
        if found is None:
            raise ValueError("no sample for the character class")
        return found

    def _count(self) -> int:
        char = self._peek()
        if char in ("*", "+", "?"):
            self.pos += 1
            count = 1
        elif (bounds := _QUANTIFIER.match(self.pattern, self.pos)) is not None:
            self.pos = bounds.end()
            low = int(bounds[1] or 0)
            high = int(bounds[3]) if bounds[3] else (low if not bounds[2] else low + 1)
            count = max(low, min(1, high))
        else:
            return 1
        if self._peek() in ("?", "+"):  # lazy or possessive: the same strings
            self.pos += 1
        return count


def _matches(labels: Mapping[str, str], matchers: tuple[tuple[str, str, str], ...]) -> bool:
    for label, op, value in matchers:
        have = labels.get(label, "")
        ok = {"=": have == value, "!=": have != value,
              "=~": re.fullmatch(value, have) is not None,
              "!~": re.fullmatch(value, have) is None}[op]  # fmt: skip
        if not ok:
            return False
    return True


def _candidates(label: str, op: str, value: str) -> list[str]:
    known = list(_DEFAULTS.get(label, ()))
    if op == "=":
        return [value]
    if op == "=~":
        return [v for v in known if re.fullmatch(value, v)] + [s for s in [sample(value)] if s]
    if op == "!=":
        return [v for v in [*known, *_OTHER_VALUES] if v != value]
    return [v for v in [*known, *_OTHER_VALUES] if not re.fullmatch(value, v)]


def solve(
    matchers: tuple[tuple[str, str, str], ...],
    *,
    base: Mapping[str, str] | None = None,
    labels: tuple[str, ...] = (),
) -> dict[str, str] | None:
    """Label values satisfying every matcher: ``base`` first, then defaults for ``labels``."""
    out = dict(base or {})
    for label in labels:
        out.setdefault(label, _DEFAULTS.get(label, (f"{label}_a",))[0])
    for label, op, value in matchers:
        if _matches(out, ((label, op, value),)):
            continue
        choice = next(
            (
                c
                for c in _candidates(label, op, value)
                if _matches({**out, label: c}, ((label, op, value),))
            ),
            None,
        )
        if choice is None:
            return None
        out[label] = choice
    return out if _matches(out, matchers) else None


def _violate(
    labels: dict[str, str],
    keep: tuple[tuple[str, str, str], ...],
    avoid: tuple[tuple[str, str, str], ...],
) -> dict[str, str] | None:
    """Labels still matching ``keep`` but not all of ``avoid``."""
    for label, op, value in avoid:
        flip = {"=": "!=", "=~": "!~", "!=": "=", "!~": "=~"}[op]
        for candidate in _candidates(label, flip, value):
            trial = {**labels, label: candidate}
            if _matches(trial, keep) and not _matches(trial, avoid):
                return trial
    return None


def event_traffic(slo: SLO) -> EventTraffic | None:
    """Which series a good and a bad event of ``slo`` increment, or None if unknown."""
    sli = slo.sli
    if not isinstance(sli, EventSLI):
        return None
    builder = _BUILT_IN.get(sli.kind)
    if builder is not None:
        return builder(slo)
    return _from_queries(slo, sli)


def _kind_labels(slo: SLO, spec: contract.MetricSpec, **fixed: str) -> dict[str, str] | None:
    sel = cast(dict[str, str], slo.sli.params.get("selectors", {}))
    matchers = tuple((k, "=~", v) for k, v in sel.items()) + tuple(
        (k, "=", v) for k, v in fixed.items()
    )
    return solve(matchers, labels=tuple(lab for lab in spec.labels if lab != "le"))


def _job_success(slo: SLO) -> EventTraffic | None:
    spec = contract.JOBS_TOTAL
    good = _kind_labels(slo, spec, outcome="success", error_type="none")
    bad = None
    for outcome in ("error", "invalid"):
        bad = _kind_labels(slo, spec, outcome=outcome, error_type="job_failed")
        if bad is not None:
            break
    if good is None or bad is None:
        return None
    return EventTraffic((Series(spec.name, labels_of(good)),), (Series(spec.name, labels_of(bad)),))


def _histogram(spec: contract.MetricSpec):  # type: ignore[no-untyped-def]
    def build(slo: SLO) -> EventTraffic | None:
        labels = _kind_labels(slo, spec)
        if labels is None:
            return None
        threshold = float(cast(float, slo.sli.params["threshold_seconds"]))
        count = Series(f"{spec.name}_count", labels_of(labels))
        # prometheus_client's spelling of the bucket bound: le="600.0"
        le = Series(f"{spec.name}_bucket", labels_of({**labels, "le": repr(threshold)}))
        inf = Series(f"{spec.name}_bucket", labels_of({**labels, "le": "+Inf"}))
        return EventTraffic((count, le, inf), (count, inf))

    return build


def _two_counters(bad_spec: contract.MetricSpec, total_spec: contract.MetricSpec, **bad_fixed: str):  # type: ignore[no-untyped-def]
    def build(slo: SLO) -> EventTraffic | None:
        total = _kind_labels(slo, total_spec, **({"verdict": "pass"} if bad_fixed else {}))
        bad = _kind_labels(slo, bad_spec, **bad_fixed)
        if total is None or bad is None:
            return None
        t = Series(total_spec.name, labels_of(total))
        b = Series(bad_spec.name, labels_of(bad))
        return EventTraffic((t,), (b,) if bad_fixed else (t, b))

    return build


def _coverage(slo: SLO) -> EventTraffic | None:
    jobs = _kind_labels(slo, contract.JOBS_TOTAL, outcome="success", error_type="none")
    if jobs is None:
        return None
    incomplete = Series(contract.TELEMETRY_INCOMPLETE_TOTAL.name, (("reason", "timeout"),))
    return EventTraffic((Series(contract.JOBS_TOTAL.name, labels_of(jobs)),), (incomplete,))


_BUILT_IN: dict[str, Callable[[SLO], EventTraffic | None]] = {
    "job_success": _job_success,
    "latency": _histogram(contract.JOB_DURATION),
    "queue_wait": _histogram(contract.JOB_QUEUE),
    "duplicates": _two_counters(contract.JOB_DUPLICATES_TOTAL, contract.JOBS_TOTAL),
    "divergence": _two_counters(
        contract.RESULT_CHECKS_TOTAL, contract.RESULT_CHECKS_TOTAL, verdict="diverged"
    ),
    "coverage": _coverage,
}


def _single(expr: str) -> Selector | None:
    found = list(dict.fromkeys(selectors(expr)))
    return found[0] if len(found) == 1 and found[0].name else None


def _from_queries(slo: SLO, sli: EventSLI) -> EventTraffic | None:
    """Solve the numerator's and the total's matchers when each selects one metric."""
    if sli.total:
        good = cast(str, sli.params.get("good", ""))
        which, numerator, total = ("good", good, sli.total) if good else ("bad", sli.bad, sli.total)
    else:
        parts = division_operands(sli.error_ratio)
        if parts is None:
            return None
        which, (numerator, total) = "bad", parts
    num, tot = _single(numerator), _single(total)
    if num is None or tot is None:
        return None
    group = tuple(slo.group_by)
    if num.name == tot.name:
        inside = solve(num.matchers + tot.matchers, labels=group)
        outside = _violate(inside, tot.matchers, num.matchers) if inside else None
        if inside is None or outside is None:
            return None
        a, b = Series(num.name, labels_of(inside)), Series(tot.name, labels_of(outside))
        return EventTraffic((a,), (b,)) if which == "good" else EventTraffic((b,), (a,))
    n_labels = solve(num.matchers, labels=group)
    t_labels = solve(tot.matchers, labels=group)
    if n_labels is None or t_labels is None:
        return None
    n, t = Series(num.name, labels_of(n_labels)), Series(tot.name, labels_of(t_labels))
    return EventTraffic((n, t), (t,)) if which == "good" else EventTraffic((t,), (n, t))


def gauge_slices(slo: SLO) -> GaugeSlices | None:
    """The gauge behind a built-in time-slice SLI and its good and bad values, or None."""
    sli = slo.sli
    if not isinstance(sli, TimeSliceSLI) or sli.kind not in ("availability", "freshness"):
        return None
    spec = (
        contract.BACKEND_UP
        if sli.kind == "availability"
        else (contract.BACKEND_CALIBRATION_TIMESTAMP)
    )
    labels = _kind_labels(slo, spec)
    if labels is None:
        return None
    series = Series(spec.name, labels_of(labels))
    if sli.kind == "availability":
        return GaugeSlices(series, 1.0, 0.0)
    # The timestamp follows the clock (calibrated just now) or lags it by twice the max age.
    max_age = float(cast(float, sli.params["max_age_seconds"]))
    return GaugeSlices(series, 0.0, -2 * max_age, slope=60.0)


def counter_values(phases: Sequence[tuple[float, int]]) -> str:
    """promtool's expanding notation for a counter gaining ``per_minute`` for ``minutes``, per
    phase, sampled every minute from 0."""
    parts, value = [], 0.0
    for i, (per_minute, minutes) in enumerate(phases):
        start = value if i == 0 else value + per_minute
        steps = minutes if i == 0 else minutes - 1
        if steps >= 0:
            parts.append(f"{fmt_number(start)}+{fmt_number(per_minute)}x{steps}")
        value += per_minute * minutes
    return " ".join(parts)


def gauge_values(phases: list[tuple[float, float, int]]) -> str:
    """Expanding notation for a gauge ``offset + slope * minute``, per ``(offset, slope,
    minutes)`` phase."""
    parts, minute = [], 0
    for i, (offset, slope, minutes) in enumerate(phases):
        start_minute = minute if i == 0 else minute + 1
        steps = minutes if i == 0 else minutes - 1
        if steps >= 0:
            parts.append(f"{fmt_number(offset + slope * start_minute)}+{fmt_number(slope)}x{steps}")
        minute += minutes
    return " ".join(parts)
