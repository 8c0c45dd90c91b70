"""Decide what a Salesforce change does to the user's reminder tasks (SPEC sections 4, 6 and 7).

Life-cycle changes (deletes, undeletes, owner changes) are ordered by Salesforce's clock alone
(``last_sf_commit``, ``owner_seen_at``, ``sf_deleted_at``); where two of them share a whole second, or
a delete's Salesforce time is unknown (the sync inferred it), the record is read and the read decides.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from tasksync.domain.clocks import CLOCK_MARGIN, SENT_LATE
from tasksync.domain.eligibility import REMINDER_SUBTYPES, Ineligible, ineligibility, same_salesforce_id
from tasksync.domain.field_map import SF_FIELD, SIA_FIELD, UNSYNCED, FieldMap
from tasksync.domain.imported_ids import imported_task_id
from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import TASK_FIELDS, ReminderTask, TaskField, TaskValues, Tombstone
from tasksync.domain.salesforce_fields import SALESFORCE_FIELDS
from tasksync.domain.salesforce_task import SalesforceField, SalesforceTask
from tasksync.domain.salesforce_writes import TaskUpdate
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
from tasksync.engine.link_updates import remember, remember_deleted
from tasksync.engine.merge import reminder_changes
from tasksync.engine.observe import normalized, observe, settles
from tasksync.engine.settle import settle


def decide_salesforce_change(
    change: SalesforceChange,
    link: SyncLink | None,
    reminder: ReminderTask | None,
    ctx: SyncContext,
    *,
    gone: Tombstone | None = None,
) -> Decision:
    """``link`` is the record's link (found by its id, or by its external id when the sync made it);
    ``reminder`` the linked SIA task as it is now, and when it is gone, ``gone`` what the store keeps of it
    (while it keeps its tombstone)."""
    if not ctx.settings.syncing:
        return Decision.skip(SkipReason.SYNC_OFF)
    if change.change_type is ChangeType.GAP:
        return Decision.skip(SkipReason.NEEDS_RECORD)
    echo = change.client_id is not None and change.client_id == ctx.client_id
    if link is None:
        return _unlinked(change, echo, reminder, ctx)
    learnt_id = link.sf_id is None
    if learnt_id:
        # Our own create, found by its external id before its answer was saved.
        if change.change_type not in (ChangeType.RECORD, ChangeType.DELETE):
            # The record's events delivered before this one found no link by its id, and were placed nowhere
            # (a user's delete or edit, overtaking the create's event): the record as it is now says them.
            return Decision.skip(SkipReason.NEEDS_RECORD)
        link = link.updated(sf_id=change.sf_id)
    if link.state is LinkState.DELETED:
        return _on_deleted(change, link, reminder, learnt_id, echo, ctx, gone)
    if link.state is LinkState.LEFT:
        return _on_left(change, link, reminder, ctx, gone)
    if change.change_type is ChangeType.DELETE:
        return _on_delete(change, link, reminder, ctx)
    truth = settles(change, link)
    if not truth and _owner_tied(change, link, ctx):
        return Decision.skip(SkipReason.NEEDS_RECORD)
    if _leaves_reminders(change, link, truth, ctx):
        return _leave(change, link, reminder)
    if reminder is None and gone is not None and gone.deleted_by == Origin.SYNC.value:
        # The sync itself took the copy away (the record left or was deleted) and died before saving the
        # link: no SIA delete, so the record as it is now decides (gone, someone else's, or back).
        return _bring_back(change, link, None, ctx, gone) if truth else Decision.skip(SkipReason.NEEDS_RECORD)
    if reminder is None:
        # The rep deleted the SIA task (its event is on its way, or its trace expired): deletes win.
        deleted = _tombstone(remember_deleted(link, gone), Side.SIA, ctx, None)
        return Decision(link=deleted, salesforce=DeleteSalesforceTask(change.sf_id))
    observed = observe(change, link, echo, ctx)
    if observed.ambiguous or (not truth and not set(link.unsent) <= observed.shown.keys()):
        # A write whose answer never came is never resent unread: the record says whether it landed, and
        # whether Salesforce changed the field since (SPEC 7: the later change wins).
        return Decision.skip(SkipReason.NEEDS_RECORD)
    owner_seen = change.commit_at if truth or _shows_new_owner(change, link) else link.owner_seen_at
    moved = {"last_sf_commit": _newest(link, change), "owner_seen_at": owner_seen}
    # The watermarks are saved even when nothing else changes: an older change arriving later must find them.
    decided = settle(
        link, reminder, observed, ctx, quiet=SkipReason.ECHO if echo else SkipReason.NO_CHANGE, moved=moved
    )
    if not truth and _writes_late_edits(decided, link, reminder, ctx):
        return Decision.skip(SkipReason.NEEDS_RECORD)
    return decided


def _writes_late_edits(decided: Decision, link: SyncLink, reminder: ReminderTask, ctx: SyncContext) -> bool:
    """Whether ``decided`` writes a change of the rep's older than Salesforce takes to deliver a change event:
    a later Salesforce change of the field may be on its way, or lost, and the rep's would replace it unread
    (SPEC 7). Decided with the record as it is now, the two are merged as a crossing."""
    if not isinstance(decided.salesforce, UpdateSalesforceTask):
        return False
    written = decided.salesforce.update.values.keys()
    return any(
        SF_FIELD[field] in written and ctx.now - change.at > SENT_LATE
        for field, change in reminder_changes(link, reminder).items()
    )


def copy_deleted_since(decided: Decision, sf_id: str, deleted_version: int, ctx: SyncContext) -> Decision:
    """``decided`` brought the SIA copy back (import, undelete, rejoin), but the store says that copy was
    made by an attempt whose answer was lost, and the rep deleted it since: their delete is the newer
    word, so the record goes too."""
    made = decided.if_refused or decided.link  # the link without the Salesforce write it never sent
    if made is None:
        raise ValueError("only a decision that makes an SIA copy has a copy to lose")
    return _deleted_by_rep_since(made, deleted_version, sf_id, ctx)


def _deleted_by_rep_since(link: SyncLink, deleted_version: int, sf_id: str, ctx: SyncContext) -> Decision:
    """The rep deleted the SIA task (at ``deleted_version``) after Salesforce brought the record back:
    the later word is the delete, so the record goes too."""
    gone = link.updated(sia_version=deleted_version, copy_version=deleted_version, unsent=())
    return Decision(link=_tombstone(gone, Side.SIA, ctx, None), salesforce=DeleteSalesforceTask(sf_id))


def copy_above(decided: Decision, deleted_version: int) -> Decision:
    """``decided`` with its SIA copy made above ``deleted_version``, which the sync itself deleted."""
    create = decided.reminder
    if not isinstance(create, CreateReminder):
        raise ValueError("only a decision that makes an SIA copy has a copy to make again")
    above = CreateReminder(create.task_id, create.values, version=deleted_version + 1)
    return dataclasses.replace(decided, reminder=above)


def _unlinked(change: SalesforceChange, echo: bool, orphan: ReminderTask | None, ctx: SyncContext) -> Decision:
    """``orphan`` is an SIA copy under the record's import id whose link was never saved (a crash)."""
    if change.change_type is ChangeType.DELETE:
        return Decision(reminder=DeleteReminder.of(orphan) if orphan else None, skipped=SkipReason.NOT_LINKED)
    if echo:
        # Made by the sync for an SIA task: that task's link, not this event, decides about it. (A record
        # the sync made for another rep and that was reassigned to this one has no link here: it joins.)
        return Decision.skip(SkipReason.ECHO)
    if _never_a_reminder(change):
        return Decision(reminder=DeleteReminder.of(orphan) if orphan else None, skipped=SkipReason.NOT_ELIGIBLE)
    if change.change_type is not ChangeType.RECORD:
        # Read the record before importing it: the event may be older than a delete or a reassignment
        # that was already seen (with no link, nothing remembers those). An eligible task the first sync
        # did not import also joins this way, on its first change (SPEC 6).
        return Decision.skip(SkipReason.NEEDS_RECORD)
    if ineligibility(change.task, ctx.sf_user_id) is not None:
        return Decision(reminder=DeleteReminder.of(orphan) if orphan else None, skipped=SkipReason.NOT_ELIGIBLE)
    enabled_at = ctx.settings.enabled_at
    if enabled_at is not None and _changed_last(change) < enabled_at - FIRST_SYNC_WINDOW - CLOCK_MARGIN:
        # Last changed before the first sync's window (Salesforce's clock, so the window is widened by the
        # margin): it joins on its first change while sync is on.
        return Decision.skip(SkipReason.BEFORE_SYNC_WINDOW)
    values = ctx.field_map.imported_values(change.task)
    task_id = imported_task_id(change.sf_id)
    seen_at = dict.fromkeys(SALESFORCE_FIELDS, change.commit_at)
    link = SyncLink(
        user_id=ctx.user_id,
        sia_id=task_id,
        sf_id=change.sf_id,
        agreed=values,
        agreed_at=dict.fromkeys(TASK_FIELDS, ctx.now),
        rendered_subject=render_subject(ctx.settings.subject_template, values),
        salesforce=_held(change.task),
        salesforce_seen_at=seen_at,
        synced_seen_at=seen_at,  # as an import: from the record as read
        sia_version=1,
        last_sf_commit=change.commit_at,
        owner_seen_at=change.commit_at,
        copy_made_at=ctx.now,
    )
    return Decision(link=link, reminder=CreateReminder(task_id, values))


