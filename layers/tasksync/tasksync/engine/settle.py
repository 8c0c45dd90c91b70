"""Turn a merge into a decision: the writes for each side and the link that records the agreement.
Both directions end here, so an SF change and an SIA event that say the same thing decide the same."""

from __future__ import annotations

from datetime import datetime

from tasksync.domain.field_map import SF_FIELD, SfValue
from tasksync.domain.reminder_task import ReminderTask, TaskField, TaskValues
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.subject_template import render_subject
from tasksync.domain.sync_link import SalesforceValues, SyncLink
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
from tasksync.engine.merge import FieldChange, merge, reminder_changes, reminder_writes, salesforce_writes
from tasksync.ports.salesforce import TaskCreate, TaskUpdate


def salesforce_values(values: TaskValues, ctx: SyncContext) -> dict[SalesforceField, SfValue]:
    """Every mapped Salesforce field for ``values``: what a create sends."""
    template = ctx.settings.subject_template
    return {SF_FIELD[field]: ctx.field_map.to_salesforce(field, values, template) for field in TaskField}


def create_salesforce_task(sia_id: str, values: TaskValues, ctx: SyncContext) -> CreateSalesforceTask:
    """An upsert keyed by the SIA id: sent again after a time-out it finds the record it made."""
    fields = salesforce_values(values, ctx)
    return CreateSalesforceTask(TaskCreate(external_id=sia_id, owner_id=ctx.sf_user_id, values=fields))


def settle(
    link: SyncLink,
    reminder: ReminderTask | None,
    from_salesforce: dict[TaskField, FieldChange],
    held: SalesforceValues,
    seen_at: dict[SalesforceField, datetime],
    ctx: SyncContext,
    *,
    quiet: SkipReason = SkipReason.NO_CHANGE,
    **link_updates: object,
) -> Decision:
    """Merge ``reminder`` (the SIA task now) and ``from_salesforce`` (Salesforce's changes) into ``link``,
    whose Salesforce side is now ``held`` as of ``seen_at``. ``quiet`` says why when neither side has to
    change; ``link_updates`` are further link fields the caller learnt."""
    merged = merge(link, reminder_changes(link, reminder), from_salesforce, ctx)

    reminder_action: ReminderAction | None = None
    sia_version = link.sia_version
    if reminder is not None:
        sia_version = max(sia_version, reminder.version)
        changes = reminder_writes(merged, reminder)
        if changes:
            reminder_action = UpdateReminder(reminder.id, changes, expected_version=reminder.version)

    salesforce_action: SalesforceAction | None = None
    if link.sf_id is None:
        # The create has not answered yet (a crash, a time-out): send it again, with today's values.
        salesforce_action = create_salesforce_task(link.sia_id, merged.agreed, ctx)
        written = dict(salesforce_action.create.values)
    else:
        written = salesforce_writes(link, merged, held, ctx)
        if written:
            salesforce_action = UpdateSalesforceTask(TaskUpdate(sf_id=link.sf_id, values=written))
    # What we write is what Salesforce holds from now on, until a newer Salesforce change says otherwise.
    written_at = link.salesforce_written_at | dict.fromkeys(written, ctx.now)

    new_link = link.model_copy(
        update={
            "agreed": merged.agreed,
            "agreed_at": merged.agreed_at,
            "rendered_subject": render_subject(ctx.settings.subject_template, merged.agreed),
            "salesforce": held.with_values(written),
            "salesforce_seen_at": seen_at,
            "salesforce_written_at": written_at,
            "sia_version": sia_version,
            **link_updates,
        }
    )
    # A create saves its link before it is sent, even when nothing else changed (carry_out).
    save = new_link != link or isinstance(salesforce_action, CreateSalesforceTask)
    checkpoint = None
    if reminder_action is not None and salesforce_action is not None:
        unsent = {
            "rendered_subject": link.rendered_subject,
            "salesforce": held,
            "salesforce_written_at": link.salesforce_written_at,
        }
        checkpoint = new_link.model_copy(update=unsent)
    return Decision(
        link=new_link if save else None,
        reminder=reminder_action,
        salesforce=salesforce_action,
        skipped=quiet if reminder_action is None and salesforce_action is None else None,
        conflicts=merged.conflicts,
        checkpoint=checkpoint,
    )
