"""Change Data Capture: the change events of committed Task changes, kept for replay, in the shape a
CometD subscriber to ``/data/TaskChangeEvent`` receives or (a switch, off by default) the one a Pub/Sub
API client, and so Event Relay, receives.

Shapes (Change Data Capture Developer Guide unless said otherwise):

- "Change Event Message Structure": ``{"data": {"schema": "<schema_ID>", "payload":
  {"ChangeEventHeader": {...}, "field1": ..., ...}, "event": {"replayId": <replayID>}}, "channel":
  "/data/<channel>"}``; change events never carry IsDeleted nor SystemModstamp.
- "ChangeEventHeader Fields": ``entityName``, ``recordIds``, ``changeType`` (CREATE, UPDATE, DELETE,
  UNDELETE, GAP_CREATE, GAP_UPDATE, GAP_DELETE, GAP_UNDELETE, GAP_OVERFLOW), ``changeOrigin``,
  ``transactionKey``, ``sequenceNumber`` (order within the transaction), ``commitTimestamp`` (epoch
  milliseconds), ``commitNumber``, ``commitUser``, ``changedFields``, ``nulledFields``, ``diffFields``.
  Apex ``EventBus.ChangeEventHeader``: ``changedFields`` lists the fields an update changed, including
  LastModifiedDate, and is empty for other operations. ``commitTimestamp`` is a whole second in every
  documented example, as are the org's datetimes: two commits in one second share it (``commitNumber``
  still grows; ``sequenceNumber`` orders the events of one transaction).
- Streaming API Developer Guide, "Differences Between Change Events Received with Streaming API vs.
  Pub/Sub API": through CometD "Null fields and unchanged fields are excluded from the event message"
  and the header has no ``nulledFields`` nor ``diffFields``. So an UPDATE carries its changed non-null
  fields and LastModifiedDate, and a field listed in ``changedFields`` but absent from the body was
  nulled; CREATE and UNDELETE carry every non-empty field; DELETE none ("Change Event Body Fields").
  Through the Pub/Sub API: "All the record fields, including the unchanged fields. Unchanged fields are
  null even if they have a value in the Salesforce record", the header adds ``nulledFields`` and
  ``diffFields``, and "Date fields are in Epoch time" ("Change Event Body Fields", Pub/Sub clients: a
  DELETE has every field, empty; CREATE and UNDELETE every field, empty ones null).
- CometD datetimes as ``2022-05-11T16:20:59.000Z`` ("Example: Delivered Enriched Event Messages"),
  dates as ``YYYY-MM-DD``.
- "Change Event Storage and Delivery": events are kept 72 hours.
- Gap events carry the header only; GAP_OVERFLOW (after more than 100,000 changes in one transaction)
  has no record ids.
- "ChangeEventHeader Fields", ``recordIds``: "If in one transaction the same change occurred in
  multiple records of the same object type during one second, Salesforce merges the change
  notifications" into one event naming them all (the org's ``merge_identical_changes``, on by
  default); it "can contain a wildcard value", the key prefix and ``*`` (``00T*``), for a custom field
  type conversion that loses data ("Conversions That Generate a Change Event": one event for all the
  affected records, with no record fields).

Not documented, chosen here: the Streaming API page's table leaves ``changedFields`` out of CometD
headers too, but its own CometD example and every other one carry it, so the emulator does; in the
Pub/Sub shape ``changedFields`` and ``nulledFields`` are lists of names (as a client has them once it
decodes the bitmaps, and as Event Relay is taken to deliver them), ``diffFields`` is always empty, and
datetimes and dates are epoch milliseconds (a date at midnight UTC); ``IsClosed`` and
``CompletedDateTime`` appear like any other field when Status changes them; identical changes merge
wherever they fall in the transaction, the event taking the first one's place; the schema id is a
stable hash of the Task field names.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from local.salesforce_org import formats, ids
from local.salesforce_org.schema import CDC_EXCLUDED_FIELDS, TASK

CHANNEL = "/data/TaskChangeEvent"
RETENTION = timedelta(hours=72)
EVENT_FIELDS = tuple(name for name in TASK.field_names if name not in CDC_EXCLUDED_FIELDS)
WILDCARD_RECORD_ID = f"{ids.TASK}*"
SCHEMA_ID = (
    base64.urlsafe_b64encode(hashlib.sha256(",".join(TASK.field_names).encode()).digest()[:16]).decode().rstrip("=")
)


class ChangeType(StrEnum):
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
    def gap(self) -> ChangeType:
        return ChangeType(f"GAP_{self.value}") if not self.value.startswith("GAP_") else self


class Shape(StrEnum):
    """How an event's payload is laid out: as CometD delivers it, or as the Pub/Sub API does."""

    COMETD = "cometd"
    PUBSUB = "pubsub"


@dataclass(frozen=True)
class RecordChange:
    """One committed change of one record; ``before``/``after`` are whole records (None when absent)."""

    kind: ChangeType
    record_id: str
    before: Mapping[str, Any] | None
    after: Mapping[str, Any] | None


@dataclass(frozen=True)
class Commit:
    """What every event of one transaction shares."""

    origin: str
    user_id: str
    timestamp: datetime
    """A whole second."""
    number: int
    transaction_key: str

    @staticmethod
    def new_transaction_key() -> str:
        return str(uuid.uuid4())