def _changed_last(change: SalesforceChange) -> datetime:
    """When the record last changed as far as the 24-hour rule goes: a user's last modification
    (``LastModifiedDate``, not ``SystemModstamp``, which Salesforce moves on its own), or the change event
    that made the sync read it (an undelete, say, which does not move ``LastModifiedDate``)."""
    modified = change.modified_at or change.commit_at
    prompt = change.prompted_by
    return max(modified, prompt.commit_at) if prompt is not None and not prompt.inferred else modified


def _never_a_reminder(change: SalesforceChange) -> bool:
    """A subtype (create-only) or a recurring series that no later change can make a reminder: no need to
    read the record to know it."""
    task, carried = change.task, change.carried
    return ("TaskSubtype" in carried and task.task_subtype not in REMINDER_SUBTYPES) or (
        "IsRecurrence" in carried and task.is_recurrence
    )


def _on_deleted(
    change: SalesforceChange,
    link: SyncLink,
    reminder: ReminderTask | None,
    learnt_id: bool,
    echo: bool,
    ctx: SyncContext,
    gone: Tombstone | None,
) -> Decision:
    """A change of a record whose task is deleted. The record living again means Salesforce undeleted
    it; only a read after the link's last save says so for sure."""
    if change.change_type is ChangeType.DELETE:
        # A delete seen again (the echo of the sync's own, getDeleted, a re-read): it may date the delete.
        tombstone = _dated_delete(link, change)
        if reminder is not None:
            # The SIA copy came back (a restore whose link was not saved): the delete takes it again.
            return Decision(link=remember(tombstone or link, reminder), reminder=DeleteReminder.of(reminder))
        return Decision(link=tombstone, skipped=SkipReason.DUPLICATE)
    if link.deleted_by is Side.SIA and learnt_id:
        # The record outlived its SIA delete: the sync's create answered after it.
        return Decision(link=link, salesforce=DeleteSalesforceTask(change.sf_id))
    if settles(change, link):
        # Live now, after a delete that was done (a tombstone is saved once its delete is): undeleted.
        return _bring_back(change, link, reminder, ctx, gone)
    if echo or (link.sf_deleted_at is not None and change.commit_at < link.sf_deleted_at):
        return Decision.skip(SkipReason.DELETED)
    # Maybe undeleted (this event may even be ahead of the undelete's): read it, and bring it back as it
    # is now, not as an event says it was.
    return Decision.skip(SkipReason.NEEDS_RECORD)


