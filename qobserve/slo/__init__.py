"""SLO specifications: the internal model and the parsers of qobserve/v1, OpenSLO and Sloth."""

from qobserve.slo.model import SLI, SLO, AlertSpec, EventSLI, TimeSliceSLI

__all__ = ["SLI", "SLO", "AlertSpec", "EventSLI", "TimeSliceSLI"]
