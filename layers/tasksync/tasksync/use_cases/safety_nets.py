"""The scheduled safety nets (SPEC section 6): a deletion sweep over Salesforce's getDeleted and a
reconciliation over getUpdated, each from its own per-org cursor, catch what the event path missed
(outages, the 72-hour CDC retention, gap events)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from tasksync.domain.settings import SyncSettings
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import DeleteReminder
from tasksync.ports.salesforce import (
    DELETED_RETENTION,
    MIN_WINDOW,
    UPDATED_RETENTION,
    ErrorKind,
    SalesforceError,
)
from tasksync.ports.sync_state import CursorRepository
from tasksync.use_cases.salesforce_changes import StillConcurrent, apply_salesforce_change
from tasksync.use_cases.services import SyncServices

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
    failed: tuple[str, ...] = ()
    """Records whose change could not be applied this time (a transient error): the cursor stays, so the
    next run takes them again (the others are then no-ops)."""


def _apply_each(
    changes: Iterable[SalesforceChange], settings: SyncSettings, services: SyncServices
) -> tuple[int, int, tuple[str, ...]]:
    """Apply each change on its own: one record's transient failure does not stop the others."""
    applied = removed = 0
    failed: list[str] = []
    for change in changes:
        try:
            decision = apply_salesforce_change(change, settings, services)
        except (SalesforceError, StillConcurrent) as error:
            if isinstance(error, SalesforceError) and error.kind is not ErrorKind.TRANSIENT:
                raise
            failed.append(change.sf_id)
            continue
        applied += 1
        removed += isinstance(decision.reminder, DeleteReminder)
    return applied, removed, tuple(failed)


def sweep_deletions(
    settings: SyncSettings, services: SyncServices, cursors: CursorRepository, since: datetime | None = None
) -> SweepResult:
    """Apply Salesforce's deletes since the cursor (never more than 15 days back) and move the cursor to
    ``latestDateCovered``. ``since`` overrides the cursor (the first sync's 15-day window)."""
    org = _org(settings)
    now = services.clock()
    start = max(since or cursors.get_cursor(org, DELETED_CURSOR) or now - DELETED_RETENTION, now - DELETED_RETENTION)
    if now - start < MIN_WINDOW:
        return SweepResult(applied=0, removed=0, complete=True)
    window = services.salesforce(settings).deleted_records(start, now)
    deletions = (SalesforceChange.deletion(record.sf_id, record.deleted_at) for record in window.records)
    applied, removed, failed = _apply_each(deletions, settings, services)
    if not failed:
        cursors.put_cursor(org, DELETED_CURSOR, window.latest_date_covered)
    return SweepResult(applied, removed, complete=window.earliest_date_available <= start, failed=failed)


def reconcile_updates(settings: SyncSettings, services: SyncServices, cursors: CursorRepository) -> SweepResult:
    """Read every Task Salesforce changed since the cursor and apply it as a record: the engine finds
    what the event path already applied and changes nothing for it."""
    org = _org(settings)
    now = services.clock()
    floor = now - UPDATED_RETENTION
    start = max(cursors.get_cursor(org, UPDATED_CURSOR) or settings.enabled_at or floor, floor)
    if now - start < MIN_WINDOW:
        return SweepResult(applied=0, removed=0, complete=True)
    gateway = services.salesforce(settings)
    window = gateway.updated_ids(start, now)
    ids = list(window.ids)
    records = (
        SalesforceChange.of_record(task, now)
        for offset in range(0, len(ids), READ_BATCH)
        for task in gateway.get_tasks(ids[offset : offset + READ_BATCH])
    )
    applied, removed, failed = _apply_each(records, settings, services)
    if not failed:
        cursors.put_cursor(org, UPDATED_CURSOR, window.latest_date_covered)
    return SweepResult(applied, removed, complete=True, failed=failed)


def _org(settings: SyncSettings) -> str:
    if settings.connection is None:
        raise ValueError(f"user {settings.user_id} has no Salesforce connection")
    return settings.connection.org_id
