"""Every generated file of a qobserve deployment, from one folder of SLO specs.

``alert_rules/`` (recording rules, burn-rate and operational alerts, promtool tests, a
Kubernetes PrometheusRule), ``dashboards/`` (Grafana JSON) and ``exporters/`` (Prometheus and
Alertmanager configs, systemd unit, Kubernetes manifests). Generation is deterministic: the
same specs give the same bytes, so the checked-in folders can be compared with a fresh run.

Example::

    from qobserve.generate import generated_files, write_files
    from qobserve.slo import load

    write_files(".", generated_files(load(["slo"])))
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from qobserve.exceptions import InputError
from qobserve.slo.model import SLO

#: folders whose every file is generated: files no longer produced there are removed
OWNED_DIRS = ("alert_rules", "dashboards")
#: what Prometheus loads, relative to ``exporters/prometheus.yml``
RULE_GLOB = "../alert_rules/*.rules.yml"


def generated_files(slos: Sequence[SLO]) -> dict[str, str]:
    """Every generated file for ``slos``: path relative to the project root -> text."""
    from qobserve.dashboards import dashboard_files
    from qobserve.exporter.deploy import deploy_files
    from qobserve.rules import ALERTMANAGER_FILE, RULES_DIR, alertmanager_config, rule_files

    files = {f"{RULES_DIR}/{name}": text for name, text in rule_files(slos).items()}
    files[ALERTMANAGER_FILE] = alertmanager_config(slos)
    files.update({f"dashboards/{n}": t for n, t in dashboard_files(slos).items()})
    files.update({f"exporters/{n}": t for n, t in deploy_files(rule_files=[RULE_GLOB]).items()})
    return dict(sorted(files.items()))


def stale_files(root: str | os.PathLike[str], files: Mapping[str, str]) -> list[Path]:
    """Files under ``root`` that differ from ``files``, are missing, or would be removed."""
    base = Path(root)
    stale = [base / rel for rel, text in files.items() if _read(base / rel) != text]
    return sorted(stale + _orphans(base, files))


def write_files(root: str | os.PathLike[str], files: Mapping[str, str]) -> list[Path]:
    """Write ``files`` under ``root`` (only those whose bytes change) and remove files of
    :data:`OWNED_DIRS` that are no longer generated. Returns the paths written or removed."""
    base = Path(root)
    touched: list[Path] = []
    try:
        for orphan in _orphans(base, files):
            orphan.unlink()
            touched.append(orphan)
        for rel, text in files.items():
            path = base / rel
            if _read(path) != text:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
                touched.append(path)
    except OSError as err:
        raise InputError(f"cannot write: {err.strerror}", path=err.filename or base) from None
    return touched


def _orphans(base: Path, files: Mapping[str, str]) -> list[Path]:
    wanted = {base / rel for rel in files}
    return sorted(
        p for d in OWNED_DIRS if (base / d).is_dir()
        for p in (base / d).rglob("*") if p.is_file() and p not in wanted
    )  # fmt: skip


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except (FileNotFoundError, IsADirectoryError):
        return None
