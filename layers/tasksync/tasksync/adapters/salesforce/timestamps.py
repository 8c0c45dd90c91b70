"""Salesforce date and time formats, and the windows of getUpdated / getDeleted.

- REST answers carry ``2013-05-07T22:07:19.000+0000`` (no colon in the offset), sometimes ``...Z``.
- SOQL datetime literals are unquoted, ``2024-01-01T00:00:00Z`` (SOQL and SOSL Reference, "Date
  Formats and Date Literals").
- REST API Developer Guide, "sObject Get Updated": results for no more than 30 days back; "sObject Get
  Deleted": no more than 15 days back. Start must be at least a minute before end, else
  ``INVALID_REPLICATION_DATE``; seconds are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tasksync.domain.base import require_aware
from tasksync.ports.salesforce import MIN_WINDOW

# Keep clear of the retention edge: a start that is exactly 30 days old when computed may be older
# than that when Salesforce checks it.
RETENTION_MARGIN = timedelta(minutes=5)


def parse_sf_datetime(value: str) -> datetime:
    """``2013-05-07T22:07:19.000+0000``, ``...+00:00`` or ``...Z``, as an aware UTC datetime."""
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    elif len(text) >= 5 and text[-5] in "+-" and text[-4:].isdigit():
        text = f"{text[:-2]}:{text[-2:]}"
    return datetime.fromisoformat(text).astimezone(UTC)


def soql_datetime(value: datetime) -> str:
    """A SOQL datetime literal in UTC: unquoted, whole seconds, ``Z``."""
    utc = require_aware(value, "datetime").astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class ReplicationWindow:
    start: datetime
    end: datetime
    start_clamped: bool
    """True when the asked start lay beyond what Salesforce keeps: changes before ``start`` are lost
    to this call."""

    @property
    def too_short(self) -> bool:
        """Shorter than a minute (or empty): nothing to ask Salesforce yet."""
        return self.end - self.start < MIN_WINDOW


def clamp_window(start: datetime, end: datetime, now: datetime, retention: timedelta) -> ReplicationWindow:
    """The part of [start, end] that Salesforce can answer, in UTC whole seconds."""
    start = require_aware(start, "start").astimezone(UTC).replace(microsecond=0)
    end = require_aware(end, "end").astimezone(UTC).replace(microsecond=0)
    now = require_aware(now, "now").astimezone(UTC).replace(microsecond=0)
    earliest = now - retention + RETENTION_MARGIN
    return ReplicationWindow(start=max(start, earliest), end=min(end, now), start_clamped=start < earliest)
