"""Files shipped inside the package, read through :mod:`importlib.resources`.

The default SLO catalog (``data/slo``) and the starter files of ``qobserve init``
(``data/init``) travel in the wheel, so every command works outside a checkout.

Example::

    >>> from qobserve.resources import builtin_catalog
    >>> sorted(p.name for p in builtin_catalog().glob("*.yaml"))[:2]
    ['backends.yaml', 'jobs.yaml']
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def data_path(*parts: str) -> Path:
    """A file or folder under the package's ``data/``, as a path on disk."""
    ref = files("qobserve").joinpath("data", *parts)
    if not isinstance(ref, Path):
        # a zipped install: the loaders and the init command need real files
        raise RuntimeError("qobserve's data files need an unzipped install (pip install)")
    return ref


def builtin_catalog() -> Path:
    """The default SLO catalog shipped with qobserve (what ``qobserve init`` copies)."""
    return data_path("slo")
