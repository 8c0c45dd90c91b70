"""How often a use case reads and decides again after a concurrent change, and what it raises past that."""

from __future__ import annotations

MAX_ATTEMPTS = 6
"""Reads and decisions again after a concurrent change; past that the message goes back to its queue."""


class StillConcurrent(Exception):
    """The task kept changing under the sync: the event is retried later by its queue."""
