"""qobserve: observability and SLOs for quantum workloads."""

__version__ = "0.1.0"
