"""Where the report's numbers come from: the embedded store, an events file, or Prometheus."""
