"""Change Data Capture: the change events of committed Task changes, as a CometD subscriber to
``/data/TaskChangeEvent`` receives them, kept for replay.

Shapes (Change Data Capture Developer Guide):

- "Change Event Message Structure": ``{"data": {"schema": "<schema_ID>", "payload":
  {"ChangeEventHeader": {...}, "field1": ..., ...}, "event": {"replayId": <replayID>}}, "channel":
  "/data/<channel>"}``; change events never carry IsDeleted nor SystemModstamp.
- "ChangeEventHeader Fields": ``entityName``, ``recordIds``, ``changeType`` (CREATE, UPDATE, DELETE,
  UNDELETE, GAP_CREATE, GAP_UPDATE, GAP_DELETE, GAP_UNDELETE, GAP_OVERFLOW), ``changeOrigin``
  (``com/salesforce/api/<api>/<version>;client=<id>``, the ``;client=`` part only when the call set
  ``Sforce-Call-Options: client=...``; empty for changes not made through an API), ``transactionKey``,
  ``sequenceNumber`` (order within the transaction), ``commitTimestamp`` (epoch milliseconds; the
  emulator keeps it strictly increasing per org, even under a frozen clock),
  ``commitNumber``, ``commitUser``, ``changedFields``, ``nulledFields``, ``diffFields``. Apex
  ``EventBus.ChangeEventHeader``: ``changedFields`` lists the fields changed by an update, including
  LastModifiedDate, and is empty for other operations.
- "Change Event Body Fields", JSON (CometD) messages: CREATE carries all non-empty fields and system
  fields such as CreatedDate and OwnerId; UPDATE only the changed fields, empty ones only when set to
  null, plus LastModifiedDate, and LastModifiedById only when it changed; DELETE no fields; UNDELETE
  all non-empty fields. Datetimes as ``2022-05-11T16:20:59.000Z`` ("Example: Delivered Enriched Event
  Messages"), dates as ``YYYY-MM-DD``.
- "Change Event Storage and Delivery": events are kept 72 hours.
- Gap events carry the header only; GAP_OVERFLOW (after more than 100,000 changes in one transaction)
  has no record ids.
- "ChangeEventHeader Fields", ``recordIds``: when one transaction makes the same change to several
  records of an object within a second, Salesforce sends one event with all their ids. The emulator
  does so only when the org's ``merge_identical_changes`` setting is on (default off: one event per
  record, so each change is easy to follow in tests).

Not documented, chosen here: ``diffFields`` is always empty (no field is sent as a diff);
``nulledFields`` lists the UPDATE fields set to null (the Pub/Sub API carries both as bitmaps; CometD
JSON carries them as lists, if at all); ``IsClosed`` and ``CompletedDateTime`` appear like any other
field when Status changes them; the schema id is a stable hash of the Task field names.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from local.salesforce_org import formats
from local.salesforce_org.schema import CDC_EXCLUDED_FIELDS, TASK

CHANNEL = "/data/TaskChangeEvent"
RETENTION = timedelta(hours=72)
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
    number: int
    transaction_key: str

    @staticmethod
    def new_transaction_key() -> str:
        return str(uuid.uuid4())


@dataclass(frozen=True)
class ChangeEvent:
    replay_id: int
    published_at: datetime
    message: dict[str, Any]

    @property
    def header(self) -> dict[str, Any]:
        header: dict[str, Any] = self.message["data"]["payload"]["ChangeEventHeader"]
        return header

    def body(self) -> bytes:
        return json.dumps(self.message, separators=(",", ":")).encode()


def cdc_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return formats.cdc_datetime(value)
    if isinstance(value, date):
        return formats.rest_date(value)
    return value


def _non_empty_fields(record: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: cdc_value(record[name])
        for name in TASK.field_names
        if name not in CDC_EXCLUDED_FIELDS and record.get(name) is not None
    }


def payload_of(change: RecordChange) -> tuple[dict[str, Any], list[str], list[str]]:
    """(body fields, changedFields, nulledFields) of one change."""
    if change.kind in (ChangeType.CREATE, ChangeType.UNDELETE):
        assert change.after is not None
        return _non_empty_fields(change.after), [], []
    if change.kind is ChangeType.UPDATE:
        assert change.before is not None and change.after is not None
        changed = [
            name
            for name in TASK.field_names
            if name not in CDC_EXCLUDED_FIELDS
            and (name == "LastModifiedDate" or change.before.get(name) != change.after.get(name))
        ]
        fields = {name: cdc_value(change.after.get(name)) for name in changed}
        nulled = [name for name in changed if change.after.get(name) is None]
        return fields, changed, nulled
    return {}, [], []


def header(
    change_type: ChangeType,
    record_ids: Sequence[str],
    commit: Commit,
    sequence_number: int,
    changed: Sequence[str] = (),
    nulled: Sequence[str] = (),
) -> dict[str, Any]:
    return {
        "entityName": "Task",
        "recordIds": list(record_ids),
        "changeType": change_type.value,
        "changeOrigin": commit.origin,
        "transactionKey": commit.transaction_key,
        "sequenceNumber": sequence_number,
        "commitTimestamp": formats.epoch_millis(commit.timestamp),
        "commitNumber": commit.number,
        "commitUser": commit.user_id,
        "nulledFields": list(nulled),
        "diffFields": [],
        "changedFields": list(changed),
    }


def transaction_payloads(
    changes: Sequence[RecordChange], commit: Commit, *, merge_identical: bool, gap_kinds: Sequence[bool] = ()
) -> list[dict[str, Any]]:
    """The payloads (header + fields) of one transaction's changes, in commit order.

    ``gap_kinds[i]`` true turns change i into its GAP_ event (header only), as Salesforce does when it
    cannot build the event (fault injection).
    """
    groups: list[tuple[ChangeType, list[str], dict[str, Any], list[str], list[str]]] = []
    for index, change in enumerate(changes):
        as_gap = index < len(gap_kinds) and gap_kinds[index]
        kind = change.kind.gap if as_gap else change.kind
        fields, changed, nulled = ({}, [], []) if as_gap else payload_of(change)
        if merge_identical and groups:
            last_kind, last_ids, last_fields, last_changed, _ = groups[-1]
            if last_kind is kind and last_fields == fields and last_changed == changed:
                last_ids.append(change.record_id)
                continue
        groups.append((kind, [change.record_id], fields, changed, nulled))
    payloads = []
    for sequence, (kind, record_ids, fields, changed, nulled) in enumerate(groups, start=1):
        payloads.append({"ChangeEventHeader": header(kind, record_ids, commit, sequence, changed, nulled), **fields})
    return payloads


class EventLog:
    """One org's published change events, kept ``RETENTION`` by the emulator clock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[ChangeEvent] = []
        self._next_replay_id = 1

    def publish(self, payload: dict[str, Any], now: datetime) -> ChangeEvent:
        with self._lock:
            replay_id = self._next_replay_id
            self._next_replay_id += 1
            message = {
                "data": {"schema": SCHEMA_ID, "payload": payload, "event": {"replayId": replay_id}},
                "channel": CHANNEL,
            }
            event = ChangeEvent(replay_id=replay_id, published_at=now, message=message)
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
