"""Alerting rules of one SLO: multiwindow multi-burn-rate page and ticket, and SLI absent.

The burn-rate alert's value is the burn rate over the short window of the pair that fired (the
error ratio divided by the error budget), so ``{{ $value }}`` in the description is the current
burn. A window pair counts only when its long window saw ``min_events`` events (or slices).

Example::

    rules = alert_rules(slo, RuleOptions())
    rules[0]["labels"]["severity"]      # 'page'
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from qobserve.rules.options import RuleOptions
from qobserve.rules.recording import budget_str, has_counts, record_labels, selector
from qobserve.rules.windows import BurnWindow, max_burn, reachable, severities
from qobserve.slo.gotemplate import literal
from qobserve.slo.model import (
    BUDGET_REMAINING_RECORD,
    SLO,
    AlertSpec,
    EventSLI,
    TimeSliceSLI,
    sli_error_record,
    sli_total_record,
)
from qobserve.slo.promql import division_operands, fmt_number, parse_duration, selectors

Rule = dict[str, Any]

#: The alert raised when none of the series an SLI is computed from exists.
ABSENT_ALERT = "SLIMetricAbsent"
#: Go template printing the alert's value (the burn rate) with one decimal.
BURN_VALUE = '{{ printf "%.1f" $value }}'
#: The burn-rate alerts' annotation: how long the period's error budget left lasts at the burn
#: that fired (the alert's value), computed by Prometheus when the alert fires.
EXHAUSTION_ANNOTATION = "budget_exhaustion"
#: What it says when the period's budget is already spent.
SPENT_TEXT = "now: the period's error budget is spent"


def exhaustion_template(slo: SLO) -> str:
    """``budget_exhaustion``: ``remaining * period hours / burn``, queried at firing time from
    the SLO's ``slo:period_error_budget_remaining:ratio`` (of the alert's group) and the
    alert's value, printed in hours; :data:`SPENT_TEXT` once nothing is left."""
    hours = fmt_number(slo.period.total_seconds() / 3600)
    matchers = "".join(f",{g}=%q" for g in slo.group_by)
    query = f'{BUDGET_REMAINING_RECORD}{{slo=\\"{slo.name}\\"{matchers}}} > 0) * {hours} / %f'
    args = " ".join([*(f"$labels.{g}" for g in slo.group_by), "$value"])
    return (
        f'{{{{ with printf "({query}" {args} | query }}}}'
        '{{ . | first | value | printf "%.1f" }} hours at this burn'
        f"{{{{ else }}}}{SPENT_TEXT}{{{{ end }}}}"
    )


def exhaustion_text(slo: SLO, remaining: float, burn: float) -> str:
    """What :func:`exhaustion_template` renders to with ``remaining`` of the period's budget
    left and the alert's value ``burn`` (for the generated promtool tests)."""
    if remaining <= 0:
        return SPENT_TEXT
    return f"{remaining * slo.period.total_seconds() / 3600 / burn:.1f} hours at this burn"


def alert_rules(slo: SLO, options: RuleOptions) -> list[Rule]:
    """The SLO's alerting rules: page and ticket (unless disabled) and SLIMetricAbsent (unless
    both are disabled: an SLO without alerts, as Sloth's, raises none)."""
    rules = []
    for severity, windows in severities(slo).items():
        spec = slo.page_alert if severity == "page" else slo.ticket_alert
        spec = spec or AlertSpec(name="SLOErrorBudgetBurn")
        if not spec.disabled and reachable(windows, slo.period, slo.error_budget):
            rules.append(_burn_alert(slo, severity, windows, spec, options))
    absent = absent_expr(slo)
    silenced = all(s is not None and s.disabled for s in (slo.page_alert, slo.ticket_alert))
    if absent and not silenced:
        rules.append(
            {
                "alert": ABSENT_ALERT,
                "expr": absent,
                "for": options.absent_for,
                "labels": {"severity": "ticket", "slo": slo.name},
                "annotations": {
                    "summary": f"SLO {slo.name}: no data",
                    "description": f"None of the series the SLI of {slo.name} is computed from "
                    f"has existed for {options.absent_for}: the SLO cannot be "
                    "evaluated (instrumentation or scrape broken, or no workload "
                    "of this kind any more).",
                    "runbook_url": f"{options.runbook_url}#{ABSENT_ALERT.lower()}",
                    "dashboard_url": dashboard_url(slo, options, per_backend=False),
                },
            }
        )
    return rules


def threshold_text(slo: SLO, windows: tuple[BurnWindow, ...]) -> str:
    """``13.4x over 1h and 5m, or 5.6x over 6h and 30m``."""
    return ", or ".join(f"{w.factor(slo.period):.3g}x over {w.long} and {w.short}" for w in windows)


