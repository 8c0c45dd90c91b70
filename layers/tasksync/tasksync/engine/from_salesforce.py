"""Decide what a Salesforce change does to the user's reminder tasks (SPEC sections 4, 6 and 7)."""

from __future__ import annotations

from datetime import date, datetime

from tasksync.domain.eligibility import Ineligible, ineligibility, same_salesforce_id
from tasksync.domain.field_map import SIA_FIELD, UNSYNCED, FieldMap, SfValue
from tasksync.domain.reminder_task import ReminderTask, TaskField, TaskValues
from tasksync.domain.salesforce_task import SalesforceField, SalesforceTask
from tasksync.domain.settings import FIRST_SYNC_WINDOW
from tasksync.domain.subject_template import render_subject
from tasksync.domain.sync_link import LinkState, SalesforceValues, Side, SyncLink
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.engine.context import SyncContext
from tasksync.engine.decisions import (
    CreateReminder,
    Decision,
    DeleteReminder,
    DeleteSalesforceTask,
    SkipReason,
    UpdateSalesforceTask,
)
from tasksync.engine.link_updates import remember
from tasksync.engine.merge import FieldChange
from tasksync.engine.settle import settle
from tasksync.ports.salesforce import TaskUpdate

IMPORTED_ID_PREFIX = "sf-"


def imported_task_id(sf_id: str) -> str:
    """The SIA id of a task imported from Salesforce: derived, so that importing twice finds the same task."""
    return IMPORTED_ID_PREFIX + sf_id


def imported_from(task_id: str) -> str | None:
    """The Salesforce id a task was imported from, if it was."""
    return task_id.removeprefix(IMPORTED_ID_PREFIX) if task_id.startswith(IMPORTED_ID_PREFIX) else None


def decide_salesforce_change(
    change: SalesforceChange, link: SyncLink | None, reminder: ReminderTask | None, ctx: SyncContext
) -> Decision:
    """``link`` is the record's link (found by its id, or by its external id when the sync made it);
    ``reminder`` the linked SIA task as it is now."""
    if not ctx.settings.syncing:
        return Decision.skip(SkipReason.SYNC_OFF)
    echo = change.client_id is not None and change.client_id == ctx.client_id
    if link is None:
        return _unlinked(change, echo, reminder, ctx)
    learnt_id = link.sf_id is None
    if learnt_id:
        # Our own create, found by its external id before its answer was saved.
        link = link.model_copy(update={"sf_id": change.sf_id})
    if link.state is LinkState.DELETED:
        return _on_deleted(change, link, reminder, learnt_id, echo, ctx)
    if link.state is LinkState.LEFT:
        return _on_left(change, link, reminder, ctx)
    if change.change_type is ChangeType.DELETE:
        return _on_delete(change, link, reminder)
    if _leaves_reminders(change, link, ctx):
        return _leave(change, link, reminder)
    if reminder is None:
        # The SIA task is gone and its delete event is still on its way: deletes win.
        return Decision(link=_tombstone(link, Side.SIA, ctx.now), salesforce=DeleteSalesforceTask(change.sf_id))
    held, seen_at, changes, taken = _observe(change, link, echo, ctx.field_map)
    if echo and SalesforceField.SUBJECT in taken:
        # The Subject the sync itself wrote last (its answer may have been lost): render against that.
        link = link.model_copy(update={"rendered_subject": held.subject or ""})
    quiet = SkipReason.ECHO if echo else SkipReason.NO_CHANGE
    return settle(
        link,
        reminder,
        changes,
        held,
        seen_at,
        ctx,
        quiet=quiet,
        last_sf_commit=_newest(link, change),
        owner_seen_at=change.commit_at if _shows_new_owner(change, link) else link.owner_seen_at,
    )


def copy_deleted_since(decided: Decision, sf_id: str, deleted_version: int, ctx: SyncContext) -> Decision:
    """``decided`` brought the SIA copy back (import, undelete, rejoin), but the store says that copy was
    made by an attempt whose answer was lost, and the rep deleted it since: their delete is the newer
    word, so the record goes too."""
    made = decided.checkpoint or decided.link  # the link without the Salesforce write it never sent
    if made is None:
        raise ValueError("only a decision that makes an SIA copy has a copy to lose")
    update = {"sia_version": deleted_version, "copy_version": deleted_version}
    tombstone = _tombstone(made.model_copy(update=update), Side.SIA, ctx.now)
    return Decision(link=tombstone, salesforce=DeleteSalesforceTask(sf_id))


