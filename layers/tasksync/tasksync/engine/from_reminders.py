"""Decide what an SIA reminder-task event does in Salesforce (SPEC sections 5.2, 6 and 7)."""

from __future__ import annotations

from tasksync.domain.imported_ids import imported_from
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent
from tasksync.domain.reminder_task import TASK_FIELDS, ReminderTask
from tasksync.domain.settings import SyncSettings
from tasksync.domain.subject_template import render_subject
from tasksync.domain.sync_link import LinkState, SalesforceValues, Side, SyncLink
from tasksync.engine.context import SyncContext
from tasksync.engine.decisions import Decision, DeleteReminder, DeleteSalesforceTask, SkipReason
from tasksync.engine.link_updates import remember
from tasksync.engine.settle import create_salesforce_task, nothing_observed, settle


def decide_reminder_event(event: ReminderTaskEvent, link: SyncLink | None, ctx: SyncContext) -> Decision:
    """``link`` is the task's link, if it has one. Dispatched as ``decide_salesforce_change`` is: the
    sync's own events, then by the link's state, then by the kind of event."""
    if not ctx.settings.syncing:
        return Decision.skip(SkipReason.SYNC_OFF)
    if event.origin is Origin.SYNC:
        return _echo(event, link)
    if link is None:
        return _unlinked(event, ctx)
    if link.state is not LinkState.ACTIVE:
        return _on_gone(event, link)
    if event.kind is ReminderEventKind.DELETED:
        return _on_delete(event, link)
    return _on_edit(event, link, ctx)


def _echo(event: ReminderTaskEvent, link: SyncLink | None) -> Decision:
    task = event.task
    if event.kind is ReminderEventKind.DELETED and link is not None and link.state is not LinkState.ACTIVE:
        # The sync's own delete of the SIA copy still tells its last values, should the record come back
        # (the link the delete was decided with may not have been saved).
        return Decision.skip(SkipReason.ECHO, remember(link, task) if task.version > link.sia_version else None)
    return Decision.skip(SkipReason.ECHO)


def _unlinked(event: ReminderTaskEvent, ctx: SyncContext) -> Decision:
    task = event.task
    if imported_from(task.id):
        # An import whose link was not saved: settle the Salesforce record first, never push a copy.
        return Decision.skip(SkipReason.NEEDS_RECORD)
    if not ctx.settings.pushes_tasks_made_at(task.created_at):
        return Decision.skip(SkipReason.CREATED_BEFORE_SYNC)
    if event.kind is ReminderEventKind.DELETED:
        # Deleted before its create was delivered: a tombstone keeps that late create from pushing it.
        return Decision(link=_deleted_link(_new_link(task, ctx), event), skipped=SkipReason.NOT_LINKED)
    return _create(event, ctx)


def _on_gone(event: ReminderTaskEvent, link: SyncLink) -> Decision:
    """An event of a task whose link is deleted or left the rep's reminders."""
    task = event.task
    if task.version <= link.sia_version:
        return Decision.skip(SkipReason.DELETED)
    # The SIA task lived on past what its link knows: a restore or a rejoin whose link was not saved
    # (its retry is on the way), or a delete the link could not place.
    if event.kind is not ReminderEventKind.DELETED and link.sf_id is not None:
        # Settle the Salesforce side first, then this event again.
        return Decision.skip(SkipReason.NEEDS_RECORD)
    # Keep the values, not the version: a copy being brought back must still find, by its version, that
    # the rep deleted it, and delete the record too.
    return Decision.skip(SkipReason.DELETED, remember(link, task, version=False))


def _on_delete(event: ReminderTaskEvent, link: SyncLink) -> Decision:
    task = event.task
    if task.version < link.copy_version and link.copy_made_at and event.occurred_at > link.copy_made_at:
        # The rep deleted the task after Salesforce brought it back (undelete, reassignment), before the
        # copy reached them (both times are AWS's): the later word is the delete, for the copy too.
        deleted = _deleted(event, link)
        return Decision(link=deleted.link, reminder=DeleteReminder(link.sia_id), salesforce=deleted.salesforce)
    if task.version < link.sia_version:
        return Decision.skip(SkipReason.STALE)
    return _deleted(event, link)


def _on_edit(event: ReminderTaskEvent, link: SyncLink, ctx: SyncContext) -> Decision:
    task = event.task
    if link.sf_id is not None and link.unsent and task.version >= link.sia_version:
        # An update whose answer never came: read the record first, which says whether it landed and
        # whether Salesforce changed the field since (a blind resend, alone or with a newer change of the
        # rep's, would write over that: SPEC 7, the later change wins).
        return Decision.skip(SkipReason.NEEDS_RECORD)
    if task.version > link.sia_version:
        return settle(link, task, nothing_observed(link), ctx)
    if link.sf_id is None:
        # The create never answered (a time-out, a crash): send it again, with the agreed values.
        return settle(link, None, nothing_observed(link), ctx)
    return Decision.skip(SkipReason.DUPLICATE if task.version == link.sia_version else SkipReason.STALE)


def _deleted_link(link: SyncLink, event: ReminderTaskEvent) -> SyncLink:
    return link.updated(
        state=LinkState.DELETED,
        deleted_by=Side.SIA,
        deleted_at=event.occurred_at,
        sia_version=event.task.version,
        unsent=(),
    )


def _deleted(event: ReminderTaskEvent, link: SyncLink) -> Decision:
    deleted = _deleted_link(remember(link, event.task), event)
    # A create that never answered has no id to delete: its late CDC event, or the reconciliation,
    # finds the record and the deleted link deletes it then.
    action = DeleteSalesforceTask(link.sf_id) if link.sf_id else None
    return Decision(link=deleted, salesforce=action)


def _create(event: ReminderTaskEvent, ctx: SyncContext) -> Decision:
    """A new link, saved before the create is sent so that the create's CDC event finds it."""
    return Decision(
        link=_new_link(event.task, ctx), salesforce=create_salesforce_task(event.task.id, event.task.values, ctx)
    )


def decide_while_paused(event: ReminderTaskEvent, link: SyncLink | None, settings: SyncSettings) -> Decision:
    """Sync paused by a revoked grant: nothing is sent, and reconnecting resumes it where it was, pushing
    what the rep made since sync was turned on. A task made so and deleted before its create went leaves
    its tombstone, so that a late delivery of its create, after the rep reconnects, does not push it."""
    task = event.task
    if (
        event.kind is ReminderEventKind.DELETED
        and event.origin is Origin.USER
        and link is None
        and settings.enabled
        and not imported_from(task.id)
        and settings.pushes_tasks_made_at(task.created_at)
    ):
        return Decision(link=_deleted_link(_unsent_link(task, settings), event), skipped=SkipReason.SYNC_OFF)
    return Decision.skip(SkipReason.SYNC_OFF)


def _new_link(task: ReminderTask, ctx: SyncContext) -> SyncLink:
    """The pending link of a create: every field written, none shown yet; ``sf_id`` comes with the answer."""
    sent = create_salesforce_task(task.id, task.values, ctx).create.values
    return _unsent_link(task, ctx.settings).with_writes(sent, base={}, by_create=True)


def _unsent_link(task: ReminderTask, settings: SyncSettings) -> SyncLink:
    return SyncLink(
        user_id=task.user_id,
        sia_id=task.id,
        agreed=task.values,
        agreed_at={field: task.changed(field) for field in TASK_FIELDS},
        rendered_subject=render_subject(settings.subject_template, task.values),
        salesforce=SalesforceValues(),
        salesforce_seen_at={},
        synced_seen_at={},
        sia_version=task.version,
    )
