"""LinkedTaskWrites on DynamoDB: the SIA task's put and the link's puts in one TransactWriteItems,
across the reminder-task table and the state table (one request, all or nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from tasksync.adapters.dynamodb.link_repository import DynamoDBLinkRepository
from tasksync.adapters.dynamodb.reminder_task_store import DynamoDBReminderTaskStore
from tasksync.adapters.dynamodb.table_adapter import TransactionCancelled
from tasksync.domain.reminder_events import Origin, ReminderEventKind, changed_task, deleted_task
from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.sync_link import SyncLink
from tasksync.ports.linked_writes import TaskGoneSince
from tasksync.ports.reminder_tasks import FieldChanges, VersionConflict
from tasksync.ports.sync_state import ConcurrentUpdate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

TASK_WRITE = 0
"""The task's put (or check) comes first in the transaction, so that its cancellation reason is the first."""


class DynamoDBLinkedTaskWrites:
    def __init__(self, reminders: DynamoDBReminderTaskStore, links: DynamoDBLinkRepository) -> None:
        self.reminders = reminders
        self.links = links

    def create_with_link(self, task: ReminderTask, link: SyncLink, *, over: int | None = None) -> SyncLink:
        return self._write(task, over, ReminderEventKind.CREATED, None, link)

    def save_create_link(self, link: SyncLink) -> SyncLink:
        # The task's condition check joins the link's own transaction: still one request.
        live = self.reminders.live_check(link.user_id, link.sia_id)
        return self._transact({"ConditionCheck": live}, link, TaskGoneSince(f"task {link.sia_id} is deleted"))

    def update_with_link(self, read: ReminderTask, changes: FieldChanges, now: datetime, link: SyncLink) -> SyncLink:
        task, kind = changed_task(read, changes, now)
        return self._write(task, read.version, kind, None, link)

    def delete_with_link(self, read: ReminderTask, now: datetime, link: SyncLink) -> SyncLink:
        return self._write(deleted_task(read, now), read.version, ReminderEventKind.DELETED, now, link)

    def _write(
        self,
        task: ReminderTask,
        read_version: int | None,
        kind: ReminderEventKind,
        deleted_at: datetime | None,
        link: SyncLink,
    ) -> SyncLink:
        # On the version read: a tombstone is a version past the live task it was, so a task deleted since
        # fails the condition as surely as one changed since.
        put = self.reminders.put_over(task, Origin.SYNC, kind, read_version, deleted_at)
        conflict = VersionConflict(f"task {task.id} is not as it was read ({read_version})")
        return self._transact({"Put": put}, link.updated(sia_version=task.version), conflict)

    def _transact(self, task_write: TransactWriteItemTypeDef, link: SyncLink, task_failed: Exception) -> SyncLink:
        """The task's write (or check) and the link's, in one transaction: ``task_failed`` when the task's
        condition fails, ``ConcurrentUpdate`` when the link's does."""
        saved, link_writes = self.links.link_writes(link)
        try:
            self.links.transact([task_write, *link_writes])
        except TransactionCancelled as cancelled:
            if cancelled.condition_failed(TASK_WRITE):
                raise task_failed from cancelled
            raise ConcurrentUpdate(f"link of {link.sia_id} ({cancelled})") from cancelled
        return saved
