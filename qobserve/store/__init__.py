"""The embedded job event store (SQLite, WAL) and its exports."""

from qobserve.store.sqlite import EventStore

__all__ = ["EventStore"]
