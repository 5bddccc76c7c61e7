"""SLO specifications: the internal model and the parsers of qobserve/v1, OpenSLO and Sloth.

Example::

    from qobserve.slo import load
    for slo in load(["slo"]):
        print(slo.name, slo.objective, slo.period_str, slo.sli.kind)
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from qobserve.slo.model import SLI, SLO, AlertSpec, EventSLI, TimeSliceSLI
from qobserve.slo.problems import InputWarning

if TYPE_CHECKING:
    from qobserve.slo.loader import load

#: The project's catalog folder, relative to the working directory (``qobserve init`` writes it).
DEFAULT_CATALOG_DIR = "slo"

__all__ = ["DEFAULT_CATALOG_DIR", "SLI", "SLO", "AlertSpec", "EventSLI", "InputWarning",
           "TimeSliceSLI", "default_catalog", "load"]  # fmt: skip


def default_catalog() -> str:
    """What commands read when given no specs: ``slo/`` when the working directory has one,
    else the catalog shipped inside the package."""
    if Path(DEFAULT_CATALOG_DIR).is_dir():
        return DEFAULT_CATALOG_DIR
    from qobserve.resources import builtin_catalog

    return str(builtin_catalog())


def __getattr__(name: str) -> Any:
    # The parsers need PyYAML and promql-parser (the `slo` extra): import them on first use,
    # so the model and `qobserve --help` work without them.
    if name == "load":
        from qobserve.slo.loader import load

        return load
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
