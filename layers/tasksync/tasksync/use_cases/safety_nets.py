"""The scheduled safety nets (SPEC section 6): a deletion sweep over Salesforce's getDeleted and a
reconciliation over getUpdated catch what the event path missed (outages, the 72-hour CDC retention,
gap events). Each runs per syncing rep, with the rep's own grant (getUpdated and getDeleted answer
what the calling user can see) and the rep's own cursor, so that no rep's run hides a change from
another's and a paused rep holds nobody up."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from tasksync.domain.clocks import CLOCK_MARGIN
from tasksync.domain.salesforce_task import SalesforceTask
from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_link import LinkState, SyncLink
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.engine.decisions import DeleteReminder
from tasksync.ports.salesforce import (
    DELETED_RETENTION,
    MIN_WINDOW,
    UPDATED_RETENTION,
    ErrorKind,
    SalesforceError,
)
from tasksync.ports.sync_state import CursorRepository
from tasksync.use_cases.attempts import StillConcurrent
from tasksync.use_cases.revoked_grant import forget_pause
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tasksync.use_cases.services import SyncServices

Item = TypeVar("Item")

READ_BATCH = 200
"""Records read back per call (``Id IN (...)``)."""

DELETED_CURSOR = "deleted"
UPDATED_CURSOR = "updated"


@dataclass(frozen=True)
class SweepResult:
    applied: int
    removed: int
    """SIA tasks deleted because their Salesforce task was."""
    complete: bool
    """False when Salesforce no longer had every delete since the cursor (its recycle bin was emptied, or
    the sweep was off too long): the rep's links were then audited instead."""
    failed: tuple[str, ...] = ()
    """Records whose change could not be applied this time (a transient error): the cursor stays, so the
    next run takes them again (the others are then no-ops)."""

    def __add__(self, other: SweepResult) -> SweepResult:
        return SweepResult(
            self.applied + other.applied,
            self.removed + other.removed,
            self.complete and other.complete,
            self.failed + other.failed,
        )


def apply_each(changes: Iterable[SalesforceChange], settings: SyncSettings, services: SyncServices) -> SweepResult:
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
    return SweepResult(applied, removed, complete=True, failed=tuple(failed))


def sweep_deletions(
    settings: SyncSettings, services: SyncServices, cursors: CursorRepository, since: datetime | None = None
) -> SweepResult:
    """Apply Salesforce's deletes since the rep's cursor (never more than 15 days back) and move the cursor
    to ``latestDateCovered``. ``since`` overrides the cursor (the first sync's 15-day window). When
    Salesforce says deletes were lost, the rep's links are audited (``audit_deletes``)."""
    now = services.clock()
    # The 15 days are Salesforce's, on its clock: keep clear of the edge by the clocks' margin.
    floor = now - DELETED_RETENTION + CLOCK_MARGIN
    start = max(since or cursors.get_cursor(settings.user_id, DELETED_CURSOR) or floor, floor)
    if now - start < MIN_WINDOW:
        return SweepResult(applied=0, removed=0, complete=True)
    window = services.salesforce(settings).deleted_records(start, now)
    deletions = (SalesforceChange.deletion(record.sf_id, record.deleted_at) for record in window.records)
    result = apply_each(deletions, settings, services)
    if window.earliest_date_available > start:
        audited = audit_deletes(settings, services)
        result = dataclasses.replace(result, complete=False) + audited
    if not result.failed:
        cursors.put_cursor(settings.user_id, DELETED_CURSOR, window.latest_date_covered)
    return result


def audit_deletes(settings: SyncSettings, services: SyncServices) -> SweepResult:
    """Deletes Salesforce can no longer list: every linked record of the rep read back in pages
    (``queryAll``), and those in the recycle bin or gone for good applied as deletes."""
    records = _linked_records(settings, services, lambda link: link.state is not LinkState.DELETED)
    return apply_each((change for change in records if change.change_type is ChangeType.DELETE), settings, services)


