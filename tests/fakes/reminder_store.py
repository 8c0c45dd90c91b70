"""An in-memory SIA reminder-task store that publishes its events to a list, as the stream would."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent, changed_task, deleted_task
from tasksync.domain.reminder_task import ReminderTask, TaskValues, Tombstone
from tasksync.ports.reminder_tasks import (
    FieldChanges,
    TaskAlreadyExists,
    TaskDeletedSince,
    TaskNotFound,
    VersionConflict,
)


class InMemoryReminderStore:
    def __init__(self) -> None:
        self.tasks: dict[tuple[str, str], ReminderTask] = {}
        self.events: list[ReminderTaskEvent] = []
        self.on_event: Callable[[ReminderTaskEvent], None] | None = None
        self._versions: dict[tuple[str, str], int] = {}
        self._deleted_by: dict[tuple[str, str], tuple[Origin, datetime]] = {}
        self._deleted_values: dict[tuple[str, str], TaskValues] = {}

    def get(self, user_id: str, task_id: str) -> ReminderTask | None:
        return self.tasks.get((user_id, task_id))

    def tombstone(self, user_id: str, task_id: str) -> Tombstone | None:
        key = (user_id, task_id)
        deleted = self._deleted_by.get(key)
        if key in self.tasks or deleted is None:
            return None
        return Tombstone(
            version=self._versions[key],
            deleted_by=deleted[0].value,
            deleted_at=deleted[1],
            values=self._deleted_values[key],
        )

    def list(self, user_id: str) -> list[ReminderTask]:
        return [task for (user, _), task in sorted(self.tasks.items()) if user == user_id]

    def create(
        self, user_id: str, task_id: str, values: TaskValues, origin: Origin, now: datetime, version: int = 1
    ) -> ReminderTask:
        key = (user_id, task_id)
        if key in self.tasks:
            raise TaskAlreadyExists(task_id)
        deleted_version = self._versions.get(key, 0)
        if deleted_version >= version:
            by, at = self._deleted_by.get(key, (Origin.USER, None))
            raise TaskDeletedSince(task_id, deleted_version, by, at)
        task = ReminderTask.created(user_id, task_id, values, now, version)
        self._store(task)
        self._publish(ReminderEventKind.CREATED, task, origin, now)
        return task

    def update(
        self,
        user_id: str,
        task_id: str,
        changes: FieldChanges,
        origin: Origin,
        now: datetime,
        expected_version: int | None = None,
    ) -> ReminderTask:
        task, kind = changed_task(self._current(user_id, task_id, expected_version), changes, now)
        self._store(task)
        self._publish(kind, task, origin, now)
        return task

    def delete(
        self, user_id: str, task_id: str, origin: Origin, now: datetime, expected_version: int | None = None
    ) -> ReminderTask:
        gone = deleted_task(self._current(user_id, task_id, expected_version), now)
        del self.tasks[(user_id, task_id)]
        self._versions[(user_id, task_id)] = gone.version
        self._deleted_by[(user_id, task_id)] = (origin, now)
        self._deleted_values[(user_id, task_id)] = gone.values
        self._publish(ReminderEventKind.DELETED, gone, origin, now)
        return gone

    def _current(self, user_id: str, task_id: str, expected_version: int | None) -> ReminderTask:
        current = self.tasks.get((user_id, task_id))
        if current is None:
            raise TaskNotFound(task_id)
        if expected_version is not None and current.version != expected_version:
            raise VersionConflict(f"{task_id} is at version {current.version}, not {expected_version}")
        return current

    def _store(self, task: ReminderTask) -> None:
        self.tasks[(task.user_id, task.id)] = task
        self._deleted_by.pop((task.user_id, task.id), None)
        self._versions[(task.user_id, task.id)] = task.version

    def _publish(self, kind: ReminderEventKind, task: ReminderTask, origin: Origin, now: datetime) -> None:
        event = ReminderTaskEvent(kind=kind, task=task, origin=origin, occurred_at=now)
        self.events.append(event)
        if self.on_event is not None:
            self.on_event(event)
