"""The SIA reminder task, as the Command Center keeps it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum

from pydantic import Field, NonNegativeInt

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.salesforce_task import DESCRIPTION_MAX

NAME_MAX = 255


class Status(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"


class Priority(StrEnum):
    NORMAL = "normal"
    HIGH = "high"


class TaskField(StrEnum):
    """The fields of a reminder task that are synced (SPEC section 2)."""

    NAME = "name"
    STATUS = "status"
    PRIORITY = "priority"
    DUE_DATE = "due_date"
    DETAILS = "details"


TASK_FIELDS = tuple(TaskField)
"""The fields in order, for the loops every decision makes: iterating the enum class builds a generator
each time."""


class TaskValues(DomainModel):
    """The synced values of a reminder task, without identity or history."""

    name: str = Field(min_length=1, max_length=NAME_MAX)
    status: Status = Status.OPEN
    priority: Priority = Priority.NORMAL
    due_date: date | None = None
    details: str = Field(default="", max_length=DESCRIPTION_MAX, description="Salesforce's Description holds it")


class Tombstone(DomainModel):
    """What the store keeps of a deleted task for a while: its last version and values, who deleted it, and
    when."""

    version: NonNegativeInt
    deleted_by: str = Field(description="the Origin of the delete: the rep (user) or the sync")
    deleted_at: AwareDatetime
    values: TaskValues = Field(description="the task as it was deleted")


class ReminderTask(TaskValues):
    """A reminder task of one user. ``version`` grows by one with every change."""

    id: str = Field(min_length=1, max_length=64)
    user_id: str = Field(min_length=1, max_length=128)
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: NonNegativeInt = 1
    changed_at: dict[TaskField, AwareDatetime] = Field(
        default_factory=dict, description="when each field last changed (absent: at creation); conflicts need it"
    )

    @classmethod
    def created(cls, user_id: str, task_id: str, values: TaskValues, now: datetime, version: int = 1) -> ReminderTask:
        return cls(id=task_id, user_id=user_id, created_at=now, updated_at=now, version=version, **values.model_dump())

    def changed(self, field: TaskField) -> AwareDatetime:
        return self.changed_at.get(field, self.created_at)

    def with_changes(self, changes: Mapping[TaskField, object], now: datetime) -> ReminderTask:
        """The task after ``changes`` made at ``now``: one version more, each changed field stamped."""
        changed = {field for field, value in changes.items() if getattr(self, field) != value}
        return ReminderTask.model_validate(
            {
                **self.model_dump(),
                **{field.value: value for field, value in changes.items()},
                "updated_at": now,
                "version": self.version + 1,
                "changed_at": {**self.changed_at, **dict.fromkeys(changed, now)},
            }
        )

    @property
    def values(self) -> TaskValues:
        # Read attribute by attribute: a model_dump costs twice as much, on a path every SIA event takes.
        return TaskValues(**{name: getattr(self, name) for name in _VALUE_NAMES})


_VALUE_NAMES = tuple(field.value for field in TaskField)
