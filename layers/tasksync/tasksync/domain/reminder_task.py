"""The SIA reminder task, as the Command Center keeps it."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, NonNegativeInt

from tasksync.domain.base import AwareDatetime, DomainModel

NAME_MAX = 255
DETAILS_MAX = 32_000


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


class TaskValues(DomainModel):
    """The synced values of a reminder task, without identity or history."""

    name: str = Field(min_length=1, max_length=NAME_MAX)
    status: Status = Status.OPEN
    priority: Priority = Priority.NORMAL
    due_date: date | None = None
    details: str = Field(default="", max_length=DETAILS_MAX)


class ReminderTask(TaskValues):
    """A reminder task of one user. ``version`` grows by one with every change."""

    id: str = Field(min_length=1, max_length=64)
    user_id: str = Field(min_length=1, max_length=128)
    created_at: AwareDatetime
    updated_at: AwareDatetime
    version: NonNegativeInt = 1

    @property
    def values(self) -> TaskValues:
        return TaskValues(**self.model_dump(include={field.value for field in TaskField}))