def read_back_links(settings: SyncSettings, services: SyncServices) -> SweepResult:
    """Every linked record of the rep read back by id, in pages, and applied as the record it is now
    (SPEC 5.5): what changed on either side while sync was off is merged by the rules of SPEC 7, and a
    record gone since is a delete. So is the record of a create whose answer was lost, found by its
    external id: its retry met sync off, and the record may have gone to another rep since (SPEC 4)."""
    linked = _linked_records(settings, services, lambda link: True)
    return apply_each(itertools.chain(linked, _landed_creates(settings, services)), settings, services)


def _landed_creates(settings: SyncSettings, services: SyncServices) -> Iterator[SalesforceChange]:
    """The records that the rep's unanswered creates made, a page of ``READ_BATCH`` external ids a call."""
    gateway = services.salesforce(settings)
    unanswered = (link.sia_id for link in services.links.links_of(settings.user_id) if link.create_unanswered)
    for page in _pages(unanswered):
        read_at = services.clock()
        for task in gateway.find_by_external_ids(page).values():
            yield SalesforceChange.of_record(task, read_at)


def _linked_records(
    settings: SyncSettings, services: SyncServices, wanted: Callable[[SyncLink], bool]
) -> Iterator[SalesforceChange]:
    """The rep's linked records as read now, a page of ``READ_BATCH`` a call, deleted ones included; one
    that is gone for good (or no longer visible to the rep) as its inferred delete."""
    gateway = services.salesforce(settings)
    links = (link for link in services.links.links_of(settings.user_id) if link.sf_id and wanted(link))
    for page in _pages(links):
        read_at = services.clock()
        ids = [link.sf_id for link in page if link.sf_id]
        found = {task.id[:15]: task for task in gateway.get_tasks(ids, include_deleted=True)}
        for sf_id in ids:
            task = found.get(sf_id[:15])
            if task is None:
                yield SalesforceChange.inferred_deletion(sf_id, read_at)
            else:
                yield SalesforceChange.of_record(task, read_at)


def read_changed_since(settings: SyncSettings, services: SyncServices, stopped: datetime) -> SweepResult:
    """The rep's possible reminders Salesforce changed since their sync stopped running (``stopped``, AWS's
    time or the pause's), each decided as its skipped event would have been: an old one undeleted,
    reassigned to the rep or edited meanwhile joins (SPEC 5.5, 6). A query reaches Salesforce's present,
    where getUpdated stops at the sync's: a change stamped by a clock ahead is read too."""
    return _owned_stamped_since(settings, services, stopped - CLOCK_MARGIN, _as_changed)


def read_stamped_past(settings: SyncSettings, services: SyncServices, covered: datetime) -> SweepResult:
    """The rep's possible reminders stamped after ``covered``, how far getUpdated reached (the sync's present
    at most), read by a query, which reaches Salesforce's present: a record that a change stamped by a clock
    ahead took past the window is read now, not at the next round (SPEC 6, 7)."""
    return _owned_stamped_since(settings, services, covered, SalesforceChange.of_record)


def _owned_stamped_since(
    settings: SyncSettings,
    services: SyncServices,
    since: datetime,
    as_change: Callable[[SalesforceTask, datetime], SalesforceChange],
) -> SweepResult:
    connection = settings.connection
    assert connection is not None  # only a syncing rep reads its changes
    gateway, read_at = services.salesforce(settings), services.clock()
    tasks = gateway.owned_tasks_stamped_since(connection.sf_user_id, since)
    return apply_each((as_change(task, read_at) for task in tasks), settings, services)


