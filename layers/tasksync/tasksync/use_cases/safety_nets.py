"""The scheduled safety nets (SPEC section 6): a deletion sweep over Salesforce's getDeleted and a
reconciliation over getUpdated, each from its own per-org cursor, catch what the event path missed
(outages, the 72-hour CDC retention, gap events)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tasksync.domain.settings import SyncSettings
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import DeleteReminder
from tasksync.ports.sync_state import CursorRepository
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tasksync.use_cases.services import SyncServices

DELETED_WINDOW = timedelta(days=15)
"""getDeleted keeps 15 days of deletes (REST API Developer Guide, "Get Deleted Records")."""
UPDATED_WINDOW = timedelta(days=30)
"""getUpdated answers for the last 30 days (REST API Developer Guide, "Get Updated Records")."""
MINIMUM_SPAN = timedelta(minutes=1)
"""Both answer INVALID_REPLICATION_DATE unless the start is at least a minute before the end."""
READ_BATCH = 200

DELETED_CURSOR = "deleted"
UPDATED_CURSOR = "updated"


@dataclass(frozen=True)
class SweepResult:
    applied: int
    removed: int
    """SIA tasks deleted because their Salesforce task was."""
    complete: bool
    """False when Salesforce no longer had every delete since the cursor (its recycle bin was emptied, or
    the sweep was off too long): a full reconciliation is due."""


def sweep_deletions(
    settings: SyncSettings, services: SyncServices, cursors: CursorRepository, since: datetime | None = None
) -> SweepResult:
    """Apply Salesforce's deletes since the cursor (never more than 15 days back) and move the cursor to
    ``latestDateCovered``. ``since`` overrides the cursor (the first sync's 15-day window)."""
    org = _org(settings)
    now = services.clock()
    start = max(since or cursors.get_cursor(org, DELETED_CURSOR) or now - DELETED_WINDOW, now - DELETED_WINDOW)
    if now - start < MINIMUM_SPAN:
        return SweepResult(applied=0, removed=0, complete=True)
    window = services.salesforce(settings).deleted_records(start, now)
    removed = 0
    for record in window.records:
        decision = apply_salesforce_change(
            SalesforceChange.deletion(record.sf_id, record.deleted_at), settings, services
        )
        removed += isinstance(decision.reminder, DeleteReminder)
    cursors.put_cursor(org, DELETED_CURSOR, window.latest_date_covered)
    return SweepResult(len(window.records), removed, complete=window.earliest_date_available <= start)


def reconcile_updates(settings: SyncSettings, services: SyncServices, cursors: CursorRepository) -> SweepResult:
    """Read every Task Salesforce changed since the cursor and apply it as a record: the engine finds
    what the event path already applied and changes nothing for it."""
    org = _org(settings)
    now = services.clock()
    floor = now - UPDATED_WINDOW
    start = max(cursors.get_cursor(org, UPDATED_CURSOR) or settings.enabled_at or floor, floor)
    if now - start < MINIMUM_SPAN:
        return SweepResult(applied=0, removed=0, complete=True)
    gateway = services.salesforce(settings)
    window = gateway.updated_ids(start, now)
    applied = removed = 0
    ids = list(window.ids)
    for offset in range(0, len(ids), READ_BATCH):
        for task in gateway.get_tasks(ids[offset : offset + READ_BATCH]):
            decision = apply_salesforce_change(SalesforceChange.of_record(task, now), settings, services)
            applied += 1
            removed += isinstance(decision.reminder, DeleteReminder)
    cursors.put_cursor(org, UPDATED_CURSOR, window.latest_date_covered)
    return SweepResult(applied, removed, complete=True)


def _org(settings: SyncSettings) -> str:
    if settings.connection is None:
        raise ValueError(f"user {settings.user_id} has no Salesforce connection")
    return settings.connection.org_id
