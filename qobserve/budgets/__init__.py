"""Budgets: spending caps from ``budgets.yaml``, enforced before submission when asked to.

:mod:`qobserve.budgets.model` holds the caps and their loader, :mod:`qobserve.budgets.spend`
the spend so far read from the event store, :mod:`qobserve.budgets.enforce` the check that
runs before every submission (``configure(budgets=...)``); see docs/budgets.md.
"""

from __future__ import annotations

#: the ``version`` of a budgets file
FORMAT = "qobserve.budgets/v1"
#: its name in a catalog folder (the SLO loader leaves these files alone)
FILE_NAMES = ("budgets.yaml", "budgets.yml")
