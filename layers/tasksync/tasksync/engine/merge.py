"""The per-field three-way merge against the last agreed values, and the writes it takes to make both
sides hold the result.

For each field: a side *changed* it when its value differs from the agreed one (Salesforce only with a
synced value and a change newer than the agreed value). One side changed: it wins. Both changed to
different values: the later change wins and the conflict is recorded; a tie goes to SIA, where the user
works. Salesforce never wins the name: Subject edits stay in Salesforce (SPEC section 3).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tasksync.domain.field_map import SF_FIELD, UNSYNCED, SfValue
from tasksync.domain.reminder_task import ReminderTask, TaskField, TaskValues
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.subject_template import render_subject
from tasksync.domain.sync_error import SyncError, SyncErrorKind
from tasksync.domain.sync_link import SalesforceValues, Side, SyncLink
from tasksync.engine.context import SyncContext


@dataclass(frozen=True)
class FieldChange:
    value: object
    at: datetime


@dataclass(frozen=True)
class Merged:
    agreed: TaskValues
    agreed_at: dict[TaskField, datetime]
    winners: dict[TaskField, Side]
    conflicts: tuple[SyncError, ...]


def reminder_changes(link: SyncLink, reminder: ReminderTask | None) -> dict[TaskField, FieldChange]:
    """The fields the SIA task changed since the last agreement, each as of its own last change."""
    if reminder is None:
        return {}
    return {
        field: FieldChange(getattr(reminder, field), reminder.changed(field))
        for field in TaskField
        if getattr(reminder, field) != getattr(link.agreed, field)
    }


def merge(
    link: SyncLink,
    from_sia: dict[TaskField, FieldChange],
    from_salesforce: dict[TaskField, FieldChange],
    ctx: SyncContext,
) -> Merged:
    values: dict[str, object] = {}
    agreed_at = dict(link.agreed_at)
    winners: dict[TaskField, Side] = {}
    conflicts: list[SyncError] = []
    for field in TaskField:
        sia, salesforce = from_sia.get(field), from_salesforce.get(field)
        if field is TaskField.NAME:
            salesforce = None
        if sia and salesforce and sia.value != salesforce.value:
            winner = Side.SALESFORCE if salesforce.at > sia.at else Side.SIA
            conflicts.append(_conflict(link, field, winner, sia, salesforce, ctx))
        elif sia:
            winner = Side.SIA
        elif salesforce:
            winner = Side.SALESFORCE
        else:
            continue
        change = sia if winner is Side.SIA else salesforce
        assert change is not None
        winners[field] = winner
        values[field] = change.value
        agreed_at[field] = change.at
    agreed = link.agreed.model_copy(update=values)
    return Merged(agreed=agreed, agreed_at=agreed_at, winners=winners, conflicts=tuple(conflicts))


def salesforce_writes(
    link: SyncLink, merged: Merged, held: SalesforceValues, ctx: SyncContext
) -> dict[SalesforceField, SfValue]:
    """The Salesforce fields to write: those SIA won, and those Salesforce holds a different synced value
    for. A field SIA did not change is never written over an unsynced value (an ``In Progress`` task
    stays ``In Progress`` when SIA moves its due date). The Subject is written when the rendered
    subject changes."""
    fields = ctx.field_map
    writes: dict[SalesforceField, SfValue] = {}
    rendered = render_subject(ctx.settings.subject_template, merged.agreed)
    if rendered != link.rendered_subject:
        writes[SalesforceField.SUBJECT] = rendered
    for field in (TaskField.STATUS, TaskField.PRIORITY, TaskField.DUE_DATE, TaskField.DETAILS):
        sf_field = SF_FIELD[field]
        wanted = fields.to_salesforce(field, merged.agreed, ctx.settings.subject_template)
        current = held.get(sf_field)
        if wanted == current:
            continue
        current_in_sia = fields.to_sia(field, current)
        disagrees = current_in_sia is not UNSYNCED and current_in_sia != getattr(merged.agreed, field)
        if merged.winners.get(field) is Side.SIA or disagrees:
            writes[sf_field] = wanted
    return writes


def reminder_writes(merged: Merged, reminder: ReminderTask) -> dict[TaskField, object]:
    return {
        field: getattr(merged.agreed, field)
        for field in TaskField
        if getattr(merged.agreed, field) != getattr(reminder, field)
    }


def _conflict(
    link: SyncLink, field: TaskField, winner: Side, sia: FieldChange, salesforce: FieldChange, ctx: SyncContext
) -> SyncError:
    won, lost = (sia, salesforce) if winner is Side.SIA else (salesforce, sia)
    loser = Side.SALESFORCE if winner is Side.SIA else Side.SIA
    return SyncError(
        user_id=link.user_id,
        kind=SyncErrorKind.CONFLICT,
        occurred_at=ctx.now,
        message=(
            f"{field.value} was changed in both SIA and Salesforce; the later change "
            f"({winner.value}: {won.value!s}) replaced the {loser.value} change ({lost.value!s})"
        ),
        sia_id=link.sia_id,
        sf_id=link.sf_id,
        field=field.value,
        winner=winner,
    )