def reconcile_updates(
    settings: SyncSettings, services: SyncServices, cursors: CursorRepository, since: datetime | None = None
) -> SweepResult:
    """Read every Task Salesforce changed since the rep's cursor (or ``since``, when earlier: the moment
    every Task changed) and apply it as a record: the engine finds what the event path already applied
    and changes nothing for it. After a revoked grant's pause, it reads from the pause's start too, and
    what changed during the pause is decided as changed with sync on (``_as_read``); once a window has
    covered the pause to its end, the pause is forgotten."""
    now = services.clock()
    floor = now - UPDATED_RETENTION + CLOCK_MARGIN
    enabled = settings.enabled_at - CLOCK_MARGIN if settings.enabled_at else None
    start = max(cursors.get_cursor(settings.user_id, UPDATED_CURSOR) or enabled or floor, floor)
    pause = _pause_window(settings)
    if pause is not None:
        start = max(min(start, pause[0]), floor)
    # getUpdated wants a window of a minute at least: a run soon after the last one (a GAP_OVERFLOW's,
    # moments after the first sync) looks back that far rather than skip what just changed.
    start = min(start, now - MIN_WINDOW, since or now)
    gateway = services.salesforce(settings)
    window = gateway.updated_ids(start, now)
    read_at = services.clock()
    pages = (gateway.get_tasks(page) for page in _pages(window.ids))
    result = apply_each((_as_read(task, read_at, since, pause) for page in pages for task in page), settings, services)
    if not result.failed:
        cursors.put_cursor(settings.user_id, UPDATED_CURSOR, window.latest_date_covered)
        read_to_its_end = pause is not None and pause[1] is not None and window.latest_date_covered >= pause[1]
        if read_to_its_end or _stale_pause(settings):
            forget_pause(settings, services)
    return result


def _pause_window(settings: SyncSettings) -> tuple[datetime, datetime | None] | None:
    """The pause whose changes are still to be read (its events were skipped), from its start to the rep's
    reconnecting (None while it lasts): AWS's times, widened by the clocks' margin to hold what Salesforce
    stamped meanwhile."""
    pause = settings.pause_to_read() if settings.syncing else None
    if pause is None:
        return None
    began, resumed = pause
    return began - CLOCK_MARGIN, resumed + CLOCK_MARGIN if resumed is not None else None


def _stale_pause(settings: SyncSettings) -> bool:
    """A pause sync was turned on anew since: nothing of it is to be read."""
    paused = settings.connection is not None and settings.connection.paused_at is not None
    return paused and settings.syncing and settings.pause_to_read() is None


def _as_read(
    task: SalesforceTask,
    read_at: datetime,
    since: datetime | None,
    pause: tuple[datetime, datetime | None] | None = None,
) -> SalesforceChange:
    """A record the transaction that stood for every Task (at ``since``) touched changed then, even where
    ``LastModifiedDate`` did not move (an undelete): it is decided as its event would have been, one that
    makes an old reminder join (SPEC 6). So is one changed during a revoked grant's ``pause`` (its event
    was skipped, SPEC 5.5), as a change at its ``SystemModstamp``."""
    changed_at = task.system_modstamp
    if changed_at is None or not (changed_at == since or _during(changed_at, pause)):
        return SalesforceChange.of_record(task, read_at)
    return _as_changed(task, read_at)


def _as_changed(task: SalesforceTask, read_at: datetime) -> SalesforceChange:
    """``task`` read at ``read_at``, decided as the change event of its ``SystemModstamp`` would have been."""
    if task.system_modstamp is None:
        return SalesforceChange.of_record(task, read_at)
    prompt = SalesforceChange(ChangeType.GAP, SalesforceTask(id=task.id), frozenset(), task.system_modstamp)
    return SalesforceChange.of_record(task, read_at, prompted_by=prompt)


def _during(moment: datetime, pause: tuple[datetime, datetime | None] | None) -> bool:
    return pause is not None and pause[0] <= moment and (pause[1] is None or moment <= pause[1])


def _pages(items: Iterable[Item]) -> Iterator[list[Item]]:
    page: list[Item] = []
    for item in items:
        page.append(item)
        if len(page) == READ_BATCH:
            yield page
            page = []
    if page:
        yield page
