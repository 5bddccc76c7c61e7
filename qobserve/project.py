"""The starter project ``qobserve init`` writes: the SLO catalog with its comments, a price
model template, a README, and everything ``qobserve generate`` derives from the catalog
(``alert_rules/``, ``dashboards/``, ``exporters/prometheus.yml`` loading those rules,
``exporters/alertmanager.yml``).

Example::

    from qobserve.project import write_starter
    write_starter("observability")   # raises InputError when a file exists (force=True overwrites)
"""

from __future__ import annotations

import os
from pathlib import Path

from qobserve.exceptions import InputError
from qobserve.resources import builtin_catalog, data_path
from qobserve.slo import DEFAULT_CATALOG_DIR

#: starter files beside the catalog, from the package's ``data/init``
_EXTRAS = ("README.md", "prices.yaml")


def starter_files() -> dict[str, str]:
    """Every file of a new project: path relative to its root -> text."""
    from qobserve.generate import generated_files
    from qobserve.slo import load

    catalog = builtin_catalog()
    files = {
        f"{DEFAULT_CATALOG_DIR}/{p.name}": p.read_text()
        for p in catalog.iterdir()
        if p.is_file() and not p.name.startswith((".", "_"))
    }
    files.update({name: data_path("init", name).read_text() for name in _EXTRAS})
    files.update(generated_files(load([catalog])))
    return dict(sorted(files.items()))


def write_starter(root: str | os.PathLike[str], *, force: bool = False) -> list[Path]:
    """Write the starter project under ``root``; returns the files written.

    Without ``force``, nothing is written when any of the files already exists: an
    :class:`InputError` names it.
    """
    from qobserve.generate import write_files

    base = Path(root)
    files = starter_files()
    existing = [base / rel for rel in files if (base / rel).exists()]
    if existing and not force:
        more = f" (and {len(existing) - 1} more files)" if len(existing) > 1 else ""
        raise InputError(f"already exists{more}; nothing written (--force overwrites)",
                         path=existing[0])  # fmt: skip
    write_files(base, files)
    return [base / rel for rel in files]
