"""The events the SIA task store publishes on EventBridge, one per change of a reminder task."""

from __future__ import annotations

from enum import StrEnum

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.reminder_task import ReminderTask


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