@dataclass(frozen=True)
class EventContent:
    """What one change event says, whichever shape carries it."""

    kind: ChangeType
    record_ids: tuple[str, ...]
    commit: Commit
    sequence_number: int = 1
    changed: tuple[str, ...] = ()
    """``changedFields``: an UPDATE's changed fields, nulled ones and LastModifiedDate included."""
    values: Mapping[str, Any] = field(default_factory=dict)
    """The record values the event carries: every field for CREATE and UNDELETE, the changed fields'
    new values (None when nulled) for UPDATE, none otherwise."""

    @property
    def nulled(self) -> tuple[str, ...]:
        return tuple(name for name in self.changed if name in self.values and self.values[name] is None)

    def payload(self, shape: Shape) -> dict[str, Any]:
        commit = self.commit
        header: dict[str, Any] = {
            "entityName": TASK.name,
            "recordIds": list(self.record_ids),
            "changeType": self.kind.value,
            "changeOrigin": commit.origin,
            "transactionKey": commit.transaction_key,
            "sequenceNumber": self.sequence_number,
            "commitTimestamp": formats.epoch_millis(commit.timestamp),
            "commitNumber": commit.number,
            "commitUser": commit.user_id,
        }
        if shape is Shape.COMETD:
            header["changedFields"] = list(self.changed)
            carried = {name: cdc_value(value) for name, value in self.values.items() if value is not None}
            return {"ChangeEventHeader": header, **carried}
        header.update({"nulledFields": list(self.nulled), "diffFields": [], "changedFields": list(self.changed)})
        return {"ChangeEventHeader": header, **{name: epoch_value(self.values.get(name)) for name in EVENT_FIELDS}}


@dataclass(frozen=True)
class ChangeEvent:
    replay_id: int
    published_at: datetime
    content: EventContent
    message: dict[str, Any]
    """The CometD message as published (its payload in the shape drawn for the event)."""
    event_uuid: str
    """The event's UUID, as the Pub/Sub API names each event."""

    def body(self) -> bytes:
        return json.dumps(self.message, separators=(",", ":")).encode()


def cometd_message(content: EventContent, shape: Shape, replay_id: int) -> dict[str, Any]:
    """The CometD message of one event ("Change Event Message Structure"), its payload in ``shape``."""
    return {
        "data": {"schema": SCHEMA_ID, "payload": content.payload(shape), "event": {"replayId": replay_id}},
        "channel": CHANNEL,
    }


def cdc_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return formats.cdc_datetime(value)
    if isinstance(value, date):
        return formats.rest_date(value)
    return value


def epoch_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return formats.epoch_millis(value)
    if isinstance(value, date):
        return formats.epoch_millis(datetime.combine(value, time(), UTC))
    return value


def _carried(change: RecordChange) -> tuple[tuple[str, ...], dict[str, Any]]:
    """(changedFields, values) of one change."""
    if change.kind in (ChangeType.CREATE, ChangeType.UNDELETE):
        assert change.after is not None
        return (), {name: change.after.get(name) for name in EVENT_FIELDS}
    if change.kind is ChangeType.UPDATE:
        before, after = change.before, change.after
        assert before is not None and after is not None
        changed = tuple(
            name for name in EVENT_FIELDS if name == "LastModifiedDate" or before.get(name) != after.get(name)
        )
        return changed, {name: after.get(name) for name in changed}
    return (), {}


def transaction_contents(
    changes: Sequence[RecordChange], commit: Commit, *, merge_identical: bool, gap_kinds: Sequence[bool] = ()
) -> list[EventContent]:
    """The events of one transaction's changes, in commit order.

    ``gap_kinds[i]`` true turns change i into its GAP_ event (header only), as Salesforce does when it
    cannot build the event (fault injection).
    """
    groups: dict[Hashable, tuple[ChangeType, list[str], tuple[str, ...], dict[str, Any]]] = {}
    for index, change in enumerate(changes):
        as_gap = index < len(gap_kinds) and gap_kinds[index]
        kind = change.kind.gap if as_gap else change.kind
        changed, values = ((), {}) if as_gap else _carried(change)
        key: Hashable = (kind, changed, tuple(values.items())) if merge_identical else index
        groups.setdefault(key, (kind, [], changed, values))[1].append(change.record_id)
    return [
        EventContent(kind, tuple(record_ids), commit, sequence, changed, values)
        for sequence, (kind, record_ids, changed, values) in enumerate(groups.values(), start=1)
    ]


class EventLog:
    """One org's published change events, kept ``RETENTION`` by the org's clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[ChangeEvent] = []
        self._next_replay_id = 1

    def publish(self, content: EventContent, shape: Shape, now: datetime) -> ChangeEvent:
        with self._lock:
            replay_id = self._next_replay_id
            self._next_replay_id += 1
            message = cometd_message(content, shape, replay_id)
            event = ChangeEvent(replay_id, now, content, message, str(uuid.uuid4()))
            self._events.append(event)
            self._expire(now)
            return event

    def after(self, replay_id: int | None, now: datetime) -> list[ChangeEvent]:
        """Retained events after ``replay_id`` (all retained ones for None or -2, as CometD's -2 means
        "all retained events"; none for -1, "new events only")."""
        with self._lock:
            self._expire(now)
            if replay_id == -1:
                return []
            if replay_id is None or replay_id == -2:
                return list(self._events)
            return [e for e in self._events if e.replay_id > replay_id]

    @property
    def last_replay_id(self) -> int:
        with self._lock:
            return self._next_replay_id - 1

    def _expire(self, now: datetime) -> None:
        horizon = now - RETENTION
        while self._events and self._events[0].published_at < horizon:
            self._events.pop(0)
