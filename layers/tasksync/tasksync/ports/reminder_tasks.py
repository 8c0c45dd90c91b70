"""The SIA reminder-task store port. Every change it makes is published as a ReminderTaskEvent
(tasksync.domain.reminder_events), with the origin that made it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import ReminderTask, TaskField, TaskValues, Tombstone

FieldChanges = Mapping[TaskField, object]


class TaskNotFound(LookupError):
    pass


class TaskAlreadyExists(Exception):
    pass


class TaskDeletedSince(Exception):
    """A create at version N found the id deleted at version N or later, by ``deleted_by``: the copy it
    was to make was made (by an attempt whose answer was lost) and deleted since, or the sync itself
    deleted that version (its link was not saved) and the copy must come above it."""

    def __init__(
        self,
        task_id: str,
        deleted_version: int,
        deleted_by: Origin = Origin.USER,
        deleted_at: datetime | None = None,
    ) -> None:
        super().__init__(f"{task_id} was deleted at version {deleted_version} by the {deleted_by.value}")
        self.deleted_version = deleted_version
        self.deleted_by = deleted_by
        self.deleted_at = deleted_at


class VersionConflict(Exception):
    """The task changed since the caller read it: read it again and decide again."""


class ReminderTaskStore(Protocol):
    def get(self, user_id: str, task_id: str) -> ReminderTask | None: ...

    def tombstone(self, user_id: str, task_id: str) -> Tombstone | None:
        """What is left of a deleted task while its tombstone lives; None for a live task or one without a
        trace."""
        ...

    def list(self, user_id: str) -> list[ReminderTask]: ...

    def create(
        self, user_id: str, task_id: str, values: TaskValues, origin: Origin, now: datetime, version: int = 1
    ) -> ReminderTask:
        """Raises TaskAlreadyExists when a live task has ``task_id``: creates are idempotent by id; and
        TaskDeletedSince when the id was deleted at ``version`` or later. A restored task starts at a
        ``version`` above its deleted self's, so that late events of the old one stay stale."""
        ...

    def update(
        self,
        user_id: str,
        task_id: str,
        changes: FieldChanges,
        origin: Origin,
        now: datetime,
        expected_version: int | None = None,
    ) -> ReminderTask:
        """Raises TaskNotFound, or VersionConflict when ``expected_version`` is not the stored one."""
        ...

    def delete(
        self, user_id: str, task_id: str, origin: Origin, now: datetime, expected_version: int | None = None
    ) -> ReminderTask:
        """The task as deleted, its version one more than before; raises TaskNotFound, or VersionConflict
        as for update."""
        ...
