"""The rep's own reminder tasks through the API (SPEC 9): each change goes through the store, whose
table stream publishes it as a task event saying the user made it, so a change and its event can
never part. Each task comes with where it stands with Salesforce, read for a whole listing in a fixed
number of lookups (the tasks, the links, the tasks' latest errors), never one per task."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ulid import ULID

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import ReminderTask, Status, TaskValues
from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_status import TaskSyncStatus, sync_status
from tasksync.ports.reminder_tasks import FieldChanges, ReminderTaskStore, TaskNotFound
from tasksync.ports.sync_state import LinkRepository, SettingsRepository, SyncErrorRepository


@dataclass(frozen=True)
class TaskWithStatus:
    task: ReminderTask
    sync: TaskSyncStatus


@dataclass(frozen=True)
class RepTasks:
    """The ports the rep's task routes need, and the clock."""

    reminders: ReminderTaskStore
    links: LinkRepository
    errors: SyncErrorRepository
    settings: SettingsRepository
    now: datetime

    def all(self, user_id: str) -> list[TaskWithStatus]:
        return self._all(user_id, self.settings.get_settings(user_id))

    def _all(self, user_id: str, settings: SyncSettings | None) -> list[TaskWithStatus]:
        tasks = self.reminders.list(user_id)
        if not tasks:
            return []
        links = {link.sia_id: link for link in self.links.links_of(user_id)}
        errors = self.errors.latest_task_errors(user_id)
        return [
            TaskWithStatus(task, sync_status(task, links.get(task.id), errors.get(task.id), settings)) for task in tasks
        ]

    def get(self, user_id: str, task_id: str) -> TaskWithStatus:
        task = self.reminders.get(user_id, task_id)
        if task is None:
            raise TaskNotFound(task_id)
        return self._with_status(task)

    def create(self, user_id: str, values: TaskValues) -> TaskWithStatus:
        """Under an id the server makes: a ULID, which no imported task's id (``sf-...``) can be."""
        return self._with_status(self.reminders.create(user_id, str(ULID()), values, Origin.USER, self.now))

    def update(self, user_id: str, task_id: str, changes: FieldChanges) -> TaskWithStatus:
        if not changes:
            return self.get(user_id, task_id)
        return self._with_status(self.reminders.update(user_id, task_id, changes, Origin.USER, self.now))

    def delete(self, user_id: str, task_id: str) -> None:
        self.reminders.delete(user_id, task_id, Origin.USER, self.now)

    def command_center(self, user_id: str) -> tuple[date, list[TaskWithStatus]]:
        """The rep's today, and the open and completed tasks due today or tomorrow in the rep's time zone,
        open first, each group by due date; tasks without a due date are not in it (SPEC 5.1, 9)."""
        settings = self.settings.get_settings(user_id)
        today = local_today(self.now, settings)
        shown = {today, today + timedelta(days=1)}
        due = [entry for entry in self._all(user_id, settings) if entry.task.due_date in shown]
        return today, sorted(due, key=lambda e: (e.task.status is not Status.OPEN, e.task.due_date, e.task.created_at))

    def _with_status(self, task: ReminderTask) -> TaskWithStatus:
        user_id = task.user_id
        link = self.links.link_by_sia_id(user_id, task.id)
        error = self.errors.latest_task_error(user_id, task.id)
        return TaskWithStatus(task, sync_status(task, link, error, self.settings.get_settings(user_id)))


def local_today(now: datetime, settings: SyncSettings | None) -> date:
    return now.astimezone(ZoneInfo(settings.time_zone if settings else "UTC")).date()
