"""Turning sync on (SPEC section 5): import the Salesforce tasks of the 24 hours before sync was turned
on; when sync had been on before, apply the deletes of the last 15 days and read every linked record
back so that both sides agree again (SPEC 5.5); report progress on the settings."""

from __future__ import annotations

from tasksync.domain.clocks import CLOCK_MARGIN
from tasksync.domain.settings import FIRST_SYNC_WINDOW, FirstSyncProgress, FirstSyncState, SyncSettings
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import CreateReminder
from tasksync.ports.salesforce import DELETED_RETENTION, SalesforceError
from tasksync.ports.sync_state import ConcurrentUpdate, CursorRepository
from tasksync.use_cases.attempts import StillConcurrent
from tasksync.use_cases.safety_nets import DELETED_CURSOR, UPDATED_CURSOR, read_back_links, sweep_deletions
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
    # The window is the 24 hours before sync was turned on (not before this run, which may start late),
    # on Salesforce's clock: widened by the clocks' margin.
    since = (settings.enabled_at or started) - FIRST_SYNC_WINDOW - CLOCK_MARGIN
    try:
        gateway = services.salesforce(settings)
        for task in gateway.owned_tasks_modified_since(connection.sf_user_id, since).tasks:
            decision = apply_salesforce_change(SalesforceChange.of_record(task, started), settings, services)
            imported += isinstance(decision.reminder, CreateReminder)
        if settings.ever_enabled:
            swept = sweep_deletions(settings, services, cursors, since=started - DELETED_RETENTION)
            read_back = read_back_links(settings, services)
            deleted = swept.removed + read_back.removed
            if swept.failed or read_back.failed:
                raise StillConcurrent(f"records {', '.join(swept.failed + read_back.failed)} could not be applied")
        else:
            cursors.put_cursor(settings.user_id, DELETED_CURSOR, started)
        cursors.put_cursor(settings.user_id, UPDATED_CURSOR, started)
    except (SalesforceError, ValueError, StillConcurrent) as error:
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