def dashboard_url(slo: SLO, options: RuleOptions, *, per_backend: bool = True) -> str:
    """Link to the SLO detail dashboard showing the SLO (and the alert's backend or
    provider, for an SLO grouped by them)."""
    url = f"{options.grafana_url.rstrip('/')}/d/{options.slo_dashboard}?var-slo={slo.name}"
    if per_backend:
        for label in ("backend", "provider"):
            if label in slo.group_by:
                url += f"&var-{label}={{{{ $labels.{label} }}}}"
    return url


def _burn_alert(
    slo: SLO, severity: str, windows: tuple[BurnWindow, ...], spec: AlertSpec, options: RuleOptions
) -> Rule:
    sel, budget = selector(slo), budget_str(slo)
    branches = []
    for w in windows:
        factor = fmt_number(round(w.factor(slo.period), 10))
        conds = [f"{sli_error_record(win)}{sel} / {budget} > {factor}" for win in (w.short, w.long)]
        if slo.min_events and has_counts(slo):
            conds.append(f"{sli_total_record(w.long)}{sel} * {w.long_seconds} >= {slo.min_events}")
        branches.append("(\n  " + "\nand\n  ".join(conds) + "\n)")
    on = [
        f"{{{{ $labels.{label} }}}}" for label in ("backend", "provider") if label in slo.group_by
    ]
    where = f" on {' / '.join(on)}" if on else ""
    what = literal(slo.description.rstrip(".")) if slo.description else f"SLO {slo.name}"
    speed = "fast" if severity == "page" else "steadily"
    annotations = {
        "summary": f"SLO {slo.name}{where}: error budget burning {speed}",
        "description": (
            f"{what} ({fmt_number(round(slo.objective * 100, 10))} % over {slo.period_str}): "
            f"the error budget burns {BURN_VALUE}x faster than sustainable. This alert fires "
            f"above {threshold_text(slo, windows)}."
        ),
        "runbook_url": runbook_url(slo, options),
        "dashboard_url": dashboard_url(slo, options),
        EXHAUSTION_ANNOTATION: exhaustion_template(slo),
        **spec.annotations,
    }
    # the SLO's labels are plain values; alert labels are templates
    plain = {k: literal(v) for k, v in record_labels(slo).items()}
    labels = {**spec.labels, **plain, "severity": severity}
    return {
        "alert": spec.name,
        "expr": "\nor\n".join(branches),
        "labels": dict(sorted(labels.items())),
        "annotations": annotations,
    }


def absent_expr(slo: SLO) -> str:
    """PromQL that is 1 when none of the series the SLI's total is computed from exists."""
    sli = slo.sli
    if isinstance(sli, EventSLI):
        if sli.total:
            source = sli.total
        else:
            parts = division_operands(sli.error_ratio)
            source = parts[1] if parts else sli.error_ratio
    else:
        source = sli.good
    found = list(dict.fromkeys(str(s) for s in selectors(source)))
    if not found:
        return ""
    return "vector(1) unless on () (\n  " + "\nor\n  ".join(f"count({s})" for s in found) + "\n)"


def alert_warnings(slo: SLO) -> list[str]:
    """Why an alert of ``slo`` would never fire, in words for ``qobserve validate``."""
    notes = []
    for severity, windows in severities(slo).items():
        spec = slo.page_alert if severity == "page" else slo.ticket_alert
        if spec is not None and spec.disabled:
            continue
        if not reachable(windows, slo.period, slo.error_budget):
            notes.append(
                f"{slo.source}: {slo.name}: the {severity} alert can never fire and is left "
                f"out: a total outage burns the budget at most {max_burn(slo.error_budget):.3g}x"
                f", below {threshold_text(slo, windows)}; raise the objective or disable it"
            )
        if isinstance(slo.sli, TimeSliceSLI) and slo.min_events:
            slice_seconds = parse_duration(slo.sli.slice).total_seconds()
            if all(w.long_seconds / slice_seconds < slo.min_events for w in windows):
                notes.append(
                    f"{slo.source}: {slo.name}: min_events {slo.min_events} is more than the "
                    f"{slo.sli.slice} slices of any {severity} window: it can never fire"
                )
    return notes


def runbook_url(slo: SLO, options: RuleOptions | None = None) -> str:
    """The runbook an SLO's alerts link to: its own ``runbook_url`` (resolved against an
    absolute base URL when relative), else the base URL with the SLO's name as the anchor."""
    base = (options or RuleOptions()).runbook_url
    if not slo.runbook_url:
        return literal(f"{base}#{slo.name}")
    if urlsplit(base).scheme and not urlsplit(slo.runbook_url).scheme:
        return literal(urljoin(base, slo.runbook_url))
    return literal(slo.runbook_url)
