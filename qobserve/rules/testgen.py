"""promtool unit tests generated for each SLO, checked in beside its rules.

Each file replays scenarios through the SLO's own rules: no data (only SLIMetricAbsent fires,
after its ``for``), healthy traffic that then stops (nothing fires, no NaN), a total outage
(page and ticket fire with the burn rate in the description), a slow burn (ticket, never
page) and, with ``min_events``, an outage too small to alert on. Expected alert annotations are
the rule's templates expanded with the known labels and burn rate; a scenario is left out when
the SLO's queries give no way to synthesise its series (see :mod:`qobserve.rules.examples`).

Example::

    text = dump(slo_tests(slo, "slo-x.rules.yml", RuleOptions()))
    # promtool test rules slo-x.test.yml
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qobserve.rules.alerts import (
    ABSENT_ALERT,
    EXHAUSTION_ANNOTATION,
    alert_rules,
    exhaustion_template,
    exhaustion_text,
)
from qobserve.rules.examples import (
    EventTraffic,
    GaugeSlices,
    counter_values,
    event_traffic,
    gauge_slices,
    gauge_values,
)
from qobserve.rules.options import RuleOptions
from qobserve.rules.recording import record_labels
from qobserve.rules.windows import max_burn, severities
from qobserve.slo.model import (
    BUDGET_REMAINING_RECORD,
    CURRENT_BURN_RECORD,
    ERROR_BUDGET_RECORD,
    OBJECTIVE_RECORD,
    PERIOD_RECORD,
    SLO,
    sli_error_record,
)
from qobserve.slo.promql import parse_duration, quote

_TEMPLATE = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}")
_LABEL_REF = re.compile(r"^\$labels\.([A-Za-z_][A-Za-z0-9_]*)$")
_VALUE_REF = re.compile(r'^printf\s+"%\.(\d)f"\s+\$value$')
_LITERAL = re.compile(r'^"(\{\{)"$')
#: Candidate slow burn rates: ticket-worthy, never page-worthy.
_SLOW_BURNS = (2.0, 1.5, 3.0, 1.0, 0.5)


@dataclass
class Scenario:
    """One test group of a promtool test file."""

    name: str
    series: list[dict[str, str]] = field(default_factory=list)
    alerts: list[dict[str, Any]] = field(default_factory=list)
    exprs: list[dict[str, Any]] = field(default_factory=list)

    def as_test(self) -> dict[str, Any]:
        """The promtool test group."""
        test: dict[str, Any] = {"name": self.name, "interval": "1m", "input_series": self.series}
        if self.alerts:
            test["alert_rule_test"] = self.alerts
        if self.exprs:
            test["promql_expr_test"] = self.exprs
        return test


def expand(template: str, labels: Mapping[str, str], value: float) -> str | None:
    """``template`` rendered the way Prometheus renders the few constructs qobserve writes
    (``$labels.x`` and ``printf "%.Nf" $value``); None when it holds anything else."""
    out, pos = [], 0
    for m in _TEMPLATE.finditer(template):
        out.append(template[pos : m.start()])
        label, number = _LABEL_REF.match(m.group(1)), _VALUE_REF.match(m.group(1))
        literal = _LITERAL.match(m.group(1))
        if label:
            out.append(labels.get(label.group(1), "<no value>"))
        elif literal:
            out.append(literal.group(1))
        elif number:
            # Go prints infinity as +Inf
            out.append("+Inf" if math.isinf(value) else f"{value:.{number.group(1)}f}")
        else:
            return None
        pos = m.end()
    return "".join(out) + template[pos:]


def slo_tests(slo: SLO, rules_file: str, options: RuleOptions) -> dict[str, Any]:
    """The promtool test file (as data) for ``slo``'s rules in ``rules_file``."""
    gen = _Generator(slo, options)
    scenarios = [gen.no_data(), gen.healthy(), gen.outage(), gen.slow_burn(), gen.low_traffic()]
    return {
        "rule_files": [rules_file],
        "evaluation_interval": "1m",
        "tests": [s.as_test() for s in scenarios if s is not None],
    }


