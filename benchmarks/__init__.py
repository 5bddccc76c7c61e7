"""Performance harness for qobserve; run with ``make bench`` (``python -m benchmarks``)."""
