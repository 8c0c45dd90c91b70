"""The reminder-task table's item layout: the one place that knows it, for the store and its stream.

One item per task: ``user_id`` (hash key), ``task_id`` (range key), ``version`` (the optimistic lock),
``task`` (the ReminderTask), and for the stream publisher the ``origin`` and ``last_event`` (kind) of the
change that wrote it. A deleted task stays as a tombstone (``deleted_at`` set, ``expires_at`` the TTL)
so that its delete reaches the stream with its origin, and a restore continues its version numbering.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tasksync.adapters.dynamodb.item_codec import Item, dump_model, load_model, to_item
from tasksync.domain.reminder_events import Origin, ReminderEventKind
from tasksync.domain.reminder_task import ReminderTask

USER_ID = "user_id"
TASK_ID = "task_id"
VERSION = "version"
TASK = "task"
ORIGIN = "origin"
LAST_EVENT = "last_event"
DELETED_AT = "deleted_at"
EXPIRES_AT = "expires_at"
"""The table's TTL attribute (epoch seconds); only tombstones carry it."""

TOMBSTONE_RETENTION = timedelta(days=30)
"""Longer than any event can stay in flight (SQS keeps messages 4 days, the stream 1 day)."""


def task_key(user_id: str, task_id: str) -> Item:
    return {USER_ID: {"S": user_id}, TASK_ID: {"S": task_id}}


def task_item(task: ReminderTask, origin: Origin, kind: ReminderEventKind, deleted_at: datetime | None = None) -> Item:
    values: dict[str, Any] = {
        VERSION: task.version,
        TASK: dump_model(task),
        ORIGIN: origin.value,
        LAST_EVENT: kind.value,
    }
    if deleted_at is not None:
        values[DELETED_AT] = deleted_at.isoformat()
        values[EXPIRES_AT] = int((deleted_at + TOMBSTONE_RETENTION).timestamp())
    return {**task_key(task.user_id, task.id), **to_item(values)}


def is_tombstone(stored: dict[str, Any]) -> bool:
    """``stored`` as read by ``item_codec.from_item``."""
    return DELETED_AT in stored


def stored_task(stored: dict[str, Any]) -> ReminderTask:
    return load_model(ReminderTask, stored[TASK])
