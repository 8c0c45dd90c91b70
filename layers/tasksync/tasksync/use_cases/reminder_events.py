"""Apply one SIA reminder-task event to Salesforce."""

from __future__ import annotations

from tasksync.domain.imported_ids import imported_from
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent
from tasksync.domain.settings import SyncSettings
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import Decision, SkipReason
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.ports.linked_writes import TaskGoneSince
from tasksync.ports.reminder_tasks import TaskNotFound, VersionConflict
from tasksync.ports.sync_state import ConcurrentUpdate
from tasksync.use_cases.attempts import MAX_ATTEMPTS, StillConcurrent
from tasksync.use_cases.carry_out import SalesforceRecordDeleted, carry_out
from tasksync.use_cases.records import read_record
from tasksync.use_cases.revoked_grant import paused_on_revoked_grant
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tasksync.use_cases.services import SyncServices


@paused_on_revoked_grant
def apply_reminder_event(event: ReminderTaskEvent, settings: SyncSettings, services: SyncServices) -> Decision:
    record_settled = pending_checked = False
    deciding = event
    for _ in range(MAX_ATTEMPTS):
        ctx = services.context(settings)
        link = services.links.link_by_sia_id(event.task.user_id, event.task.id)
        if link is not None and link.create_unanswered and not pending_checked:
            # An earlier create may have landed and lost its answer, and been edited or deleted since:
            # learn its fate before sending another (SPEC 7: no duplicate on a retried create).
            pending_checked = True
            landed = services.salesforce(settings).find_by_external_ids([link.sia_id]).get(link.sia_id)
            if landed is not None:
                apply_salesforce_change(SalesforceChange.of_record(landed, ctx.now), settings, services)
                continue
        decision = decide_reminder_event(deciding, link, ctx)
        sf_id = (link.sf_id if link else None) or imported_from(event.task.id)
        if decision.skipped is SkipReason.NEEDS_RECORD and sf_id is not None:
            if record_settled:
                # The record is deleted or gone elsewhere, and so is what this event changed.
                return Decision.skip(SkipReason.DELETED)
            apply_salesforce_change(read_record(sf_id, settings, services), settings, services)
            record_settled = True
            continue
        try:
            carry_out(decision, ctx, services)
        except TaskGoneSince:
            # The rep deleted the task since this event, and its delete event is late or lost: decided as
            # that delete, so that no record is made only to be deleted again (SPEC 7).
            deleted = _deleted_since(event, services)
            if deleted is None:
                return Decision.skip(SkipReason.DELETED)
            deciding = deleted
            continue
        except SalesforceRecordDeleted as gone:
            # Updating a record Salesforce has deleted: the delete wins on the SIA side too.
            return apply_salesforce_change(SalesforceChange.inferred_deletion(gone.sf_id, ctx.now), settings, services)
        except (ConcurrentUpdate, VersionConflict, TaskNotFound):
            continue
        return decision
    raise StillConcurrent(f"SIA event {event.event_id} kept meeting concurrent updates")


def _deleted_since(event: ReminderTaskEvent, services: SyncServices) -> ReminderTaskEvent | None:
    """The delete event the store's tombstone of ``event``'s task tells (None once the tombstone expired)."""
    gone = services.reminders.tombstone(event.task.user_id, event.task.id)
    if gone is None:
        return None
    return ReminderTaskEvent(
        kind=ReminderEventKind.DELETED,
        task=event.task.model_copy(update={"version": gone.version, "updated_at": gone.deleted_at}),
        # A store behind the port may name its own writers: any but the sync is the rep's app.
        origin=Origin.SYNC if gone.deleted_by == Origin.SYNC else Origin.USER,
        occurred_at=gone.deleted_at,
    )
