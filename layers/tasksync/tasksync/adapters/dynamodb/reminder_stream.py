"""Reminder-task events from the reminder-task table's DynamoDB stream (NEW_AND_OLD_IMAGES).

- INSERT and MODIFY: the event the store wrote down on the item (``last_event``: created, updated,
  completed, or deleted for a tombstone), with its ``origin``; the task is the new image's.
- REMOVE of a tombstone: nothing. It is the TTL expiring a delete that was published when the tombstone
  was written.
- REMOVE of a live task (deleted around the store, e.g. by hand in the console): ``deleted`` by the
  user, so that Salesforce follows, with the version one past the old image's.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from tasksync.adapters.dynamodb import reminder_task_table as items
from tasksync.adapters.dynamodb.item_codec import from_item
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent


class NotATaskRecord(ValueError):
    """The record is not a reminder-task table stream record with both images."""


def reminder_event_from_stream_record(record: Mapping[str, Any]) -> ReminderTaskEvent | None:
    """``record`` as Lambda hands it over (one entry of ``event["Records"]``); None when the change is no
    task event."""
    change = record.get("dynamodb", {})
    match record.get("eventName"):
        case "INSERT" | "MODIFY":
            new = _image(change, "NewImage")
            old = from_item(change["OldImage"]) if "OldImage" in change else None
            if old is not None and old.get(items.VERSION) == new.get(items.VERSION):
                return None  # the task itself did not change (not a write the store makes)
            task = items.stored_task(new)
            return ReminderTaskEvent(
                kind=ReminderEventKind(new[items.LAST_EVENT]),
                task=task,
                origin=Origin(new[items.ORIGIN]),
                occurred_at=task.updated_at,
            )
        case "REMOVE":
            old = _image(change, "OldImage")
            if items.is_tombstone(old):
                return None
            removed_at = datetime.fromtimestamp(float(change["ApproximateCreationDateTime"]), UTC)
            task = items.stored_task(old)
            gone = task.model_copy(update={"updated_at": removed_at, "version": task.version + 1})
            return ReminderTaskEvent(
                kind=ReminderEventKind.DELETED, task=gone, origin=Origin.USER, occurred_at=removed_at
            )
        case other:
            raise NotATaskRecord(f"unknown stream event {other!r}")


def _image(change: Mapping[str, Any], name: str) -> dict[str, Any]:
    if name not in change:
        raise NotATaskRecord(f"stream record without {name}: the stream must show NEW_AND_OLD_IMAGES")
    return from_item(change[name])
