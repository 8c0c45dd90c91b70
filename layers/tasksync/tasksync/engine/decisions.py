"""What the engine decides: at most one action for each side, the link to save, and why not, if not."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from tasksync.domain.reminder_task import ReminderTask, TaskField, TaskValues
from tasksync.domain.salesforce_writes import TaskCreate, TaskUpdate
from tasksync.domain.sync_error import SyncError
from tasksync.domain.sync_link import SyncLink


class SkipReason(StrEnum):
    SYNC_OFF = "sync is off"
    ECHO = "the sync's own change"
    STALE = "older than what was already applied"
    DUPLICATE = "already applied"
    NO_CHANGE = "leaves the synced values as they are"
    NOT_ELIGIBLE = "not one of the user's reminder tasks"
    CREATED_BEFORE_SYNC = "created before sync was turned on"
    BEFORE_SYNC_WINDOW = "unchanged since before the first sync's 24-hour window"
    NOT_LINKED = "no synced task to apply it to"
    DELETED = "the task is deleted"
    NEEDS_RECORD = "the change does not carry the whole record: read it and decide again"


@dataclass(frozen=True)
class CreateReminder:
    task_id: str
    values: TaskValues
    version: int = 1


@dataclass(frozen=True)
class UpdateReminder:
    task_id: str
    changes: dict[TaskField, object]
    expected_version: int


@dataclass(frozen=True)
class DeleteReminder:
    task_id: str
    expected_version: int | None = None
    """The version the decision saw: a task changed since (brought back by a change applied meanwhile)
    is not deleted on an old word, the decision is made again."""

    @classmethod
    def of(cls, task: ReminderTask) -> DeleteReminder:
        return cls(task.id, task.version)


ReminderAction = CreateReminder | UpdateReminder | DeleteReminder


@dataclass(frozen=True)
class CreateSalesforceTask:
    create: TaskCreate


@dataclass(frozen=True)
class UpdateSalesforceTask:
    update: TaskUpdate


@dataclass(frozen=True)
class DeleteSalesforceTask:
    sf_id: str


SalesforceAction = CreateSalesforceTask | UpdateSalesforceTask | DeleteSalesforceTask


@dataclass(frozen=True)
class Decision:
    """``link`` is the link to save (with the revision it was read at), None when nothing changed.
    A decision may skip the change for the other side and still save what it learnt."""

    link: SyncLink | None = None
    reminder: ReminderAction | None = None
    salesforce: SalesforceAction | None = None
    skipped: SkipReason | None = None
    conflicts: tuple[SyncError, ...] = ()
    if_refused: SyncLink | None = None
    """With a Salesforce update: the link to save instead when Salesforce refuses it for good (a
    validation rule), which keeps what was learnt and leaves out the write."""
    if_not_taken: SyncLink | None = None
    """With a Salesforce update and no SIA change: the link as it was before, to save again when Salesforce
    answers that it took none of the update (busy, down), so that the retry decides again from there."""

    @classmethod
    def skip(cls, reason: SkipReason, link: SyncLink | None = None) -> Decision:
        return cls(link=link, skipped=reason)
