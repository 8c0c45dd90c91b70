"""In-memory LinkedTaskWrites: every condition is checked before either write is made, as the DynamoDB
transaction does."""

from __future__ import annotations

from datetime import datetime

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.sync_link import SyncLink
from tasksync.ports.reminder_tasks import FieldChanges, VersionConflict
from tasksync.ports.sync_state import ConcurrentUpdate
from tests.fakes.reminder_store import InMemoryReminderStore
from tests.fakes.sync_state import InMemorySyncState


class InMemoryLinkedTaskWrites:
    def __init__(self, reminders: InMemoryReminderStore, state: InMemorySyncState) -> None:
        self.reminders = reminders
        self.state = state

    def create_with_link(self, task: ReminderTask, link: SyncLink) -> SyncLink:
        key = (task.user_id, task.id)
        if key in self.reminders.tasks or self.reminders.tombstone(*key) is not None:
            raise VersionConflict(f"task {task.id} is there")
        self._check_link(link)
        values = task.values
        made = self.reminders.create(task.user_id, task.id, values, Origin.SYNC, task.created_at, task.version)
        return self.state.save_link(link.updated(sia_version=made.version))

    def update_with_link(self, read: ReminderTask, changes: FieldChanges, now: datetime, link: SyncLink) -> SyncLink:
        self._check(read, link)
        task = self.reminders.update(read.user_id, read.id, changes, Origin.SYNC, now, read.version)
        return self.state.save_link(link.updated(sia_version=task.version))

    def delete_with_link(self, read: ReminderTask, now: datetime, link: SyncLink) -> SyncLink:
        self._check(read, link)
        gone = self.reminders.delete(read.user_id, read.id, Origin.SYNC, now, read.version)
        return self.state.save_link(link.updated(sia_version=gone.version))

    def _check(self, read: ReminderTask, link: SyncLink) -> None:
        current = self.reminders.get(read.user_id, read.id)
        if current is None or current.version != read.version:
            raise VersionConflict(f"task {read.id} is no longer at version {read.version}")
        self._check_link(link)

    def _check_link(self, link: SyncLink) -> None:
        stored = self.state.link_by_sia_id(link.user_id, link.sia_id)
        if (stored.revision if stored else 0) != link.revision:
            raise ConcurrentUpdate(f"link of {link.sia_id}")
