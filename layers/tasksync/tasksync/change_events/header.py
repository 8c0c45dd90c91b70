"""The ``ChangeEventHeader`` of a Task change event, validated.

Change Data Capture Developer Guide, "ChangeEventHeader Fields":

- ``entityName`` (here always ``Task``), ``changeType`` (``CREATE``, ``UPDATE``, ``DELETE``,
  ``UNDELETE`` and their ``GAP_`` forms, and ``GAP_OVERFLOW``).
- ``recordIds``: usually one id; one event for several records when a transaction made the same change
  to them within a second ("Merged Change Events"). The wildcard ``00T*`` stands for every record of
  the object after a custom field type conversion that lost data ("Conversions That Generate a Change
  Event"). ``GAP_OVERFLOW``, sent for an entity's changes beyond a transaction's first 100,000, has
  none ("Overflow Events").
- ``changeOrigin``: ``com/salesforce/api/<api>/<version>;client=<Client_ID>``, the ``client=`` part only
  when the caller set ``Sforce-Call-Options: client=...`` (REST API Developer Guide, "Call Options
  Header", which separates options with ``;``), e.g. ``com/salesforce/api/soap/51.0;client=SfdcInternalAPI/``
  for a Lightning edit; empty for changes made neither through an API nor in Lightning.
- ``transactionKey`` and ``sequenceNumber`` (the change's order in its transaction) name the event;
  ``commitTimestamp`` is when its transaction committed.
- ``changedFields``, ``nulledFields``, ``diffFields``: field names, but through the Pub/Sub API (so,
  possibly, Event Relay) bitmaps of hexadecimal strings such as ``['0x650004E0', '4-0x10']`` whose bits
  index the Avro schema (Pub/Sub API Developer Guide, "Event Deserialization Considerations"): without
  that schema they cannot be read. CometD deliveries omit ``nulledFields`` and ``diffFields`` (Streaming
  API Developer Guide, "Differences Between Change Events Received with Streaming API vs. Pub/Sub API").

Any header field may be absent or null. Absent or null is refused only where nothing can be done
without the field: ``entityName``, ``changeType``, ``commitTimestamp`` (a change that cannot be
ordered), and ``recordIds`` outside ``GAP_OVERFLOW``. ``commitNumber`` and ``commitUser`` are not read.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from tasksync.change_events.errors import ChangeEventRejected
from tasksync.change_events.wire_values import TASK_KEY_PREFIX, datetime_of_epoch_ms, is_record_id, shown

WILDCARD_RECORD_ID = TASK_KEY_PREFIX + "*"

_FIELD_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)?")
_BITMAP = re.compile(r"(?:\d+-)?0x[0-9A-Fa-f]+")
_KIND_NAMES: dict[type, str] = {str: "a string", int: "an integer", list: "a list"}

_T = TypeVar("_T")


class EventType(StrEnum):
    """``changeType`` as Salesforce sends it."""

    CREATE = "CREATE"
    UPDATE = "UPDATE"
    DELETE = "DELETE"
    UNDELETE = "UNDELETE"
    GAP_CREATE = "GAP_CREATE"
    GAP_UPDATE = "GAP_UPDATE"
    GAP_DELETE = "GAP_DELETE"
    GAP_UNDELETE = "GAP_UNDELETE"
    GAP_OVERFLOW = "GAP_OVERFLOW"

    @property
    def is_gap(self) -> bool:
        return self.value.startswith("GAP_")


_EVENT_TYPES = {event_type.value: event_type for event_type in EventType}
"""By ``changeType``: a lookup, cheaper than calling the enum on every event."""


@dataclass(frozen=True)
class ChangeEventHeader:
    """A field list is None when the header did not send it, or sent it as bitmaps
    (``encoded_field_lists``)."""

    change_type: EventType
    record_ids: tuple[str, ...]
    """In the header's order, each once; may hold ``WILDCARD_RECORD_ID``."""
    commit_at: datetime
    change_origin: str | None = None
    transaction_key: str | None = None
    sequence_number: int | None = None
    changed_fields: frozenset[str] | None = None
    nulled_fields: frozenset[str] | None = None
    diff_fields: frozenset[str] | None = None
    encoded_field_lists: bool = False

    @property
    def whole_entity(self) -> bool:
        """The event stands for every Task of the org: reconcile, do not apply it record by record."""
        return self.change_type is EventType.GAP_OVERFLOW or WILDCARD_RECORD_ID in self.record_ids

    @property
    def client_id(self) -> str | None:
        return client_id_of(self.change_origin)

    @property
    def event_key(self) -> str | None:
        """``<transactionKey>/<sequenceNumber>``: the same for a redelivery of the event."""
        if not self.transaction_key or self.sequence_number is None:
            return None
        return f"{self.transaction_key}/{self.sequence_number}"


