"""In-memory LinkedTaskWrites: every condition is checked before either write is made, and a write that
fails half-way (a crash injected into the link's save) is undone, as the DynamoDB transaction is all or
nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TypeVar

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.sync_link import SyncLink
from tasksync.ports.linked_writes import TaskGoneSince
from tasksync.ports.reminder_tasks import FieldChanges, VersionConflict
from tasksync.ports.sync_state import ConcurrentUpdate
from tests.fakes.reminder_store import InMemoryReminderStore
from tests.fakes.sync_state import InMemorySyncState

Value = TypeVar("Value")


class InMemoryLinkedTaskWrites:
    def __init__(self, reminders: InMemoryReminderStore, state: InMemorySyncState) -> None:
        self.reminders = reminders
        self.state = state

    def create_with_link(self, task: ReminderTask, link: SyncLink, *, over: int | None = None) -> SyncLink:
        key = (task.user_id, task.id)
        tombstone = self.reminders.tombstone(*key)
        there = key in self.reminders.tasks or (tombstone is not None and tombstone.version != over)
        if there or (over is not None and tombstone is None):
            raise VersionConflict(f"task {task.id} is not as it was read")
        self._check_link(link)
        with self._all_or_nothing(key):
            made = self.reminders.create(task.user_id, task.id, task.values, Origin.SYNC, task.created_at, task.version)
            return self.state.save_link(link.updated(sia_version=made.version))

    def save_create_link(self, link: SyncLink) -> SyncLink:
        if (link.user_id, link.sia_id) not in self.reminders.tasks:
            raise TaskGoneSince(f"task {link.sia_id} is deleted")
        return self.state.save_link(link)

    def update_with_link(self, read: ReminderTask, changes: FieldChanges, now: datetime, link: SyncLink) -> SyncLink:
        return self._on_read(
            read, link, lambda: self.reminders.update(read.user_id, read.id, changes, Origin.SYNC, now, read.version)
        )

    def delete_with_link(self, read: ReminderTask, now: datetime, link: SyncLink) -> SyncLink:
        return self._on_read(
            read, link, lambda: self.reminders.delete(read.user_id, read.id, Origin.SYNC, now, read.version)
        )

    def _on_read(self, read: ReminderTask, link: SyncLink, write: Callable[[], ReminderTask]) -> SyncLink:
        current = self.reminders.get(read.user_id, read.id)
        if current is None or current.version != read.version:
            raise VersionConflict(f"task {read.id} is no longer at version {read.version}")
        self._check_link(link)
        with self._all_or_nothing((read.user_id, read.id)):
            return self.state.save_link(link.updated(sia_version=write().version))

    def _check_link(self, link: SyncLink) -> None:
        stored = self.state.link_by_sia_id(link.user_id, link.sia_id)
        if (stored.revision if stored else 0) != link.revision:
            raise ConcurrentUpdate(f"link of {link.sia_id}")

    @contextmanager
    def _all_or_nothing(self, key: tuple[str, str]) -> Iterator[None]:
        """The task's write undone when the link's save fails; its event told only once both landed (a
        cancelled transaction leaves no stream record)."""
        store = self.reminders
        task, version, deleted_by = store.tasks.get(key), store._versions.get(key), store._deleted_by.get(key)
        told, store.on_event = store.on_event, None
        events = len(store.events)
        try:
            yield
        except BaseException:
            _restore(store.tasks, key, task)
            _restore(store._versions, key, version)
            _restore(store._deleted_by, key, deleted_by)
            del store.events[events:]
            raise
        finally:
            store.on_event = told
        if told is not None:
            for event in store.events[events:]:
                told(event)


def _restore(table: dict[tuple[str, str], Value], key: tuple[str, str], value: Value | None) -> None:
    if value is None:
        table.pop(key, None)
    else:
        table[key] = value
