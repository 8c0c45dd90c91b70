"""Turn a merge into a decision: the writes for each side and the link that records the agreement.
Both directions end here, so an SF change and an SIA event that say the same thing decide the same."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from tasksync.domain.field_map import SF_FIELD, SIA_FIELD, SfValue
from tasksync.domain.reminder_task import TASK_FIELDS, ReminderTask, TaskField, TaskValues
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.salesforce_writes import TaskCreate, TaskUpdate
from tasksync.domain.subject_template import render_subject, shows
from tasksync.domain.sync_link import SalesforceWrite, Side, SyncLink
from tasksync.engine.context import SyncContext
from tasksync.engine.decisions import (
    CreateSalesforceTask,
    Decision,
    ReminderAction,
    SalesforceAction,
    SkipReason,
    UpdateReminder,
    UpdateSalesforceTask,
)
from tasksync.engine.merge import (
    Merged,
    conflict,
    merge,
    reminder_changes,
    reminder_writes,
    rendered_at,
    salesforce_writes,
)
from tasksync.engine.observe import JUST_AFTER, Observation, salesforce_subject


def salesforce_values(values: TaskValues, ctx: SyncContext) -> dict[SalesforceField, SfValue]:
    """Every mapped Salesforce field for ``values``: what a create sends."""
    template = ctx.settings.subject_template
    return {SF_FIELD[field]: ctx.field_map.to_salesforce(field, values, template) for field in TASK_FIELDS}


def create_salesforce_task(sia_id: str, values: TaskValues, ctx: SyncContext) -> CreateSalesforceTask:
    """An upsert keyed by the SIA id: sent again after a time-out it finds the record it made."""
    fields = salesforce_values(values, ctx)
    return CreateSalesforceTask(TaskCreate(external_id=sia_id, owner_id=ctx.sf_user_id, values=fields))


def nothing_observed(link: SyncLink) -> Observation:
    """No Salesforce news: what an SIA event is decided with. A Subject Salesforce holds of its own is
    still there to order an SIA change against (SPEC section 3)."""
    subject = salesforce_subject(link)
    changes = {TaskField.NAME: subject} if subject is not None else {}
    return Observation(
        held=link.salesforce,
        seen_at=link.salesforce_seen_at,
        synced_seen_at=link.synced_seen,
        changes=changes,
        shown={},
        overridden=(),
        ambiguous=False,
    )


def settle(
    link: SyncLink,
    reminder: ReminderTask | None,
    observed: Observation,
    ctx: SyncContext,
    *,
    quiet: SkipReason = SkipReason.NO_CHANGE,
    moved: Mapping[str, object] | None = None,
) -> Decision:
    """Merge ``reminder`` (the SIA task now) and what Salesforce was ``observed`` to change into ``link``.
    ``quiet`` says why when neither side has to change; ``moved`` are the watermarks the caller moves on
    the link (saved even when nothing else changes), taken in the same copy as the agreement."""
    merged = merge(link, reminder_changes(link, reminder), observed.changes, ctx, observed.unheld)

    reminder_action: ReminderAction | None = None
    sia_version = link.sia_version
    if reminder is not None:
        sia_version = max(sia_version, reminder.version)
        changes = reminder_writes(merged, reminder)
        if changes:
            reminder_action = UpdateReminder(reminder.id, changes, expected_version=reminder.version)

    # A write whose answer never came (a time-out, a crash) goes again with this decision's.
    resend = {field: observed.held.get(field) for field in link.unsent if field not in observed.shown}
    # What the sync knows of each field as it writes: a change only a read showed, as of its earliest.
    base = observed.seen_at | observed.restated | observed.undated
    learnt = link.updated(
        agreed=merged.agreed,
        agreed_at=merged.agreed_at,
        sia_changed_at=merged.sia_changed_at,
        salesforce=observed.held,
        salesforce_seen_at=observed.seen_at,
        synced_seen_at=observed.synced_seen_at,
        sia_version=sia_version,
        unsent=(),
        writes=_based_anew(
            link.shown_writes(observed.shown), {f: base[f] for f in resend if f in base} | observed.rebased
        ),
        **(moved or {}),
    )

    salesforce_action: SalesforceAction | None = None
    by_create = False
    if link.sf_id is None:
        # The create has not answered yet (a crash, a time-out): send it again, with today's values.
        create = create_salesforce_task(link.sia_id, merged.agreed, ctx)
        salesforce_action = create
        written = dict(create.create.values)
        rendered = {"rendered_subject": render_subject(ctx.settings.subject_template, merged.agreed)}
        by_create = True
    else:
        # Against what Salesforce holds once its replaced values are restored: a field Salesforce won stays as
        # restored. What SIA's changes write comes over those restored values: they are later.
        rendering = salesforce_writes(link, merged, observed.held.with_values(observed.restore), ctx)
        # A value won back that Salesforce holds already (an event of the crossing delivered again) writes nothing.
        restore = {f: v for f, v in observed.restore.items() if v != observed.held.get(f)}
        written = restore | rendering
        subject = rendering.get(SalesforceField.SUBJECT)
        rendered = {"rendered_subject": subject} if isinstance(subject, str) else {}
        if resend or written:
            salesforce_action = UpdateSalesforceTask(TaskUpdate(sf_id=link.sf_id, values=resend | written))
    sia_at = {SF_FIELD[field]: at for field, at in merged.agreed_at.items()}
    # Salesforce's own change written back is as old as it is, not the decision: a later Salesforce change
    # the write replaced unseen wins back when its event comes (``observe.lost_to_sia``).
    theirs = observed.changes | observed.unheld
    sia_at |= {SF_FIELD[field]: theirs[field].at for field, side in merged.winners.items() if side is Side.SALESFORCE}
    # A Subject written is as old as the SIA change it renders (a due date's, say), not the name's.
    sia_at[SalesforceField.SUBJECT] = rendered_at(link, merged, ctx) or sia_at[SalesforceField.SUBJECT]
    new_link = learnt.with_writes(written, base=base, sia_at=sia_at, by_create=by_create, **rendered)

    conflicts = merged.conflicts + tuple(
        conflict(link, o.field, o.winner, o.sia, o.salesforce) for o in observed.overridden
    )
    # A create saves its link before it is sent, even when nothing else changed (carry_out).
    save = new_link != link or isinstance(salesforce_action, CreateSalesforceTask)
    update = isinstance(salesforce_action, UpdateSalesforceTask)
    refused = _refused(link, learnt, merged, resend, ctx) if update else None
    # Not taken, the update never was: a link saying it was sent would read Salesforce's value after it
    # as the write not landed yet, where it may be a newer edit.
    not_taken = link if update and reminder_action is None else None
    return Decision(
        link=new_link if save else None,
        reminder=reminder_action,
        salesforce=salesforce_action,
        skipped=quiet if reminder_action is None and salesforce_action is None else None,
        conflicts=conflicts,
        if_refused=refused,
        if_not_taken=not_taken,
    )


def _refused(
    link: SyncLink, learnt: SyncLink, merged: Merged, resend: Mapping[SalesforceField, object], ctx: SyncContext
) -> SyncLink:
    """The link to save when Salesforce refuses the update for good: it landed in no part. Salesforce still
    holds what the resent writes were made over, and those writes never happened. SIA's changes the update
    carried are not agreed, so that the next decision sends them again (a rename still reaches the Subject
    when the record comes back, SPEC 3): the fields SIA won are as ``link`` had them, and a resent write's
    change, agreed by an earlier decision, is news again (sim seed 8343: a rename resent with a refused
    Description never reached the Subject, the link saying it had)."""
    sia_won = [field for field, side in merged.winners.items() if side is Side.SIA]
    agreed = merged.agreed.model_copy(update={field.value: getattr(link.agreed, field) for field in sia_won})
    agreed_at = merged.agreed_at | {field: link.agreed_at[field] for field in sia_won}
    kept = {field: at for field, at in merged.sia_changed_at.items() if field not in sia_won}
    sia_changed_at = kept | {field: at for field, at in link.sia_changed_at.items() if field in sia_won}
    template = ctx.settings.subject_template
    dropped: set[int] = set()
    for sf_field in resend:
        index = max((i for i, write in enumerate(learnt.writes) if write.field is sf_field), default=None)
        if index is None:
            continue
        dropped.add(index)
        made_at = learnt.writes[index].sia_at
        if made_at is None:
            continue
        # A Subject renders the fields its template shows: the change it carried is one of theirs.
        shown = [f for f in TASK_FIELDS if shows(template, f)] if sf_field is SalesforceField.SUBJECT else []
        for field in shown or [SIA_FIELD[sf_field]]:
            agreed_at[field] = min(agreed_at[field], made_at - JUST_AFTER)
    return learnt.updated(
        salesforce=learnt.salesforce.with_values(link.held_before_last_writes(resend)),
        writes=tuple(write for i, write in enumerate(learnt.writes) if i not in dropped),
        agreed=agreed,
        agreed_at=agreed_at,
        sia_changed_at=sia_changed_at,
    )


def _based_anew(
    writes: tuple[SalesforceWrite, ...], bases: Mapping[SalesforceField, datetime]
) -> tuple[SalesforceWrite, ...]:
    """``writes`` with the last write of each field of ``bases`` based on that newer Salesforce change of it
    that the sync knows now: a change up to then, whose event comes late, is one the write was decided or
    sent over, or one Salesforce itself moved on from, not one the write replaced unseen (SPEC 7:
    stale-safe). For a write sent again, it is a record read's; a change only a read showed, which it could
    not date, is known only as of the earliest it can have been made (``Observation.undated``): its event
    may still say it was the later."""
    last = {write.field: index for index, write in enumerate(writes) if write.field in bases}
    based = list(writes)
    for field, index in last.items():
        write, seen = writes[index], bases[field]
        if write.base is None or seen > write.base:
            based[index] = write.model_copy(update={"base": seen})
    return tuple(based)
