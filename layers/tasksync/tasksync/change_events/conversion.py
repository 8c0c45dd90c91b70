"""Validated Task change events as the engine's ``SalesforceChange`` values, and the signals to reconcile
an org when an event stands for every Task.

- One ``SalesforceChange`` per record id: a merged event names several records ("Merged Change Events",
  whose examples include a delete of several records).
- ``carried``: for CREATE and UNDELETE the body is the whole record ("Change Event Body Fields"), so every
  field the sync reads, those the body lacks being empty; for UPDATE the fields named in
  ``changedFields`` and ``nulledFields``, never the keys present (a Pub/Sub body holds every key, and
  enrichment adds unchanged ones, "Enrich Change Events with Extra Fields"); none for DELETE.
- Gap events (``GAP_CREATE`` ...) carry only the header ("Gap Events"): ``ChangeType.GAP``, the record
  is read again. So is an event the sync cannot interpret without guessing: an UPDATE whose field lists
  are missing, empty or Pub/Sub bitmaps (which need the event's Avro schema, Pub/Sub API Developer
  Guide, "Event Deserialization Considerations"), and any event with a value sent as a diff ("Data
  Differences in Event Fields").
- ``GAP_OVERFLOW`` (no record ids) and the wildcard record id ``00T*`` ("Conversions That Generate a
  Change Event") mean every Task may have changed: a ``ReconcileOrg``, not a change.
- ``modified_at`` is the body's ``LastModifiedDate``, else its ``CreatedDate``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import ValidationError

from tasksync.change_events.errors import ChangeEventRejected
from tasksync.change_events.header import EventType
from tasksync.change_events.messages import TaskChangeEvent, TaskChangeEvents, read_change_events
from tasksync.domain.salesforce_task import QUERY_FIELDS, SalesforceTask
from tasksync.engine.changes import ChangeType, SalesforceChange

_APPLIED_TYPES = {
    EventType.CREATE: ChangeType.CREATE,
    EventType.UPDATE: ChangeType.UPDATE,
    EventType.DELETE: ChangeType.DELETE,
    EventType.UNDELETE: ChangeType.UNDELETE,
}

_WHOLE_RECORD = frozenset(QUERY_FIELDS)


class ReconcileReason(StrEnum):
    OVERFLOW = "GAP_OVERFLOW"
    """A transaction of more than 100,000 changes: its events were not sent."""
    FIELD_CONVERSION = "FIELD_CONVERSION"
    """A custom field's type was changed in a way that lost data in every record (``00T*``)."""


@dataclass(frozen=True)
class ReconcileOrg:
    """Every Task of the org may have changed at ``commit_at``: reconcile them all."""

    org_id: str
    reason: ReconcileReason
    commit_at: datetime
    event_key: str | None = None


@dataclass(frozen=True)
class OrgChanges:
    org_id: str
    changes: tuple[SalesforceChange | ReconcileOrg, ...]
    """In the body's order; the changes of one event in its ``recordIds`` order."""


def parse_change_events(body: object, *, org_id: str | None = None) -> OrgChanges:
    """``messages.read_change_events`` then ``to_salesforce_changes``; raises ``ChangeEventRejected``."""
    return to_salesforce_changes(read_change_events(body, org_id=org_id))


def to_salesforce_changes(events: TaskChangeEvents) -> OrgChanges:
    changes: list[SalesforceChange | ReconcileOrg] = []
    for event in events.events:
        header = event.header
        if header.whole_entity:
            overflow = header.change_type is EventType.GAP_OVERFLOW
            reason = ReconcileReason.OVERFLOW if overflow else ReconcileReason.FIELD_CONVERSION
            changes.append(ReconcileOrg(events.org_id, reason, header.commit_at, header.event_key))
            continue
        change_type = _change_type(event)
        carried = _carried(change_type, event)
        client_id, event_key = header.client_id, header.event_key
        changes.extend(
            SalesforceChange(
                change_type=change_type,
                task=task,
                carried=carried,
                commit_at=header.commit_at,
                client_id=client_id,
                event_key=event_key,
                modified_at=task.last_modified_date or task.created_date,
            )
            for task in _tasks(event)
        )
    return OrgChanges(org_id=events.org_id, changes=tuple(changes))


def _tasks(event: TaskChangeEvent) -> list[SalesforceTask]:
    """One record per id, holding what the body holds (None elsewhere)."""
    try:
        return [SalesforceTask.model_validate({"Id": sf_id, **event.values}) for sf_id in event.header.record_ids]
    except ValidationError as error:  # the body's values were checked as they were read: not expected
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ChangeEventRejected(f"not a Task the sync can read ({problems})") from None


def _change_type(event: TaskChangeEvent) -> ChangeType:
    header = event.header
    if header.change_type.is_gap or event.diffed_fields:
        return ChangeType.GAP
    if header.change_type is EventType.UPDATE and (header.encoded_field_lists or not header.changed_fields):
        return ChangeType.GAP
    return _APPLIED_TYPES[header.change_type]


def _carried(change_type: ChangeType, event: TaskChangeEvent) -> frozenset[str]:
    if change_type in (ChangeType.CREATE, ChangeType.UNDELETE):
        return _WHOLE_RECORD
    if change_type is ChangeType.UPDATE:
        return (event.header.changed_fields or frozenset()) | (event.header.nulled_fields or frozenset())
    return frozenset()
