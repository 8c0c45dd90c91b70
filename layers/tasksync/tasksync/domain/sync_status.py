"""Where one SIA task stands with Salesforce (SPEC 9 ``sync``), from what the sync keeps anyway: the task,
its link, and the latest error recorded for it. No state of its own, so nothing to keep in step."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.field_map import SF_FIELD
from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_error import RETRIED, TASK_ERRORS, SyncError
from tasksync.domain.sync_link import LinkState, SyncLink


class SyncState(StrEnum):
    LOCAL = "local"  # stays in SIA: made before sync was on (SPEC 5.2), or while it was off
    PENDING = "pending"  # a change on its way to Salesforce
    SYNCED = "synced"  # Salesforce holds what SIA holds, as of ``last_synced_at``
    ERROR = "error"  # the latest change met an error


class TaskSyncError(DomainModel):
    code: str
    message: str
    will_retry: bool


class TaskSyncStatus(DomainModel):
    state: SyncState
    salesforce_id: str | None = None
    last_synced_at: AwareDatetime | None = None
    error: TaskSyncError | None = None


def sync_status(
    task: ReminderTask, link: SyncLink | None, latest_error: SyncError | None, settings: SyncSettings | None
) -> TaskSyncStatus:
    active = link if link is not None and link.state is LinkState.ACTIVE else None
    sf_id = active.sf_id if active else None
    synced_at = active.saved_at if active and sf_id else None
    if latest_error is not None and _stands(latest_error, task, synced_at):
        error = TaskSyncError(
            code=latest_error.code or latest_error.kind.value.upper(),
            message=latest_error.message,
            will_retry=latest_error.kind in RETRIED,
        )
        return TaskSyncStatus(state=SyncState.ERROR, salesforce_id=sf_id, last_synced_at=synced_at, error=error)
    if link is None:
        return TaskSyncStatus(state=SyncState.PENDING if _goes_to_salesforce(task, settings) else SyncState.LOCAL)
    if active is None:  # its record left the rep's reminders, or was deleted: nothing goes to Salesforce
        return TaskSyncStatus(state=SyncState.LOCAL)
    waiting = sf_id is None or active.unsent or task.version > active.sia_version
    state = SyncState.PENDING if waiting else SyncState.SYNCED
    return TaskSyncStatus(state=state, salesforce_id=sf_id, last_synced_at=synced_at)


def _goes_to_salesforce(task: ReminderTask, settings: SyncSettings | None) -> bool:
    return settings is not None and settings.syncing and settings.pushes_tasks_made_at(task.created_at)


def _stands(error: SyncError, task: ReminderTask, synced_at: datetime | None) -> bool:
    """Whether the error still stops the task: nothing synced since it, or, for a refusal of named
    fields, none of them changed since (a later change of another field lands, and leaves the refused
    value where it was: only a change of the field tries it again)."""
    if error.kind not in TASK_ERRORS:
        return False
    if synced_at is None or error.occurred_at > synced_at:
        return True
    refused = [TASK_FIELD[name] for name in (error.field or "").split(",") if name in TASK_FIELD]
    return bool(refused) and all(task.changed(field) <= error.occurred_at for field in refused)


TASK_FIELD = {sf_field.value: task_field for task_field, sf_field in SF_FIELD.items()}
"""The SIA field behind each Salesforce field a refusal names."""
