"""Turning sync on (SPEC section 5): import the Salesforce tasks of the last 24 hours, apply the deletes
of the last 15 days when sync had been on before, and report progress on the settings."""

from __future__ import annotations

from tasksync.domain.settings import FIRST_SYNC_WINDOW, FirstSyncProgress, FirstSyncState, SyncSettings
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import CreateReminder
from tasksync.ports.salesforce import DELETED_RETENTION, SalesforceError
from tasksync.ports.sync_state import ConcurrentUpdate, CursorRepository
from tasksync.use_cases.safety_nets import DELETED_CURSOR, UPDATED_CURSOR, sweep_deletions
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tasksync.use_cases.services import SyncServices


def run_first_sync(user_id: str, services: SyncServices, cursors: CursorRepository) -> FirstSyncProgress:
    """Idempotent: running it again imports nothing twice (imports are keyed by the Salesforce id)."""
    settings = services.settings.get_settings(user_id)
    if settings is None or not settings.syncing or settings.connection is None:
        raise ValueError(f"sync is not on for user {user_id}")
    connection = settings.connection
    started = services.clock()
    settings = _progress(settings, FirstSyncProgress(state=FirstSyncState.RUNNING, started_at=started), services)
    imported = deleted = 0
    try:
        gateway = services.salesforce(settings)
        for task in gateway.owned_tasks_modified_since(connection.sf_user_id, started - FIRST_SYNC_WINDOW):
            decision = apply_salesforce_change(SalesforceChange.of_record(task, started), settings, services)
            imported += isinstance(decision.reminder, CreateReminder)
        if settings.ever_enabled:
            deleted = sweep_deletions(settings, services, cursors, since=started - DELETED_RETENTION).removed
        else:
            cursors.put_cursor(connection.org_id, DELETED_CURSOR, started)
        cursors.put_cursor(connection.org_id, UPDATED_CURSOR, started)
    except (SalesforceError, ValueError) as error:
        failed = FirstSyncProgress(
            state=FirstSyncState.FAILED,
            imported=imported,
            deleted=deleted,
            error=str(error)[:1_000],
            started_at=started,
            finished_at=services.clock(),
        )
        _progress(settings, failed, services)
        raise
    done = FirstSyncProgress(
        state=FirstSyncState.DONE,
        imported=imported,
        deleted=deleted,
        started_at=started,
        finished_at=services.clock(),
    )
    return _progress(settings, done, services, ever_enabled=True).first_sync


def _progress(
    settings: SyncSettings, progress: FirstSyncProgress, services: SyncServices, *, ever_enabled: bool | None = None
) -> SyncSettings:
    """Save progress over whatever else changed meanwhile (the user may have saved other settings)."""
    for _ in range(5):
        current = services.settings.get_settings(settings.user_id) or settings
        update: dict[str, object] = {"first_sync": progress}
        if ever_enabled is not None:
            update["ever_enabled"] = ever_enabled
        try:
            return services.settings.save_settings(current.model_copy(update=update))
        except ConcurrentUpdate:
            continue
    raise ConcurrentUpdate(f"settings of {settings.user_id} kept changing")
