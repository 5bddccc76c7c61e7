"""Read and validate ``budgets.yaml``, the spending caps beside the SLO catalog.

Example ``slo/budgets.yaml``::

    version: qobserve.budgets/v1
    timezone: Europe/Zurich            # where days, weeks and months begin (default UTC)
    providers:                         # backend name patterns of each provider
      ibm: ["ibm_*"]
    budgets:
      - name: vqe-monthly
        experiment: vqe-h2             # or backend: / provider: ; none of them: every job
        limit_usd: 500                 # or limit_qpu_seconds:
        period: month                  # day, week (from Monday) or month (calendar)
        action: deny                   # deny: refuse the job; warn: log once per period

Names of experiments and backends may be shell-style patterns (``ibm_*``).
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qobserve.budgets import FILE_NAMES, FORMAT
from qobserve.budgets.model import ACTIONS, PERIODS, UNITS, Budget, Budgets
from qobserve.exceptions import InputError
from qobserve.slo.problems import Problems, Where

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")
_TOP_KEYS = ("version", "timezone", "providers", "budgets")
_KEYS = ("name", "description", "experiment", "backend", "provider", *UNITS.values(), "period",
         "action", "timezone")  # fmt: skip


_VERSION_LINE = re.compile(rf"^version:\s*[\"']?{re.escape(FORMAT)}[\"']?\s*$", re.MULTILINE)


def is_budgets_file(path: str | os.PathLike[str]) -> bool:
    """True for a file named ``budgets.yaml`` or one that declares ``version:
    qobserve.budgets/v1`` (so that ``qobserve validate team/caps.yaml`` checks it as such)."""
    p = Path(path)
    if not p.is_file():
        return False
    if p.name in FILE_NAMES:
        return True
    try:
        return bool(_VERSION_LINE.search(p.read_text(encoding="utf-8", errors="replace")))
    except OSError:
        return False


def budgets_file(path: str | os.PathLike[str]) -> Path | None:
    """``path`` itself when it is a file, its ``budgets.yaml`` when it is a catalog folder
    holding one, else None."""
    p = Path(path)
    if p.is_dir():
        return next((p / n for n in FILE_NAMES if (p / n).is_file()), None)
    return p if p.is_file() else None


def load_budgets(path: str | os.PathLike[str]) -> Budgets:
    """Read and validate ``budgets.yaml`` (or the one in the catalog folder ``path``).

    Raises :class:`~qobserve.exceptions.InputErrors` listing every problem, each naming the
    file and the field.
    """
    from qobserve.slo.source import read_documents  # PyYAML: the `slo` extra

    problems = Problems()
    found = budgets_file(path)
    if found is None:
        what = "no budgets.yaml in this folder" if Path(path).is_dir() else "no such file"
        raise InputError(what, path=os.fspath(path))
    where = Where(problems, os.fspath(found))
    docs = read_documents(found, problems)
    budgets: list[Budget] = []
    if len(docs) > 1:
        where.error("holds several YAML documents; write one")
    for _, doc in docs[:1]:
        top = where.mapping(doc, what=f"a mapping with version: {FORMAT} and budgets")
        if top is not None:
            budgets = _parse(top, where)
    problems.raise_if_any()
    return Budgets(tuple(budgets), os.fspath(found))


def _parse(doc: Mapping[str, Any], where: Where) -> list[Budget]:
    where.check_keys(doc, _TOP_KEYS)
    if doc.get("version") != FORMAT:
        where.at("version").error(f"must be {FORMAT!r}, got {doc.get('version')!r}")
    default_tz = _zone(where, doc, "UTC")
    providers = _providers(where, doc)
    items = where.get(doc, "budgets", list, required=True, default=[])
    out: list[Budget] = []
    names: set[str] = set()
    for i, raw in enumerate(items):
        at = where.at("budgets").at(i)
        item = at.mapping(raw)
        if item is None:
            continue
        budget = _budget(item, at, default_tz, providers)
        if budget is None:
            continue
        if budget.name in names:
            at.at("name").named(budget.name).error("duplicate budget name")
        names.add(budget.name)
        out.append(budget)
    return out


def _budget(
    item: Mapping[str, Any], at: Where, default_tz: str, providers: Mapping[str, tuple[str, ...]]
) -> Budget | None:
    before = len(at.problems.errors)
    at.check_keys(item, _KEYS)
    name = at.get(item, "name", str, required=True, default="")
    if name and not _NAME.fullmatch(name):
        at.at("name").error(
            "must start with a letter or digit and hold only letters, digits, '.', '_' and "
            "'-' (at most 128 characters)"
        )
    at = at.named(name) if name else at
    values, backends = _scope(item, at, providers)
    unit, limit = _limit(item, at)
    period = at.get(item, "period", str, required=True, default="")
    if period and period not in PERIODS:
        at.at("period").error(f"must be one of {', '.join(PERIODS)}, got {period!r}")
    action = at.get(item, "action", str, required=True, default="")
    if action and action not in ACTIONS:
        at.at("action").error(f"must be one of {', '.join(ACTIONS)}, got {action!r}")
    tz = _zone(at, item, default_tz)
    if len(at.problems.errors) > before:
        return None
    return Budget(
        name=name,
        limit=float(limit),
        unit=unit,
        period=period,
        action=action,
        timezone=tz,
        experiment=values["experiment"],
        backend=values["backend"],
        provider=values["provider"],
        backends=backends,
        description=at.get(item, "description", str, default=""),
        source=at.path,
    )


def _scope(
    item: Mapping[str, Any], at: Where, providers: Mapping[str, tuple[str, ...]]
) -> tuple[dict[str, str], tuple[str, ...]]:
    """(experiment, backend and provider of a cap, the provider's backend patterns)."""
    scopes = [k for k in ("experiment", "backend", "provider") if item.get(k) is not None]
    if len(scopes) > 1:
        at.at(scopes[1]).error(f"give one of experiment, backend or provider, not {scopes}")
    values = {k: at.get(item, k, str, default="") for k in ("experiment", "backend", "provider")}
    for key, value in values.items():
        if key in item and not value:
            at.at(key).error("must not be empty (leave it out to cap every job)")
    backends: tuple[str, ...] = ()
    if values["provider"]:
        known = providers.get(values["provider"])
        if known is None:
            at.at("provider").error(
                f"unknown provider {values['provider']!r}: list its backend name patterns "
                "under the top-level 'providers:'"
            )
        else:
            backends = known
    return values, backends


def _limit(item: Mapping[str, Any], at: Where) -> tuple[str, float]:
    """(unit, limit) of a cap: exactly one of ``limit_usd`` and ``limit_qpu_seconds``."""
    limits = [(unit, key) for unit, key in UNITS.items() if key in item]
    if len(limits) != 1:
        at.error(f"give exactly one of {' or '.join(UNITS.values())}")
        return "usd", 0.0
    unit, key = limits[0]
    limit = at.get(item, key, float, required=True)  # records a missing or non-number value
    if limit is None:
        return unit, 0.0
    if not 0 < limit < math.inf:
        at.at(key).error(f"must be a positive number, got {limit!r}")
    return unit, float(limit)


def _zone(at: Where, mapping: Mapping[str, Any], default: str) -> str:
    name = at.get(mapping, "timezone", str, default=default)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        at.at("timezone").error(f"unknown IANA time zone {name!r}")
        return default
    return str(name)


def _providers(at: Where, doc: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    raw = at.get(doc, "providers", dict, default={})
    out: dict[str, tuple[str, ...]] = {}
    for name, patterns in raw.items():
        here = at.at("providers").at(str(name))
        if isinstance(patterns, str):
            patterns = [patterns]
        if (
            not isinstance(patterns, list)
            or not patterns
            or not all(isinstance(p, str) and p for p in patterns)
        ):
            here.error("must be a list of backend name patterns, e.g. ['ibm_*']")
            continue
        out[str(name)] = tuple(patterns)
    return out