def _dated_delete(link: SyncLink, change: SalesforceChange) -> SyncLink | None:
    """The tombstone with the delete's Salesforce time, when ``change`` tells a newer one."""
    if change.inferred or _older(change, link):
        return None
    if link.sf_deleted_at is not None and change.commit_at <= link.sf_deleted_at:
        return None
    return link.updated(sf_deleted_at=change.commit_at, last_sf_commit=_newest(link, change))


def _on_left(
    change: SalesforceChange, link: SyncLink, reminder: ReminderTask | None, ctx: SyncContext, gone: Tombstone | None
) -> Decision:
    """A change of a record that left the user's reminders: only a new owner (the user again) brings it
    back, judged by the owner's own watermark; the record as read decides."""
    if change.change_type is ChangeType.DELETE:
        if not change.inferred and _older(change, link):
            return Decision.skip(SkipReason.STALE)
        return Decision(link=_tombstone(link, Side.SALESFORCE, ctx, change), skipped=SkipReason.NOT_ELIGIBLE)
    if settles(change, link):
        return _bring_back(change, link, reminder, ctx, gone)
    if change.is_full_record:
        if _older(change, link):
            return Decision.skip(SkipReason.STALE)
        if ineligibility(change.task, ctx.sf_user_id) is not None:
            return Decision.skip(SkipReason.NOT_ELIGIBLE)
        return Decision.skip(SkipReason.NEEDS_RECORD)
    owner = change.task.owner_id
    if (
        "OwnerId" in change.carried
        and same_salesforce_id(owner, ctx.sf_user_id)
        and not _before_owner_seen(change, link)
    ):
        return Decision.skip(SkipReason.NEEDS_RECORD)
    return Decision.skip(SkipReason.NOT_ELIGIBLE)