def client_id_of(change_origin: str | None) -> str | None:
    """The value of the ``client=`` option of a ``changeOrigin``, None when it has none (or an empty one)."""
    if not change_origin:
        return None
    for option in change_origin.split(";")[1:]:  # the first part is the API and its version
        key, has_value, value = option.partition("=")
        if has_value and key.strip() == "client":
            return value.strip() or None
    return None


def read_header(raw: object, where: str) -> ChangeEventHeader:
    """``raw`` is the payload's ``ChangeEventHeader``; ``where`` names the event in error messages."""
    if not isinstance(raw, Mapping):
        raise ChangeEventRejected(f"{where}: ChangeEventHeader must be a JSON object, not {shown(raw)}")
    entity = _optional(raw, "entityName", str, where)
    if entity is None:
        raise ChangeEventRejected(f"{where}: ChangeEventHeader.entityName is missing")
    if entity != "Task":
        raise ChangeEventRejected(f"{where} is a change event of {entity!r}, not of Task")
    change_type = _change_type(raw, where)
    commit_timestamp = raw.get("commitTimestamp")
    if commit_timestamp is None:
        raise ChangeEventRejected(
            f"{where}: ChangeEventHeader.commitTimestamp is missing (the change cannot be ordered)"
        )
    changed, changed_encoded = _field_list(raw, "changedFields", where)
    nulled, nulled_encoded = _field_list(raw, "nulledFields", where)
    diffed, diffed_encoded = _field_list(raw, "diffFields", where)
    return ChangeEventHeader(
        change_type=change_type,
        record_ids=_record_ids(raw, change_type, where),
        commit_at=datetime_of_epoch_ms(commit_timestamp, f"{where}: ChangeEventHeader.commitTimestamp"),
        change_origin=_optional(raw, "changeOrigin", str, where),
        transaction_key=_optional(raw, "transactionKey", str, where),
        sequence_number=_optional(raw, "sequenceNumber", int, where),
        changed_fields=changed,
        nulled_fields=nulled,
        diff_fields=diffed,
        encoded_field_lists=changed_encoded or nulled_encoded or diffed_encoded,
    )


def _change_type(raw: Mapping[str, object], where: str) -> EventType:
    text = _optional(raw, "changeType", str, where)
    if text is None:
        raise ChangeEventRejected(f"{where}: ChangeEventHeader.changeType is missing")
    change_type = _EVENT_TYPES.get(text)
    if change_type is None:
        raise ChangeEventRejected(f"{where}: unknown ChangeEventHeader.changeType {text!r}")
    return change_type


def _record_ids(raw: Mapping[str, object], change_type: EventType, where: str) -> tuple[str, ...]:
    listed = _optional(raw, "recordIds", list, where) or []
    for record_id in listed:
        if not isinstance(record_id, str) or not (
            record_id == WILDCARD_RECORD_ID or is_record_id(record_id, TASK_KEY_PREFIX)
        ):
            raise ChangeEventRejected(f"{where}: {shown(record_id)} in ChangeEventHeader.recordIds is not a Task id")
    if not listed and change_type is not EventType.GAP_OVERFLOW:
        raise ChangeEventRejected(f"{where}: ChangeEventHeader.recordIds is missing or empty")
    return tuple(dict.fromkeys(listed))


def _field_list(raw: Mapping[str, object], key: str, where: str) -> tuple[frozenset[str] | None, bool]:
    """(the names, None when not sent or encoded; whether it came as bitmaps)."""
    listed = _optional(raw, key, list, where)
    if listed is None:
        return None, False
    if not all(isinstance(item, str) for item in listed):
        raise ChangeEventRejected(f"{where}: ChangeEventHeader.{key} must be a list of strings, not {shown(listed)}")
    if all(map(_FIELD_NAME.fullmatch, listed)):
        return frozenset(listed), False
    if all(map(_BITMAP.fullmatch, listed)):
        return None, True
    raise ChangeEventRejected(
        f"{where}: ChangeEventHeader.{key} holds neither field names nor Pub/Sub bitmaps: {shown(listed)}"
    )


def _optional(raw: Mapping[str, object], key: str, kind: type[_T], where: str) -> _T | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ChangeEventRejected(f"{where}: ChangeEventHeader.{key} must be {_KIND_NAMES[kind]}, not {shown(value)}")
    return value
