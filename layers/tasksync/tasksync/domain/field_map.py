"""The fixed field map between a reminder task and a Salesforce Task (SPEC section 2).

Status and Priority values are taken from the org's picklists: ``open`` is ``Not Started`` (or the org's
default open value when it has none of that name), ``complete`` is ``Completed`` (or its first closed
value); ``normal`` / ``high`` likewise with ``Normal`` / ``High``. Every other Salesforce value is
*unsynced*: it maps to UNSYNCED and leaves the SIA value as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from tasksync.domain.reminder_task import Priority, Status, TaskField, TaskValues
from tasksync.domain.salesforce_task import Picklists, SalesforceField, SalesforceTask
from tasksync.domain.subject_template import render_subject

SF_FIELD = {
    TaskField.NAME: SalesforceField.SUBJECT,
    TaskField.STATUS: SalesforceField.STATUS,
    TaskField.PRIORITY: SalesforceField.PRIORITY,
    TaskField.DUE_DATE: SalesforceField.ACTIVITY_DATE,
    TaskField.DETAILS: SalesforceField.DESCRIPTION,
}
SIA_FIELD = {sf: sia for sia, sf in SF_FIELD.items()}

SiaValue = str | Status | Priority | date | None
SfValue = str | date | None


class Unsynced(Enum):
    """A Salesforce value the field map does not carry to SIA (``In Progress``, ``Low``, custom values)."""

    VALUE = "unsynced"


UNSYNCED = Unsynced.VALUE


class PicklistError(ValueError):
    """The org's picklists lack a value the field map needs."""


def _pick(preferred: str, allowed: list[str], fallback: list[str], what: str) -> str:
    """``preferred`` when the org has it among the ``allowed`` values, else the first ``fallback``."""
    if preferred in allowed:
        return preferred
    if not fallback:
        raise PicklistError(f"the org has no {what} value")
    return fallback[0]


@dataclass(frozen=True)
class FieldMap:
    open_status: str
    complete_status: str
    normal_priority: str
    high_priority: str

    @classmethod
    def from_picklists(cls, picklists: Picklists) -> FieldMap:
        # Stock names first; else the org's default of that kind (a default before the others).
        statuses = sorted(picklists.statuses, key=lambda value: not value.is_default)
        priorities = sorted(picklists.priorities, key=lambda value: not value.is_default)
        open_values = [v.api_name for v in statuses if not v.is_closed]
        closed_values = [v.api_name for v in statuses if v.is_closed]
        plain = [v.api_name for v in priorities if not v.is_high_priority]
        high = [v.api_name for v in priorities if v.is_high_priority]
        return cls(
            open_status=_pick("Not Started", open_values, open_values, "open Status"),
            complete_status=_pick("Completed", closed_values, closed_values, "closed Status"),
            normal_priority=_pick(
                "Normal",
                plain,
                [v.api_name for v in priorities if v.is_default and not v.is_high_priority],
                "default Priority",
            ),
            high_priority=_pick("High", high, high, "high Priority"),
        )

    def to_salesforce(self, field: TaskField, values: TaskValues, subject_template: str) -> SfValue:
        """The Salesforce value that represents ``field`` of ``values``."""
        match field:
            case TaskField.NAME:
                return render_subject(subject_template, values)
            case TaskField.STATUS:
                return self.complete_status if values.status is Status.COMPLETE else self.open_status
            case TaskField.PRIORITY:
                return self.high_priority if values.priority is Priority.HIGH else self.normal_priority
            case TaskField.DUE_DATE:
                return values.due_date
            case TaskField.DETAILS:
                # An empty Comments field is null in Salesforce; "" and None mean the same to a user.
                return values.details or None

    def to_sia(self, field: TaskField, value: SfValue) -> SiaValue | Unsynced:
        """The SIA value a Salesforce value stands for, or UNSYNCED.

        The Subject is mapped too, for the first import only (the subject rule of SPEC section 3 is the
        engine's to apply)."""
        match field:
            case TaskField.NAME:
                return value if isinstance(value, str) else UNSYNCED
            case TaskField.STATUS:
                statuses = {self.open_status: Status.OPEN, self.complete_status: Status.COMPLETE}
                return statuses.get(str(value), UNSYNCED)
            case TaskField.PRIORITY:
                priorities = {self.normal_priority: Priority.NORMAL, self.high_priority: Priority.HIGH}
                return priorities.get(str(value), UNSYNCED)
            case TaskField.DUE_DATE:
                return value if isinstance(value, date) else None
            case TaskField.DETAILS:
                return value if isinstance(value, str) else ""

    def imported_values(self, task: SalesforceTask) -> TaskValues:
        """The reminder task a Salesforce task becomes when first imported: unsynced status and priority
        import as open / normal, and an empty Subject as a placeholder name."""
        status = self.to_sia(TaskField.STATUS, task.status)
        priority = self.to_sia(TaskField.PRIORITY, task.priority)
        return TaskValues(
            name=(task.subject or "").strip() or "(no subject)",
            status=status if isinstance(status, Status) else Status.OPEN,
            priority=priority if isinstance(priority, Priority) else Priority.NORMAL,
            due_date=task.activity_date,
            details=task.description or "",
        )