def _on_delete(change: SalesforceChange, link: SyncLink, reminder: ReminderTask | None, ctx: SyncContext) -> Decision:
    if change.inferred:
        if change.read_at is None or link.saved_at is None or change.read_at < link.saved_at:
            # Read before the link's last save, which may have brought the record back: read again.
            return Decision.skip(SkipReason.NEEDS_RECORD)
    elif _older(change, link):
        # An undelete (or a change only an undelete allows) came after it.
        return Decision.skip(SkipReason.STALE)
    elif change.commit_at == link.last_sf_commit:
        # The same second as the last change applied (an undelete, say): the record decides.
        return Decision.skip(SkipReason.NEEDS_RECORD)
    tombstone = _tombstone(remember(link, reminder), Side.SALESFORCE, ctx, change)
    return Decision(link=tombstone, reminder=DeleteReminder.of(reminder) if reminder else None)


def _owner_tied(change: SalesforceChange, link: SyncLink, ctx: SyncContext) -> bool:
    """An owner other than the user, shown by a change of the same second as the last owner seen: which
    of the two is the later cannot be told."""
    return (
        "OwnerId" in change.carried
        and link.owner_seen_at is not None
        and change.commit_at == link.owner_seen_at
        and not same_salesforce_id(change.task.owner_id, ctx.sf_user_id)
    )


def _leaves_reminders(change: SalesforceChange, link: SyncLink, truth: bool, ctx: SyncContext) -> bool:
    """Whether the change makes the task stop being one of the user's reminders (SPEC section 4). The
    owner is judged by its own watermark: an owner change is news even when it arrives after a newer
    change of another field."""
    if change.is_full_record:
        reason = ineligibility(change.task, ctx.sf_user_id)
        return reason is not None and (reason is not Ineligible.OTHER_OWNER or truth or _shows_new_owner(change, link))
    return _shows_new_owner(change, link) and not same_salesforce_id(change.task.owner_id, ctx.sf_user_id)


def _shows_new_owner(change: SalesforceChange, link: SyncLink) -> bool:
    return "OwnerId" in change.carried and (link.owner_seen_at is None or change.commit_at > link.owner_seen_at)


def _before_owner_seen(change: SalesforceChange, link: SyncLink) -> bool:
    return link.owner_seen_at is not None and change.commit_at < link.owner_seen_at


def _leave(change: SalesforceChange, link: SyncLink, reminder: ReminderTask | None) -> Decision:
    left = remember(link, reminder).updated(
        state=LinkState.LEFT, last_sf_commit=_newest(link, change), owner_seen_at=change.commit_at
    )
    return Decision(link=left, reminder=DeleteReminder.of(reminder) if reminder else None)


