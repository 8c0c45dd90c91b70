"""The fields of a change event's body that the sync reads, parsed.

Change Data Capture Developer Guide, "Change Event Body Fields", and Streaming API Developer Guide,
"Differences Between Change Events Received with Streaming API vs. Pub/Sub API":

- CometD JSON: "null fields and unchanged fields are excluded". CREATE and UNDELETE carry every
  non-empty field, UPDATE the changed ones (older guides: empty ones only when set to null), DELETE
  none; a field listed in ``changedFields`` but absent was set to null.
- Pub/Sub API, which Event Relay is built on: every field is present; unchanged and empty ones are null.
- Neither carries ``IsDeleted`` nor ``SystemModstamp`` ("Change Event Message Structure").
- Large text values may come as a diff ("Data Differences in Event Fields"): in CometD as
  ``{"diff": "--- \\n+++ <hash>\\n..."}``, through the Pub/Sub API as that text with the field named in
  ``diffFields``. The new value cannot be known without the old one.

So absent and null both read as None here, and which fields an event carries is the header's word.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from tasksync.change_events.errors import ChangeEventRejected
from tasksync.change_events.wire_values import date_value, datetime_value, shown
from tasksync.domain.salesforce_fields import DESCRIPTION_MAX, QUERY_FIELDS, SUBJECT_MAX

DATETIME_FIELDS = frozenset({"CreatedDate", "LastModifiedDate", "SystemModstamp"})
DATE_FIELDS = frozenset({"ActivityDate"})
BOOLEAN_FIELDS = frozenset({"IsRecurrence", "IsDeleted"})
MAX_LENGTHS = {"Subject": SUBJECT_MAX, "Description": DESCRIPTION_MAX}
BODY_FIELDS = frozenset(QUERY_FIELDS) - {"Id"}
"""What the sync reads of a body; the id comes in the header's ``recordIds``. Other fields are ignored."""


@dataclass(frozen=True)
class RecordFields:
    values: Mapping[str, object]
    """By API name, the ``BODY_FIELDS`` the body holds (None for a null, or for a value sent as a diff)."""
    diffed: frozenset[str]
    """``BODY_FIELDS`` whose new value came as a diff."""


def read_record_fields(payload: Mapping[str, object], where: str) -> RecordFields:
    values: dict[str, object] = {}
    diffed: set[str] = set()
    for name in BODY_FIELDS & payload.keys():
        raw = payload[name]
        if raw is None:
            values[name] = None
        elif _is_diff(name, raw):
            diffed.add(name)
            values[name] = None
        else:
            values[name] = _value(name, raw, where)
    return RecordFields(values=values, diffed=frozenset(diffed))


_NEVER_DIFFED = DATETIME_FIELDS | DATE_FIELDS | BOOLEAN_FIELDS


def _is_diff(name: str, raw: object) -> bool:
    # A string is never a Mapping: asked first, it spares most values the slower abstract check.
    if isinstance(raw, str) or name in _NEVER_DIFFED or not isinstance(raw, Mapping):
        return False
    return raw.keys() == {"diff"} and isinstance(raw["diff"], str)


def _value(name: str, raw: object, where: str) -> object:
    """``raw`` is not None; ``where`` names the event (the field's name is added to it)."""
    if name in DATETIME_FIELDS:
        return datetime_value(raw, f"{where}: {name}")
    if name in DATE_FIELDS:
        return date_value(raw, f"{where}: {name}")
    if name in BOOLEAN_FIELDS:
        if not isinstance(raw, bool):
            raise ChangeEventRejected(f"{where}: {name} must be true or false, not {shown(raw)}")
        return raw
    if not isinstance(raw, str):
        raise ChangeEventRejected(f"{where}: {name} must be a string, not {shown(raw)}")
    limit = MAX_LENGTHS.get(name)
    if limit is not None and len(raw) > limit:
        raise ChangeEventRejected(f"{where}: {name} is longer than a Task's {limit} characters")
    return raw