class _Generator:
    def __init__(self, slo: SLO, options: RuleOptions) -> None:
        self.slo = slo
        self.rules = alert_rules(slo, options)
        self.names = list(dict.fromkeys(r["alert"] for r in self.rules))
        self.traffic = event_traffic(slo)
        self.gauge = gauge_slices(slo)
        self.absent = next((r for r in self.rules if r["alert"] == ABSENT_ALERT), None)
        self.exhaustion_template = exhaustion_template(slo)
        self.absent_for = int(parse_duration(options.absent_for).total_seconds() // 60)
        # events per minute: enough for min_events within 10 minutes
        self.rate = max(10, self.slo.min_events)

    # --- helpers -------------------------------------------------------------------------
    def series_labels(self) -> dict[str, str]:
        """Labels of the SLO's records in the scenarios: the rule's and the group's."""
        source = (
            self.traffic.series()[0]
            if self.traffic
            else (self.gauge.series if self.gauge else None)
        )
        group = dict(source.labels) if source else {}
        return {**{g: group.get(g, "") for g in self.slo.group_by}, **record_labels(self.slo)}

    def sample(
        self, record: str, value: float | None, at: str, *, grouped: bool = True
    ) -> dict[str, Any]:
        """A promql_expr_test that ``record`` of this SLO is ``value`` (None: absent);
        metadata records (``grouped=False``) do not carry the group labels."""
        samples = []
        if value is not None:
            labels = self.series_labels() if grouped else record_labels(self.slo)
            inner = ",".join(f"{k}={quote(v)}" for k, v in sorted(labels.items()))
            samples.append({"labels": f"{record}{{{inner}}}", "value": value})
        return {
            "expr": f"{record}{{slo={quote(self.slo.name)}}}",
            "eval_time": at,
            "exp_samples": samples,
        }

    def expect(
        self, at: str, firing: Mapping[str, float], remaining: float | None = None
    ) -> list[dict[str, Any]] | None:
        """alert_rule_tests at ``at``: the rules named in ``firing`` (severity -> value)
        fire, every other alert of the SLO does not; ``remaining`` is the share of the period's
        error budget left then (for ``budget_exhaustion``). None if annotations cannot be
        predicted."""
        labels = self.series_labels()
        by_name: dict[str, list[dict[str, Any]]] = {name: [] for name in self.names}
        for rule in self.rules:
            severity = rule["labels"]["severity"] if rule["alert"] != ABSENT_ALERT else "absent"
            if severity not in firing:
                continue
            value = firing[severity]
            base = {k: v for k, v in labels.items()} if rule["alert"] != ABSENT_ALERT else {}
            annotations = {
                k: self.exhaustion(remaining, value)
                if k == EXHAUSTION_ANNOTATION and v == self.exhaustion_template
                else expand(v, base, value)
                for k, v in rule["annotations"].items()
            }
            exp_labels = {k: expand(v, base, value) for k, v in rule["labels"].items()}
            if None in annotations.values() or None in exp_labels.values():
                return None
            by_name[rule["alert"]].append(
                {
                    "exp_labels": dict(sorted({**base, **exp_labels}.items())),
                    "exp_annotations": annotations,
                }
            )
        return [
            {"eval_time": at, "alertname": name, "exp_alerts": alerts}
            for name, alerts in by_name.items()
        ]

    def exhaustion(self, remaining: float | None, burn: float) -> str | None:
        """The ``budget_exhaustion`` annotation Prometheus renders (None: not predictable)."""
        return None if remaining is None else exhaustion_text(self.slo, remaining, burn)

    def enabled(self, severity: str) -> bool:
        return any(
            r["labels"].get("severity") == severity and r["alert"] != ABSENT_ALERT
            for r in self.rules
        )

    def event_series(
        self, traffic: EventTraffic, phases: list[tuple[int, int, int]]
    ) -> list[dict[str, str]]:
        """Input series for ``(good per minute, bad per minute, minutes)`` phases."""
        out = []
        for s in traffic.series():
            per_phase = [
                (good * traffic.good.count(s) + bad * traffic.bad.count(s), minutes)
                for good, bad, minutes in phases
            ]
            out.append({"series": str(s), "values": counter_values(per_phase)})
        return out

    def gauge_series(
        self, gauge: GaugeSlices, phases: list[tuple[bool, int]]
    ) -> list[dict[str, str]]:
        values = gauge_values(
            [
                (gauge.good_offset if good else gauge.bad_offset, gauge.slope, minutes)
                for good, minutes in phases
            ]
        )
        return [{"series": str(gauge.series), "values": values}]

    def input(
        self, *, good: int, bad: int, minutes: int, then_idle: int = 0
    ) -> list[dict[str, str]] | None:
        if self.traffic:
            phases = [(good, bad, minutes)] + ([(0, 0, then_idle)] if then_idle else [])
            return self.event_series(self.traffic, phases)
        if self.gauge:
            return self.gauge_series(self.gauge, [(bad == 0, minutes + then_idle)])
        return None

    # --- scenarios -----------------------------------------------------------------------
    def no_data(self) -> Scenario:
        s = Scenario(f"{self.slo.name}: no data")
        if self.absent is not None:
            before, after = f"{self.absent_for - 1}m", f"{self.absent_for + 1}m"
            s.alerts += self.expect(before, {}) or []
            s.alerts += self.expect(after, {"absent": 0.0}) or []
        at = "1m"
        days = self.slo.period.total_seconds() / 86400
        s.exprs += [
            self.sample(OBJECTIVE_RECORD, self.slo.objective, at, grouped=False),
            self.sample(ERROR_BUDGET_RECORD, self.slo.error_budget, at, grouped=False),
            self.sample(PERIOD_RECORD, days, at, grouped=False),
            self.sample(sli_error_record("5m"), None, at),
            self.sample(BUDGET_REMAINING_RECORD, None, at),
        ]
        return s

    def healthy(self) -> Scenario | None:
        idle = 10 if self.traffic else 0
        series = self.input(good=self.rate, bad=0, minutes=30, then_idle=idle)
        if series is None:
            return None
        s = Scenario(f"{self.slo.name}: healthy" + (", then no traffic" if idle else ""), series)
        end = f"{30 + idle}m"
        s.alerts += self.expect(end, {}) or []
        s.exprs += [
            self.sample(sli_error_record("5m"), 0.0, "30m"),
            self.sample(sli_error_record("5m"), None if idle else 0.0, end),
            self.sample(sli_error_record(self.slo.period_str), 0.0, end),
        ]
        if self.slo.error_budget > 0:  # without a budget, burn and remaining share are 0/0
            s.exprs += [
                self.sample(CURRENT_BURN_RECORD, None if idle else 0.0, end),
                self.sample(BUDGET_REMAINING_RECORD, 1.0, end),
            ]
        return s

    def outage(self) -> Scenario | None:
        series = self.input(good=0, bad=self.rate, minutes=15)
        if series is None:
            return None
        s = Scenario(f"{self.slo.name}: total outage", series)
        burn = max_burn(self.slo.error_budget)
        firing = {
            sev: burn
            for sev, windows in severities(self.slo).items()
            if self.enabled(sev) and any(w.factor(self.slo.period) < burn for w in windows)
        }
        if self.gauge is None or not self.slo.min_events:
            # every event (or slice) of the period bad: the period's budget is spent
            budget = self.slo.error_budget
            spent = 1 - 1 / budget if budget > 0 else -math.inf  # 100 %: one error spends all
            s.alerts += self.expect("10m", firing, remaining=spent) or []
        s.exprs += [
            self.sample(sli_error_record("5m"), 1.0, "10m"),
            self.sample(CURRENT_BURN_RECORD, burn, "10m"),
        ]
        return s

    def slow_burn(self) -> Scenario | None:
        if self.traffic is None or not self.enabled("ticket"):
            return None
        choice = _slow_burn(self.slo)
        if choice is None:
            return None
        good, bad, burn = choice
        s = Scenario(
            f"{self.slo.name}: slow burn {burn:.2f}x",
            self.event_series(self.traffic, [(good, bad, 30)]),
        )
        for at in ("15m", "30m"):  # the whole period burns alike: (1 - burn) of it is left
            s.alerts += self.expect(at, {"ticket": burn}, remaining=1 - burn) or []
        return s

    def low_traffic(self) -> Scenario | None:
        events = self.slo.min_events - 1
        if self.traffic is None or events < 2:
            return None
        s = Scenario(
            f"{self.slo.name}: outage under min_events ({self.slo.min_events})",
            self.event_series(self.traffic, [(0, 1, events), (0, 0, 5)]),
        )
        at = f"{events}m"
        s.alerts += self.expect(at, {}) or []
        s.exprs.append(self.sample(sli_error_record("5m"), 1.0, at))
        return s


def _slow_burn(slo: SLO) -> tuple[int, int, float] | None:
    """(good, bad) events per minute burning steadily: above a ticket factor, below every
    page factor, and with a burn that prints unambiguously with one decimal."""
    pairs = severities(slo)
    low = min(w.factor(slo.period) for w in pairs["ticket"])
    high = min(w.factor(slo.period) for w in pairs["page"])
    budget = slo.error_budget
    for target in _SLOW_BURNS:
        if not (low * 1.2 < target < high * 0.8 and target * budget < 1):
            continue
        for total in (100, 1000, 10_000, 100_000):
            if total < slo.min_events:
                continue
            bad = round(target * budget * total)
            if not 0 < bad < total:
                continue
            burn = bad / total / budget
            # "%.1f" must not depend on the last bit of Prometheus' float arithmetic
            if abs(burn - target) / target < 0.05 and abs(burn * 10 % 1 - 0.5) > 0.01:
                return total - bad, bad, burn
    return None
