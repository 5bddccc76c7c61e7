"""Recording rules of one SLO: the SLI over every window, the period SLI and metadata.

Per window ``w`` of :attr:`~qobserve.slo.model.SLO.sli_windows` an event SLI records three series,
each with the label ``slo`` (and the SLO's labels and ``group_by`` labels):

- ``slo:sli_total:rate<w>``: events per second over ``w``;
- ``slo:sli_bad:rate<w>``: bad events per second, ``0`` (not absent) when there is traffic but
  no bad event, so dashboards show 0 % rather than "no data";
- ``slo:sli_error:ratio_rate<w>``: bad / total, absent (never NaN) when there is no traffic.

A time-slice SLI records the same names counting slices instead of events. The period SLI is
the ratio of the period's averaged bad and total rates, i.e. of summed events: exact on uneven
traffic, where averaging the 5m ratios (Sloth's period SLI) lets a quiet hour weigh as much as a
busy one. Raw error-ratio SLIs have no event counts and fall back to that time average.

Example::

    rules = recording_rules(slo)
    rules[2]["record"]       # 'slo:sli_error:ratio_rate5m'
"""

from __future__ import annotations

from typing import Any

from qobserve.slo.model import (
    BUDGET_REMAINING_RECORD,
    CURRENT_BURN_RECORD,
    ERROR_BUDGET_RECORD,
    INFO_RECORD,
    OBJECTIVE_RECORD,
    PERIOD_BURN_RECORD,
    PERIOD_RECORD,
    SLI_WINDOWS,
    SLO,
    EventSLI,
    TimeSliceSLI,
    sli_bad_record,
    sli_error_record,
    sli_total_record,
)
from qobserve.slo.promql import fmt_number, parse_duration, quote

Rule = dict[str, Any]

#: Time-slice windows from this one on are averaged from the 5m records instead of a subquery
#: over the whole window: the same value (slices weigh the same) at a fraction of the cost.
_SUBQUERY_WINDOWS = ("5m", "30m")


def record_labels(slo: SLO) -> dict[str, str]:
    """Labels set on every record of ``slo``: ``slo`` and the SLO's own labels, sorted."""
    return dict(sorted({**slo.labels, "slo": slo.name}.items()))


def selector(slo: SLO) -> str:
    """The label matcher that selects ``slo``'s records: ``{slo="name"}``."""
    return f"{{slo={quote(slo.name)}}}"


def has_counts(slo: SLO) -> bool:
    """Whether the SLO records bad and total rates (everything but raw error ratios)."""
    return isinstance(slo.sli, TimeSliceSLI) or bool(slo.sli.total)


def budget_str(slo: SLO) -> str:
    """The error budget as written in expressions (``0.001``)."""
    return fmt_number(slo.error_budget)


def recording_rules(slo: SLO) -> list[Rule]:
    """Every recording rule of ``slo`` in evaluation order (later rules read earlier ones)."""
    rules: list[Rule] = []
    for window in slo.sli_windows:
        rules.extend(_window_rules(slo, window))
    rules.extend(_period_rules(slo))
    rules.extend(_meta_rules(slo))
    return rules


def _rule(slo: SLO, record: str, expr: str) -> Rule:
    return {"record": record, "expr": expr, "labels": record_labels(slo)}


def _ratio(slo: SLO, window: str) -> Rule:
    sel = selector(slo)
    return _rule(
        slo,
        sli_error_record(window),
        f"{sli_bad_record(window)}{sel}\n/\n({sli_total_record(window)}{sel} > 0)",
    )


def _window_rules(slo: SLO, window: str) -> list[Rule]:
    sli = slo.sli
    if isinstance(sli, TimeSliceSLI):
        if window not in _SUBQUERY_WINDOWS:
            return _averaged(slo, window)
        seconds = fmt_number(parse_duration(window).total_seconds())
        total = f"count_over_time(({sli.good})[{window}:{sli.slice}])\n/ {seconds}"
        bad = f"sum_over_time((1 - ({sli.good}))[{window}:{sli.slice}])\n/ {seconds}"
        return [
            _rule(slo, sli_total_record(window), total),
            _rule(slo, sli_bad_record(window), bad),
            _ratio(slo, window),
        ]
    assert isinstance(sli, EventSLI)
    if not sli.total:
        # NaN (0/0 at zero traffic) fails every comparison: ">= 0" drops it.
        return [
            _rule(slo, sli_error_record(window), f"({sli.render('error_ratio', window)})\n>= 0")
        ]
    ignored = ", ".join(record_labels(slo))
    # Without any bad series the bad query returns nothing; fill in 0 for every series of the
    # total (matched on the query's own labels, hence ignoring the ones the rule adds).
    bad = (
        f"({sli.render('bad', window)})\nor ignoring ({ignored})\n"
        f"(0 * {sli_total_record(window)}{selector(slo)})"
    )
    return [
        _rule(slo, sli_total_record(window), sli.render("total", window)),
        _rule(slo, sli_bad_record(window), bad),
        _ratio(slo, window),
    ]


def _averaged(slo: SLO, window: str) -> list[Rule]:
    """Rates over ``window`` as the average of the 5m rates: with total and bad averaged over
    the same samples their ratio is the ratio of summed events."""
    sel = selector(slo)
    first = SLI_WINDOWS[0]
    return [
        _rule(
            slo,
            sli_total_record(window),
            f"avg_over_time({sli_total_record(first)}{sel}[{window}])",
        ),
        _rule(
            slo, sli_bad_record(window), f"avg_over_time({sli_bad_record(first)}{sel}[{window}])"
        ),
        _ratio(slo, window),
    ]


def _period_rules(slo: SLO) -> list[Rule]:
    period = slo.period_str
    if has_counts(slo):
        return _averaged(slo, period)
    first = sli_error_record(SLI_WINDOWS[0])
    return [
        _rule(slo, sli_error_record(period), f"avg_over_time({first}{selector(slo)}[{period}])")
    ]


def _meta_rules(slo: SLO) -> list[Rule]:
    sel = selector(slo)
    days = slo.period.total_seconds() / 86400
    burn = f"\n/ on (slo) group_left ()\n{ERROR_BUDGET_RECORD}{sel}"
    info = {
        **record_labels(slo),
        "service": slo.service,
        "objective": fmt_number(round(slo.objective * 100, 10)),
        "period": slo.period_str,
        "sli_kind": slo.sli.kind,
        "format": slo.format,
    }
    return [
        _rule(slo, OBJECTIVE_RECORD, f"vector({fmt_number(slo.objective)})"),
        _rule(slo, ERROR_BUDGET_RECORD, f"vector({budget_str(slo)})"),
        _rule(slo, PERIOD_RECORD, f"vector({fmt_number(days)})"),
        _rule(slo, CURRENT_BURN_RECORD, f"{sli_error_record(SLI_WINDOWS[0])}{sel}{burn}"),
        _rule(slo, PERIOD_BURN_RECORD, f"{sli_error_record(slo.period_str)}{sel}{burn}"),
        _rule(slo, BUDGET_REMAINING_RECORD, f"1 - {PERIOD_BURN_RECORD}{sel}"),
        {"record": INFO_RECORD, "expr": "vector(1)", "labels": dict(sorted(info.items()))},
    ]