def _unlinked(change: SalesforceChange, echo: bool, orphan: ReminderTask | None, ctx: SyncContext) -> Decision:
    """``orphan`` is an SIA copy under the record's import id whose link was never saved (a crash)."""
    if change.change_type is ChangeType.DELETE:
        return Decision(reminder=DeleteReminder(orphan.id) if orphan else None, skipped=SkipReason.NOT_LINKED)
    if echo:
        # Made by the sync for an SIA task: that task's link, not this event, decides about it. (A record
        # the sync made for another rep and that was reassigned to this one has no link here: it joins.)
        return Decision.skip(SkipReason.ECHO)
    if change.change_type is not ChangeType.RECORD:
        # Read the record before importing it: the event may be older than a delete or a reassignment
        # that was already seen (with no link, nothing remembers those). An eligible task the first sync
        # did not import also joins this way, on its first change (SPEC 6).
        return Decision.skip(SkipReason.NEEDS_RECORD)
    if ineligibility(change.task, ctx.sf_user_id) is not None:
        return Decision(reminder=DeleteReminder(orphan.id) if orphan else None, skipped=SkipReason.NOT_ELIGIBLE)
    enabled_at = ctx.settings.enabled_at
    if enabled_at is not None and change.commit_at < enabled_at - FIRST_SYNC_WINDOW:
        # Last changed before the first sync's window: it joins on its first change while sync is on.
        return Decision.skip(SkipReason.BEFORE_SYNC_WINDOW)
    values = ctx.field_map.imported_values(change.task)
    task_id = imported_task_id(change.sf_id)
    link = SyncLink(
        user_id=ctx.user_id,
        sia_id=task_id,
        sf_id=change.sf_id,
        agreed=values,
        agreed_at=dict.fromkeys(TaskField, change.commit_at),
        rendered_subject=render_subject(ctx.settings.subject_template, values),
        salesforce=_held(change.task),
        salesforce_seen_at=dict.fromkeys(SalesforceField, change.commit_at),
        sia_version=1,
        last_sf_commit=change.commit_at,
        owner_seen_at=change.commit_at,
        copy_made_at=change.commit_at,
    )
    return Decision(link=link, reminder=CreateReminder(task_id, values))


def _on_deleted(
    change: SalesforceChange,
    link: SyncLink,
    reminder: ReminderTask | None,
    learnt_id: bool,
    echo: bool,
    ctx: SyncContext,
) -> Decision:
    """A change of a record whose task is deleted. A change newer than the delete (and than every
    Salesforce change applied) means the record lives again: Salesforce undeleted it."""
    newer = not _older(change, link) and (link.deleted_at is None or change.commit_at > link.deleted_at)
    if change.change_type is ChangeType.DELETE:
        # Deleted again after an undelete that has not arrived yet: that undelete is now stale. (The
        # delete that confirms an SIA delete only moves the watermark.)
        if not newer:
            tombstone = None
        elif link.deleted_by is Side.SIA:
            tombstone = link.model_copy(update={"last_sf_commit": _newest(link, change)})
        else:
            tombstone = _tombstone(link, Side.SALESFORCE, change.commit_at)
        if reminder is not None:
            # The SIA copy came back (a restore whose link was not saved): the delete takes it again.
            return Decision(link=remember(tombstone or link, reminder), reminder=DeleteReminder(link.sia_id))
        return Decision(link=tombstone, skipped=SkipReason.DUPLICATE)
    if link.deleted_by is Side.SIA and (learnt_id or (change.change_type is ChangeType.RECORD and not newer)):
        # The record outlived its SIA delete: the sync's create answered after it, or the delete failed.
        return Decision(link=link if learnt_id else None, salesforce=DeleteSalesforceTask(change.sf_id))
    if echo or not newer:
        return Decision.skip(SkipReason.DELETED)
    if change.change_type is ChangeType.RECORD:
        return _bring_back(change, link, reminder, ctx)
    # Undeleted (this event may even be ahead of the undelete's): bring it back as it is now, not as an
    # event says it was, since the sync may have written to it since.
    return Decision.skip(SkipReason.NEEDS_RECORD)


