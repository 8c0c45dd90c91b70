"""Apply one Salesforce change (CDC event, Event Relay event, re-read record, getDeleted entry) to the
user's reminder tasks."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from tasksync.domain.imported_ids import imported_task_id
from tasksync.domain.reminder_events import Origin
from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import Decision, SkipReason
from tasksync.engine.from_salesforce import copy_above, copy_deleted_since, decide_salesforce_change
from tasksync.ports.reminder_tasks import TaskDeletedSince, TaskNotFound, VersionConflict
from tasksync.ports.sync_state import ConcurrentUpdate
from tasksync.use_cases.attempts import MAX_ATTEMPTS, StillConcurrent
from tasksync.use_cases.carry_out import SalesforceRecordDeleted, carry_out
from tasksync.use_cases.records import read_record
from tasksync.use_cases.revoked_grant import paused_on_revoked_grant
from tasksync.use_cases.services import SyncServices


@dataclass(frozen=True)
class Routed:
    """The rep's link to the record as the router's consistent read of the record's partition found it;
    None when the rep holds none under the record's id."""

    link: SyncLink | None


@paused_on_revoked_grant
def apply_salesforce_change(
    change: SalesforceChange, settings: SyncSettings, services: SyncServices, routed: Routed | None = None
) -> Decision:
    """``routed``: what the router read, decided with at first. A decision made on a link changed since
    writes nothing: the SIA task and its link are saved together on the revision read (and a Salesforce
    write waits for the link's save). Any later attempt reads everything again."""
    last_error: Exception | None = None
    for attempt in range(MAX_ATTEMPTS):
        ctx = services.context(settings)
        first_routed = routed if attempt == 0 else None
        link = _link_of(change, settings.user_id, services, first_routed)
        if link is not None and not link.unsent and change.event_key in link.applied_events:
            # A redelivery of an event already applied: known before anything is read. (With a write still
            # unsent, the redelivery is the retry that sends it.)
            return Decision.skip(SkipReason.DUPLICATE)
        # Without a link there is no sync copy to read: the sync makes one only together with its link
        # (a copy left by an older crash fails the create's condition, and the next attempt reads it).
        unread = first_routed is not None and link is None
        sia_id = link.sia_id if link else imported_task_id(change.sf_id)
        reminder = None if unread else services.reminders.get(settings.user_id, sia_id)
        gone = services.reminders.tombstone(settings.user_id, sia_id) if reminder is None and link else None
        # A first copy is made with its link in one write on the first attempt (where its read found
        # nothing, or there was none to read); a later attempt, after that write's condition failed,
        # goes the way that learns what is there.
        absent = attempt == 0 and link is None and reminder is None
        decision = decide_salesforce_change(change, link, reminder, ctx, gone=gone)
        if decision.skipped is SkipReason.NEEDS_RECORD:
            # Read now, after the link was loaded: decided with that link, the record is the truth.
            change = read_record(change.sf_id, settings, services, prompted_by=change)
            decision = decide_salesforce_change(change, link, reminder, ctx, gone=gone)
            if decision.skipped is SkipReason.NEEDS_RECORD:
                last_error = StillConcurrent(f"{change.sf_id} could not be placed")
                continue
        decision = _stamped(decision, change)
        try:
            try:
                carry_out(decision, ctx, services, read=reminder, absent=absent, over=gone)
            except TaskDeletedSince as lost:
                if lost.deleted_by is Origin.USER:
                    carry_out(copy_deleted_since(decision, change.sf_id, lost.deleted_version, ctx), ctx, services)
                else:
                    # The sync itself deleted that version and its link was not saved: the copy comes above.
                    carry_out(copy_above(decision, lost.deleted_version), ctx, services)
        except SalesforceRecordDeleted as gone:
            change = SalesforceChange.inferred_deletion(gone.sf_id, services.clock())
            continue
        except (ConcurrentUpdate, VersionConflict, TaskNotFound) as error:
            last_error = error
            continue
        return decision
    raise StillConcurrent(f"Salesforce change of {change.sf_id} kept meeting concurrent updates") from last_error


def _stamped(decision: Decision, change: SalesforceChange) -> Decision:
    """The link remembers the event it applied (the one that prompted a read, too)."""
    keys = [c.event_key for c in (change.prompted_by, change) if c is not None and c.event_key is not None]
    if decision.link is None or not keys:
        return decision
    link = decision.link
    for key in keys:
        link = link.with_applied_event(key)
    return dataclasses.replace(decision, link=link)


def _link_of(change: SalesforceChange, user_id: str, services: SyncServices, routed: Routed | None) -> SyncLink | None:
    """By the record's id (as routed, or read); else by the SIA id it would have: the sync's own create
    whose answer was not saved yet (its external id: such a link has no Salesforce id, so the record's
    partition does not know it), or, unless routed, an import whose link was not saved before the rep
    deleted the task."""
    link = routed.link if routed is not None else services.links.link_by_sf_id(user_id, change.sf_id)
    if link is None and change.task.external_id:
        link = services.links.link_by_sia_id(user_id, change.task.external_id)
    if link is None and routed is None:
        link = services.links.link_by_sia_id(user_id, imported_task_id(change.sf_id))
    return link
