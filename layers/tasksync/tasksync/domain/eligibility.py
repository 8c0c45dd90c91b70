"""Which Salesforce Tasks are reminder tasks (SPEC section 4)."""

from __future__ import annotations

from enum import StrEnum

from tasksync.domain.salesforce_task import SalesforceTask

REMINDER_SUBTYPES = frozenset({None, "", "Task"})
"""Logged emails and calls (``Email``, ``ListEmail``, ``Call``, ``Cadence``, ``LinkedIn``) are activities,
not reminders."""


class Ineligible(StrEnum):
    OTHER_OWNER = "owned by another user"
    NOT_A_REMINDER = "task subtype is not Task"
    RECURRING_SERIES = "recurring series master"


def ineligibility(task: SalesforceTask, sf_user_id: str) -> Ineligible | None:
    """Why ``task`` is not one of the user's reminder tasks, or None when it is."""
    if not same_salesforce_id(task.owner_id, sf_user_id):
        return Ineligible.OTHER_OWNER
    if task.task_subtype not in REMINDER_SUBTYPES:
        return Ineligible.NOT_A_REMINDER
    if task.is_recurrence:
        return Ineligible.RECURRING_SERIES
    return None


def same_salesforce_id(left: str | None, right: str) -> bool:
    """Salesforce ids come in a 15-character case-sensitive and an 18-character form of the same id."""
    return left is not None and left[:15] == right[:15]