def _on_left(change: SalesforceChange, link: SyncLink, reminder: ReminderTask | None, ctx: SyncContext) -> Decision:
    """A change of a record that left the user's reminders: only a new owner (the user again) brings it
    back, judged by the owner's own watermark; the full record decides."""
    if change.is_full_record or change.change_type is ChangeType.DELETE:
        if _older(change, link):
            return Decision.skip(SkipReason.STALE)
        if change.change_type is ChangeType.DELETE:
            return Decision(link=_tombstone(link, Side.SALESFORCE, change.commit_at), skipped=SkipReason.NOT_ELIGIBLE)
        if change.change_type is ChangeType.RECORD:
            return _bring_back(change, link, reminder, ctx)
        return Decision.skip(SkipReason.NEEDS_RECORD)
    if _shows_new_owner(change, link) and same_salesforce_id(change.task.owner_id, ctx.sf_user_id):
        return Decision.skip(SkipReason.NEEDS_RECORD)
    return Decision.skip(SkipReason.NOT_ELIGIBLE)


def _on_delete(change: SalesforceChange, link: SyncLink, reminder: ReminderTask | None) -> Decision:
    if _older(change, link):
        # An undelete (or a change only an undelete allows) came after it.
        return Decision.skip(SkipReason.STALE)
    tombstone = _tombstone(remember(link, reminder), Side.SALESFORCE, change.commit_at)
    return Decision(link=tombstone, reminder=DeleteReminder(link.sia_id) if reminder else None)


def _leaves_reminders(change: SalesforceChange, link: SyncLink, ctx: SyncContext) -> bool:
    """Whether the change makes the task stop being one of the user's reminders (SPEC section 4). The
    owner is judged by its own watermark: an owner change is news even when it arrives after a newer
    change of another field."""
    if change.is_full_record:
        reason = ineligibility(change.task, ctx.sf_user_id)
        return reason is not None and (reason is not Ineligible.OTHER_OWNER or _shows_new_owner(change, link))
    return _shows_new_owner(change, link) and not same_salesforce_id(change.task.owner_id, ctx.sf_user_id)


def _shows_new_owner(change: SalesforceChange, link: SyncLink) -> bool:
    return "OwnerId" in change.carried and (link.owner_seen_at is None or change.commit_at > link.owner_seen_at)


def _leave(change: SalesforceChange, link: SyncLink, reminder: ReminderTask | None) -> Decision:
    update = {"state": LinkState.LEFT, "last_sf_commit": _newest(link, change), "owner_seen_at": change.commit_at}
    left = remember(link, reminder).model_copy(update=update)
    return Decision(link=left, reminder=DeleteReminder(link.sia_id) if reminder else None)


def _bring_back(change: SalesforceChange, link: SyncLink, reminder: ReminderTask | None, ctx: SyncContext) -> Decision:
    """Undelete or rejoin: the SIA task comes back under its old id and name, with Salesforce's values,
    at a version above every event of its earlier life; unless the record is no longer the user's."""
    if ineligibility(change.task, ctx.sf_user_id) is not None:
        left = {"state": LinkState.LEFT, "deleted_at": None, "deleted_by": None}
        # A copy a crashed restore left behind goes too.
        return Decision(
            link=link.model_copy(update={**left, "last_sf_commit": _newest(link, change)}),
            reminder=DeleteReminder(link.sia_id) if reminder else None,
            skipped=None if reminder else SkipReason.NOT_ELIGIBLE,
        )
    values = _overlay(link.agreed, change.task, ctx.field_map)
    rendered = render_subject(ctx.settings.subject_template, values)
    # A rename the rep made before the task went away still reaches the Subject (SPEC section 3).
    renamed = {SalesforceField.SUBJECT: rendered} if rendered != link.rendered_subject else {}
    seen_at = dict.fromkeys(SalesforceField, change.commit_at)
    written_at = link.salesforce_written_at | dict.fromkeys(renamed, ctx.now)
    back = link.model_copy(
        update={
            "state": LinkState.ACTIVE,
            "agreed": values,
            "agreed_at": dict.fromkeys(TaskField, change.commit_at),
            "rendered_subject": rendered,
            "salesforce": _held(change.task).with_values(renamed),
            "salesforce_seen_at": seen_at,
            "salesforce_written_at": written_at,
            "last_sf_commit": _newest(link, change),
            "owner_seen_at": change.commit_at,
            "copy_made_at": change.commit_at,
            "deleted_at": None,
            "deleted_by": None,
        }
    )
    version = link.sia_version + 1
    create = CreateReminder(link.sia_id, values, version=version)
    if not renamed:
        return Decision(link=back, reminder=create)
    unsent = {
        "rendered_subject": link.rendered_subject,
        "salesforce": _held(change.task),
        "salesforce_written_at": link.salesforce_written_at,
    }
    return Decision(
        link=back,
        reminder=create,
        salesforce=UpdateSalesforceTask(TaskUpdate(change.sf_id, renamed)),
        checkpoint=back.model_copy(update=unsent),
    )


