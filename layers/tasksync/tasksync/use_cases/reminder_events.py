"""Apply one SIA reminder-task event to Salesforce."""

from __future__ import annotations

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.settings import SyncSettings
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import Decision, SkipReason
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.ports.reminder_tasks import TaskNotFound, VersionConflict
from tasksync.ports.sync_state import ConcurrentUpdate
from tasksync.use_cases.carry_out import SalesforceRecordDeleted, carry_out
from tasksync.use_cases.salesforce_changes import MAX_ATTEMPTS, StillConcurrent, apply_salesforce_change, read_record
from tasksync.use_cases.services import SyncServices


def apply_reminder_event(event: ReminderTaskEvent, settings: SyncSettings, services: SyncServices) -> Decision:
    record_settled = False
    for _ in range(MAX_ATTEMPTS):
        ctx = services.context(settings)
        link = services.links.link_by_sia_id(event.task.user_id, event.task.id)
        decision = decide_reminder_event(event, link, ctx)
        if decision.skipped is SkipReason.NEEDS_RECORD and link is not None and link.sf_id is not None:
            if record_settled:
                # The record is deleted or gone elsewhere, and so is what this event changed.
                return Decision.skip(SkipReason.DELETED)
            apply_salesforce_change(read_record(link.sf_id, settings, services), settings, services)
            record_settled = True
            continue
        try:
            carry_out(decision, ctx, services)
        except SalesforceRecordDeleted as gone:
            # Updating a record Salesforce has deleted: the delete wins on the SIA side too.
            return apply_salesforce_change(SalesforceChange.deletion(gone.sf_id, ctx.now), settings, services)
        except (ConcurrentUpdate, VersionConflict, TaskNotFound):
            continue
        return decision
    raise StillConcurrent(f"SIA event {event.event_id} kept meeting concurrent updates")
