"""SLO specifications: the internal model and the parsers of qobserve/v1, OpenSLO and Sloth.

Example::

    from qobserve.slo import load
    for slo in load(["slo"]):
        print(slo.name, slo.objective, slo.period_str, slo.sli.kind)
"""

from qobserve.slo.loader import load
from qobserve.slo.model import SLI, SLO, AlertSpec, EventSLI, TimeSliceSLI
from qobserve.slo.problems import InputWarning

__all__ = ["SLI", "SLO", "AlertSpec", "EventSLI", "InputWarning", "TimeSliceSLI", "load"]
