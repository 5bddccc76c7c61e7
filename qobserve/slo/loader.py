"""Load SLO specifications in any of the three formats into the internal model.

Example::

    from qobserve.slo import load
    slos = load(["slo"])                 # every *.yaml / *.yml in the folder
    [s.name for s in slos]               # sorted by name
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Any

from qobserve import budgets
from qobserve.slo import alert_windows, gotemplate, openslo, pyrra, qobserve_v1, sloth
from qobserve.slo.model import SLO, EventSLI, duration_str
from qobserve.slo.problems import Problems, Where
from qobserve.slo.promql import LABEL_NAME
from qobserve.slo.qobserve_v1 import LONGEST_WINDOW
from qobserve.slo.source import find_files, read_documents

# used with fullmatch: "^...$" with match() lets a trailing newline through, into file names
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
#: Labels qobserve sets on every record and alert itself.
RESERVED_LABELS = ("slo",)
#: Alert labels qobserve sets itself; a spec's value is replaced (with a warning).
RESERVED_ALERT_LABELS = ("slo", "severity")
_WHAT = (
    "expected `version: qobserve/v1`, Sloth's `version: prometheus/v1`, OpenSLO "
    "`apiVersion: openslo/v1` with `kind: SLO`, or Pyrra's `apiVersion: pyrra.dev/v1alpha1` "
    "with `kind: ServiceLevelObjective`"
)


def load(
    paths: Sequence[str | os.PathLike[str]], *, sloth_period: timedelta = sloth.DEFAULT_PERIOD
) -> list[SLO]:
    """Every SLO in the files and folders ``paths``, sorted by name.

    Reads ``qobserve/v1``, OpenSLO v1 (``kind: SLO``) and Sloth ``prometheus/v1`` documents;
    ``sloth_period`` is the period of Sloth SLOs, whose specs have none. Sloth
    ``AlertWindows`` documents among them set the alert windows of the SLOs of their period. Raises
    :class:`~qobserve.exceptions.InputErrors` listing every problem (file, SLO name and field)
    when anything is wrong; warns (:class:`~qobserve.slo.problems.InputWarning`) about specs
    that work but look unintended.
    """
    problems = Problems()
    docs: list[tuple[Where, Mapping[str, Any]]] = []
    refs = openslo.Refs()
    for path in find_files(paths, problems):
        for index, doc in read_documents(path, problems):
            where = Where(problems, os.fspath(path))
            if index:
                where = where.at(f"document[{index}]")
            # OpenSLO tools (oslo, the go-sdk) write a file as a YAML list of objects
            items = list(enumerate(doc)) if isinstance(doc, list) and doc else [(None, doc)]
            for i, item in items:
                at = where if i is None else where.at(i)
                if not isinstance(item, dict):
                    what = type(item).__name__
                    at.error(f"not an SLO specification ({_WHAT}); got a {what}")
                    continue
                refs.add(item, at)
                docs.append((at, item))
    slos: list[SLO] = []
    windows: dict[timedelta, alert_windows.AlertWindows] = {}
    for where, doc in docs:
        if alert_windows.is_alert_windows(doc):
            _add_windows(windows, doc, where)
        else:
            slos.extend(_parse(doc, where, refs, sloth_period))
    slos = [
        replace(s, alert_windows=windows[s.period].severities) if s.period in windows else s
        for s in slos
    ]
    _check_all(slos, problems)
    problems.raise_if_any()
    return sorted(slos, key=lambda s: s.name)


def _add_windows(
    windows: dict[timedelta, alert_windows.AlertWindows], doc: Mapping[str, Any], where: Where
) -> None:
    found = alert_windows.parse(doc, where)
    if found is None:
        return
    first = windows.setdefault(found.period, found)
    if first is not found:
        where.at("spec").at("sloPeriod").error(
            f"{duration_str(found.period)} already has its alert windows in {first.source}"
        )


def _parse(
    doc: Mapping[str, Any], where: Where, refs: openslo.Refs, sloth_period: timedelta
) -> list[SLO]:
    version, api, kind = doc.get("version"), doc.get("apiVersion"), doc.get("kind")
    if version == budgets.FORMAT:
        return []  # spending caps, named on the command line: read by qobserve.budgets
    if version == qobserve_v1.FORMAT:
        return qobserve_v1.parse(doc, where)
    if version == sloth.FORMAT or (api == sloth.CRD_API_VERSION and kind == sloth.CRD_KIND):
        return sloth.parse(doc, where, period=sloth_period)
    if api == pyrra.API_VERSION and kind == pyrra.KIND:
        return pyrra.parse(doc, where)
    if api in openslo.API_VERSIONS:
        if kind == "SLO":
            return openslo.parse(doc, where, refs)
        return []  # SLI, DataSource, Service, AlertPolicy...: referenced, not SLOs themselves
    if version is not None:
        where.at("version").error(f"unknown version {version!r} ({_WHAT})")
    elif api is not None:
        where.at("apiVersion").error(f"unsupported apiVersion {api!r} with kind {kind!r} ({_WHAT})")
    else:
        where.error(f"not an SLO specification ({_WHAT})")
    return []


def _check_all(slos: list[SLO], problems: Problems) -> None:  # noqa: C901 - one check per rule, all problems reported together
    """Checks that hold whatever the format: names, labels, period, guard."""
    seen: dict[str, SLO] = {}
    for slo in slos:
        where = Where(problems, slo.source, slo.location, slo.name)
        if not _NAME.fullmatch(slo.name):
            where.at("name").error(
                "must start with a letter or digit and hold only letters, "
                "digits, '.', '_' and '-' (at most 128 characters)"
            )
        if slo.name in seen:
            first = seen[slo.name]
            where.at("name").error(
                f"duplicate SLO name; first defined in {first.source}: {first.location}"
            )
        seen.setdefault(slo.name, slo)
        folded = seen.setdefault(slo.name.casefold(), slo)
        if folded.name != slo.name:
            where.at("name").error(
                f"differs from {folded.name!r} ({folded.source}) only in case: their rule "
                "files would collide on a case-insensitive file system"
            )
        fields = (("description", slo.description), ("runbook_url", slo.runbook_url),
                 ("policy", slo.policy))  # fmt: skip
        for key, text in fields:
            if _CONTROL.search(text):
                where.at(key).error("holds a control character (write plain text)")
        if slo.format == sloth.FORMAT and slo.period <= LONGEST_WINDOW:
            where.error(
                f"the Sloth period {duration_str(slo.period)} is not longer than the "
                f"longest alert window ({duration_str(LONGEST_WINDOW)})"
            )
        if slo.min_events and isinstance(slo.sli, EventSLI) and slo.sli.error_ratio:
            where.at("min_events").error(
                "needs event counts: give bad (or good) and total queries instead of an error ratio"
            )
        _check_labels(slo.labels, where.at("labels"), RESERVED_LABELS)
        for label in slo.group_by:
            if not LABEL_NAME.fullmatch(label):
                where.at("group_by").error(f"{label!r} is not a valid label name")
        for key, alert in (("page_alert", slo.page_alert), ("ticket_alert", slo.ticket_alert)):
            if alert is None:
                continue
            at = where.at("alerting").at(key)
            if not LABEL_NAME.fullmatch(alert.name):
                at.at("name").error(f"{alert.name!r} is not a valid alert name")
            _check_labels(alert.labels, at.at("labels"), ())
            for key, texts in (("labels", alert.labels), ("annotations", alert.annotations)):
                for name, text in texts.items():
                    reason = gotemplate.check(text)
                    if reason:
                        at.at(key).at(name).error(f"Prometheus cannot expand it: {reason}")
            for label in RESERVED_ALERT_LABELS:
                if label in alert.labels:
                    at.at("labels").at(label).warn(
                        f"qobserve sets the {label!r} label itself; {alert.labels[label]!r} "
                        "is replaced (route on other labels)"
                    )


def _check_labels(labels: Mapping[str, str], where: Where, reserved: tuple[str, ...]) -> None:
    for label, value in labels.items():
        if not LABEL_NAME.fullmatch(label) or label.startswith("__"):
            where.at(label).error("is not a valid Prometheus label name")
        elif label in reserved:
            where.at(label).error(f"the {label!r} label is set by qobserve itself")
        elif not value:
            where.at(label).error("is empty: Prometheus drops a label with an empty value")
