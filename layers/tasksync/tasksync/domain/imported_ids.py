"""The SIA ids of tasks imported from Salesforce: derived from the record's id, so that importing twice
finds the same task, and a task's id says whether it came from Salesforce."""

from __future__ import annotations

IMPORTED_ID_PREFIX = "sf-"


def imported_task_id(sf_id: str) -> str:
    """The SIA id of a task imported from Salesforce record ``sf_id``."""
    return IMPORTED_ID_PREFIX + sf_id


def imported_from(task_id: str) -> str | None:
    """The Salesforce id a task was imported from, if it was."""
    return task_id.removeprefix(IMPORTED_ID_PREFIX) if task_id.startswith(IMPORTED_ID_PREFIX) else None