def _bring_back(
    change: SalesforceChange,
    link: SyncLink,
    reminder: ReminderTask | None,
    ctx: SyncContext,
    gone: Tombstone | None = None,
) -> Decision:
    """Undelete or rejoin: the SIA task comes back under its old id and name, with Salesforce's values,
    at a version above every event of its earlier life (the store's tombstone included); unless the
    record is no longer the user's, or the rep deleted the task after Salesforce brought the record
    back (AWS's time against Salesforce's: the race of two sides, which either may win within the
    clocks' margin)."""
    if ineligibility(change.task, ctx.sf_user_id) is not None:
        # A copy a crashed restore left behind goes too.
        left = link.updated(
            state=LinkState.LEFT,
            deleted_at=None,
            deleted_by=None,
            sf_deleted_at=None,
            last_sf_commit=_newest(link, change),
            owner_seen_at=change.commit_at,
        )
        return Decision(
            link=left,
            reminder=DeleteReminder.of(reminder) if reminder else None,
            skipped=None if reminder else SkipReason.NOT_ELIGIBLE,
        )
    if gone is not None and gone.deleted_by == Origin.USER.value and gone.version > link.sia_version:
        back_at = change.prompted_by.commit_at if change.prompted_by is not None else change.commit_at
        if gone.deleted_at > back_at:
            return _deleted_by_rep_since(link, gone.version, change.sf_id, ctx)
    values = _overlay(link.agreed, change.task, ctx.field_map)
    rendered = render_subject(ctx.settings.subject_template, values)
    held, seen_at = _held(change.task), dict.fromkeys(SALESFORCE_FIELDS, change.commit_at)
    back = link.updated(
        state=LinkState.ACTIVE,
        agreed=values,
        agreed_at=dict.fromkeys(TASK_FIELDS, ctx.now),
        # The record read is the truth: the rep's changes and the writes of the earlier life are behind it.
        sia_changed_at={},
        writes=(),
        forgotten=(),
        salesforce=held,
        salesforce_seen_at=seen_at,
        synced_seen_at=seen_at,  # as an import: the copy starts from the record as it is now
        unsent=(),
        last_sf_commit=_newest(link, change),
        owner_seen_at=change.commit_at,
        copy_made_at=ctx.now,
        deleted_at=None,
        deleted_by=None,
        sf_deleted_at=None,
    )
    # A copy an attempt made and whose link was lost is taken as it is: its version is the copy's.
    version = reminder.version if reminder is not None else max(link.sia_version, gone.version if gone else 0) + 1
    create = CreateReminder(link.sia_id, values, version=version)
    if rendered == link.rendered_subject and not _rename_unsent(link, change.task, rendered):
        return Decision(link=back, reminder=create)
    # A rename the rep made before the task went away still reaches the Subject (SPEC section 3).
    renamed = {SalesforceField.SUBJECT: rendered}
    return Decision(
        link=back.with_writes(renamed, base=back.salesforce_seen_at, rendered_subject=rendered),
        reminder=create,
        salesforce=UpdateSalesforceTask(TaskUpdate(change.sf_id, renamed)),
        if_refused=back,
    )


def _rename_unsent(link: SyncLink, task: SalesforceTask, rendered: str) -> bool:
    """Whether the sync's last Subject write never landed: the record still holds an earlier one of its
    own (a Subject edited in Salesforce is kept: it is none of the sync's writes)."""
    subject = normalized(task.subject)
    return (
        link.unconfirmed(SalesforceField.SUBJECT)
        and subject != rendered
        and link.holds_from_before_last_write(SalesforceField.SUBJECT, subject)
    )


def _overlay(values: TaskValues, task: SalesforceTask, fields: FieldMap) -> TaskValues:
    """``values`` with the synced values of ``task``; the name stays (SPEC section 3)."""
    update: dict[str, object] = {}
    for sf_field in SALESFORCE_FIELDS:
        field = SIA_FIELD[sf_field]
        in_sia = fields.to_sia(field, normalized(task.value(sf_field)))
        if field is not TaskField.NAME and in_sia is not UNSYNCED:
            update[field] = in_sia
    return values.model_copy(update=update)


def _held(task: SalesforceTask) -> SalesforceValues:
    return SalesforceValues().with_values({field: normalized(task.value(field)) for field in SALESFORCE_FIELDS})


def _tombstone(link: SyncLink, by: Side, ctx: SyncContext, change: SalesforceChange | None) -> SyncLink:
    """Deleted by ``by``; ``change`` is Salesforce's delete, when it is one (its time, when Salesforce
    gave one, dates the delete on Salesforce's clock)."""
    dated = change is not None and not change.inferred
    return link.updated(
        state=LinkState.DELETED,
        deleted_by=by,
        deleted_at=ctx.now,
        sf_deleted_at=change.commit_at if change is not None and dated else None,
        last_sf_commit=_newest(link, change) if change is not None and dated else link.last_sf_commit,
        unsent=(),
    )


def _older(change: SalesforceChange, link: SyncLink) -> bool:
    """Whether a newer Salesforce change of the record was applied already."""
    return link.last_sf_commit is not None and change.commit_at < link.last_sf_commit


def _newest(link: SyncLink, change: SalesforceChange) -> datetime | None:
    if change.inferred:
        return link.last_sf_commit  # AWS's time: it orders nothing on Salesforce's clock
    return max(link.last_sf_commit, change.commit_at) if link.last_sf_commit else change.commit_at