def _observe(
    change: SalesforceChange, link: SyncLink, echo: bool, fields: FieldMap
) -> tuple[SalesforceValues, dict[SalesforceField, datetime], dict[TaskField, FieldChange], set[SalesforceField]]:
    """What Salesforce holds after ``change`` (and which fields took the event's value), and the synced
    fields it changed.

    A field takes the event's value only when the event is newer than both the newest Salesforce change
    seen and the sync's own last write of it. The event changed a field when it is newer than every
    Salesforce change seen of that field (an older one was superseded there) and than the agreed value
    (which it would otherwise have lost to); an echo teaches what Salesforce holds, never a change."""
    updates: dict[SalesforceField, str | date | None] = {}
    seen_at = dict(link.salesforce_seen_at)
    changes: dict[TaskField, FieldChange] = {}
    at = change.commit_at
    for sf_field in SalesforceField:
        if sf_field.value not in change.carried:
            continue
        value = _normalized(change.task.value(sf_field))
        seen, written = link.salesforce_seen_at.get(sf_field), link.salesforce_written_at.get(sf_field)
        if all(known is None or at > known for known in (seen, written)):
            updates[sf_field] = value
        if seen is None or at > seen:
            seen_at[sf_field] = at
        field = SIA_FIELD[sf_field]
        in_sia = fields.to_sia(field, value)
        if echo or field is TaskField.NAME or in_sia is UNSYNCED or (seen is not None and at <= seen):
            continue
        if at > link.agreed_at[field] and in_sia != getattr(link.agreed, field):
            changes[field] = FieldChange(in_sia, at)
    return link.salesforce.with_values(updates), seen_at, changes, set(updates)


def _overlay(values: TaskValues, task: SalesforceTask, fields: FieldMap) -> TaskValues:
    """``values`` with the synced values of ``task``; the name stays (SPEC section 3)."""
    update: dict[str, object] = {}
    for sf_field in SalesforceField:
        field = SIA_FIELD[sf_field]
        in_sia = fields.to_sia(field, _normalized(task.value(sf_field)))
        if field is not TaskField.NAME and in_sia is not UNSYNCED:
            update[field] = in_sia
    return values.model_copy(update=update)


def _held(task: SalesforceTask) -> SalesforceValues:
    return SalesforceValues().with_values({field: _normalized(task.value(field)) for field in SalesforceField})


def _normalized(value: SfValue) -> SfValue:
    # Salesforce stores an empty text field as null; CDC and the REST API may show either.
    return None if value == "" else value


def _tombstone(link: SyncLink, by: Side, at: datetime) -> SyncLink:
    """Deleted by ``by`` at ``at``; a Salesforce delete is a Salesforce change like any other."""
    newest = max(link.last_sf_commit, at) if link.last_sf_commit and by is Side.SALESFORCE else link.last_sf_commit
    update = {"state": LinkState.DELETED, "deleted_by": by, "deleted_at": at}
    return link.model_copy(update={**update, "last_sf_commit": newest if by is Side.SIA else newest or at})


def _older(change: SalesforceChange, link: SyncLink) -> bool:
    """Whether a newer Salesforce change of the record was applied already."""
    return link.last_sf_commit is not None and change.commit_at < link.last_sf_commit


def _newest(link: SyncLink, change: SalesforceChange) -> datetime:
    return max(link.last_sf_commit, change.commit_at) if link.last_sf_commit else change.commit_at
