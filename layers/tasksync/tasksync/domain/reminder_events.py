"""The events the SIA task store publishes on EventBridge, one per change of a reminder task."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.reminder_task import ReminderTask, Status, TaskField


class ReminderEventKind(StrEnum):
    CREATED = "created"
    UPDATED = "updated"
    COMPLETED = "completed"
    DELETED = "deleted"


class Origin(StrEnum):
    USER = "user"  # the rep, through the app
    SYNC = "sync"  # tasksync applying a Salesforce change: never sent back to Salesforce


class ReminderTaskEvent(DomainModel):
    """``task`` is the task after the change (before it, for a delete), so a consumer never reads the
    store again; ``task.version`` orders the events of one task."""

    kind: ReminderEventKind
    task: ReminderTask
    origin: Origin
    occurred_at: AwareDatetime

    @property
    def event_id(self) -> str:
        """Unique per change: a redelivered event has the same id."""
        return f"{self.task.user_id}/{self.task.id}/{self.task.version}/{self.kind.value}"


def changed_task(
    current: ReminderTask, changes: Mapping[TaskField, object], now: datetime
) -> tuple[ReminderTask, ReminderEventKind]:
    """The task after ``changes`` made at ``now``, and the kind of event that tells of them."""
    task = current.with_changes({TaskField(field): value for field, value in changes.items()}, now)
    completed = current.status is Status.OPEN and task.status is Status.COMPLETE
    return task, ReminderEventKind.COMPLETED if completed else ReminderEventKind.UPDATED


def deleted_task(current: ReminderTask, now: datetime) -> ReminderTask:
    """The task as its delete event carries it: one version more."""
    return current.model_copy(update={"updated_at": now, "version": current.version + 1})
