"""The per-field three-way merge against the last agreed values, and the writes it takes to make both
sides hold the result.

For each field: SIA *changed* it when the task's change time of it is later than the agreement took in
(SIA's clock: changing a field and changing it back is a change, made when it was changed back);
Salesforce changed it when a Salesforce change newer than every one seen holds another synced value
(``observe``). One side changed: it wins. Both changed to different values: the later change wins and
the conflict is recorded; a tie goes to SIA, where the user works. Only here are the two clocks
compared, so within their margin either side may win, and both sides then agree. Salesforce never wins
the name: Subject edits stay in Salesforce (SPEC section 3). The Subject itself follows the later change
too: an SIA change older than the Subject Salesforce made renders no Subject over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import datetime

from tasksync.domain.clocks import CLOCK_MARGIN
from tasksync.domain.field_map import SF_FIELD, UNSYNCED, SfValue
from tasksync.domain.reminder_task import TASK_FIELDS, ReminderTask, TaskField, TaskValues
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.subject_template import render_subject, shows_in
from tasksync.domain.sync_error import SyncError, SyncErrorKind
from tasksync.domain.sync_link import SalesforceValues, Side, SyncLink
from tasksync.engine.context import SyncContext


@dataclass(frozen=True)
class FieldChange:
    value: object
    at: datetime
    latest: datetime | None = None
    """A Salesforce change a record read showed without dating it (``at`` the earliest it can have been
    made): the latest it can have been, the record's last modification."""


@dataclass(frozen=True)
class Merged:
    agreed: TaskValues
    agreed_at: dict[TaskField, datetime]
    sia_changed_at: dict[TaskField, datetime]
    winners: dict[TaskField, Side]
    conflicts: tuple[SyncError, ...]
    subject_edited_at: datetime | None = None
    """When the Subject Salesforce holds of its own was made (Salesforce's clock, as observed) or known to
    stand (SIA's clock, the last agreement of the name, ``observe.salesforce_subject``)."""
    overruled: dict[TaskField, FieldChange] = dataclass_field(default_factory=dict)
    """SIA's changes that a later Salesforce change of the same field to another value overruled."""


def reminder_changes(link: SyncLink, reminder: ReminderTask | None) -> dict[TaskField, FieldChange]:
    """The fields the SIA task changed since the last agreement, each as of its own last change."""
    if reminder is None:
        return {}
    return {
        field: FieldChange(getattr(reminder, field), reminder.changed(field))
        for field in TASK_FIELDS
        if reminder.changed(field) > link.agreed_at[field] or getattr(reminder, field) != getattr(link.agreed, field)
    }


def merge(
    link: SyncLink,
    from_sia: dict[TaskField, FieldChange],
    from_salesforce: dict[TaskField, FieldChange],
    ctx: SyncContext,
    unheld: dict[TaskField, FieldChange],
) -> Merged:
    """``agreed_at`` stays on SIA's clock: a field SIA won is taken in as of its change; one Salesforce won
    as of now, when the sync writes it to SIA. ``unheld``: Salesforce's changes to values SIA cannot hold
    (SPEC 2), which still order a crossing of the field: the later change wins (SPEC 7), and SIA keeps its
    own value either way."""
    values: dict[str, object] = {}
    agreed_at = dict(link.agreed_at)
    sia_changed_at = dict(link.sia_changed_at)
    winners: dict[TaskField, Side] = {}
    conflicts: list[SyncError] = []
    overruled: dict[TaskField, FieldChange] = {}
    subject = from_salesforce.get(TaskField.NAME)
    for field in TASK_FIELDS:
        sia, salesforce = from_sia.get(field), from_salesforce.get(field)
        if field is TaskField.NAME:
            salesforce = None  # a Subject never renames the task; its time orders the rendering alone
        cannot_hold = unheld.get(field) if salesforce is None else None
        salesforce = salesforce or cannot_hold
        taken_in = sia is None and salesforce is not None and _taken_in_later(link, field, salesforce)
        if taken_in:
            sia = FieldChange(getattr(link.agreed, field), link.sia_changed_at[field])
        if cannot_hold is not None and sia is None:
            continue  # SIA keeps what it holds (SPEC 2)
        if sia and salesforce and sia.value != salesforce.value:
            winner = Side.SALESFORCE if salesforce.at > sia.at else Side.SIA
            conflicts.append(conflict(link, field, winner, sia, salesforce))
            if winner is Side.SALESFORCE:
                overruled[field] = sia
        elif salesforce and (sia is None or sia.at >= (salesforce.latest or salesforce.at) - CLOCK_MARGIN):
            # Alone, or both sides made the same change (the sync's own SIA write whose link was lost looks
            # so): Salesforce's, so that it is not taken for an SIA change that renders a new Subject.
            winner = Side.SALESFORCE
        elif sia:
            # Alone, or the same change made in SIA first, beyond the clocks' margin: the rep's (SPEC 3: it
            # renders the Subject). Against a change a read did not date, a tie goes to SIA, as in a conflict.
            winner = Side.SIA
        else:
            continue
        change = sia if winner is Side.SIA or cannot_hold is not None else salesforce
        assert change is not None
        winners[field] = winner
        values[field] = change.value
        if winner is Side.SIA and sia:
            sia_changed_at[field] = sia.at
            if not taken_in:
                agreed_at[field] = sia.at
        else:
            agreed_at[field] = max(ctx.now, agreed_at[field])
            if sia and salesforce and sia.value == salesforce.value and sia.at > salesforce.at + CLOCK_MARGIN:
                # The rep made the same change too, beyond the margin later: a Salesforce change older than
                # theirs, met only later, loses to it (``_taken_in_later``).
                sia_changed_at[field] = sia.at
    if subject is not None and subject.value != link.salesforce.subject and TaskField.NAME not in winners:
        # A Subject Salesforce made that the link did not know: known as of now, so that an SIA change older
        # than now, delivered later, is the older one (``observe.salesforce_subject``).
        agreed_at[TaskField.NAME] = max(ctx.now, agreed_at[TaskField.NAME])
    agreed = link.agreed.model_copy(update=values)
    return Merged(
        agreed=agreed,
        agreed_at=agreed_at,
        sia_changed_at=sia_changed_at,
        winners=winners,
        conflicts=tuple(conflicts),
        subject_edited_at=subject.at if subject else None,
        overruled=overruled,
    )


def _taken_in_later(link: SyncLink, field: TaskField, salesforce: FieldChange) -> bool:
    """Whether the rep's last change of ``field`` that the agreement took in is later than Salesforce's change,
    met only now, and went unwritten (Salesforce held that value, as far as the sync knew): they crossed
    unseen, and SIA's, the later, wins (SPEC 7; a tie goes to SIA). A change the sync wrote is the write's
    to place (``observe``: automation in its transaction, or a change it replaced)."""
    at = link.sia_changed_at.get(field)
    if at is None or at < salesforce.at:
        return False
    write = link.last_write(SF_FIELD[field])
    return write is None or write.sia_at is None or write.sia_at < at


def salesforce_writes(
    link: SyncLink, merged: Merged, held: SalesforceValues, ctx: SyncContext
) -> dict[SalesforceField, SfValue]:
    """The Salesforce fields to write: those SIA won, and those Salesforce holds a different synced value
    for. A field SIA did not change is never written over an unsynced value (an ``In Progress`` task
    stays ``In Progress`` when SIA moves its due date). The Subject is written only when SIA's changes
    alter the rendered Subject (a due date Salesforce moved does not rewrite it, SPEC section 3)."""
    fields = ctx.field_map
    writes: dict[SalesforceField, SfValue] = {}
    subject = sia_rendered_subject(link, merged, ctx)
    if subject is not None and subject != held.subject:
        writes[SalesforceField.SUBJECT] = subject
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


def _rendering(merged: Merged) -> dict[TaskField, FieldChange]:
    """SIA's changes that render the Subject: those it won, and those a later Salesforce change of the field
    overruled, which rendered it when made (in order, the Subject shows them; Salesforce moving the field
    does not render it again). An SIA change older than the Subject Salesforce made renders none: the
    later change wins (a tie goes to SIA)."""
    won = {
        field: FieldChange(getattr(merged.agreed, field), merged.agreed_at[field])
        for field, side in merged.winners.items()
        if side is Side.SIA
    }
    edited = merged.subject_edited_at
    return {
        field: change for field, change in (won | merged.overruled).items() if edited is None or change.at >= edited
    }


def sia_rendered_subject(link: SyncLink, merged: Merged, ctx: SyncContext) -> str | None:
    """The Subject to write when SIA's changes alter the rendered Subject, else None. It shows the task as
    merged (a due date Salesforce moved later included)."""
    if rendered_at(link, merged, ctx) is None:
        return None
    return render_subject(ctx.settings.subject_template, merged.agreed)


def rendered_at(link: SyncLink, merged: Merged, ctx: SyncContext) -> datetime | None:
    """When SIA made the latest of its changes that alter the rendered Subject (SIA's clock): the time a
    Subject the sync writes for them is SIA's change. A change back to the agreed value of a field the
    template shows renders it too: the change in between rendered another Subject, or met one Salesforce
    made, that this one renders over (SPEC 3: the later change wins). Not a field past the 255-character
    cut: no value of it rendered another Subject (sim seed 1374)."""
    template = ctx.settings.subject_template
    before = render_subject(template, link.agreed)
    return max(
        (
            change.at
            for field, change in _rendering(merged).items()
            if render_subject(template, link.agreed.model_copy(update={field.value: change.value})) != before
            or (change.value == getattr(link.agreed, field) and shows_in(template, link.agreed, field))
        ),
        default=None,
    )


def reminder_writes(merged: Merged, reminder: ReminderTask) -> dict[TaskField, object]:
    return {
        field: getattr(merged.agreed, field)
        for field in TASK_FIELDS
        if getattr(merged.agreed, field) != getattr(reminder, field)
    }


def conflict(link: SyncLink, field: TaskField, winner: Side, sia: FieldChange, salesforce: FieldChange) -> SyncError:
    """The record the rep sees. It is dated and keyed by the two changes, not by when the sync decided,
    so that a decision made again (a retry) records it once."""
    won, lost = (sia, salesforce) if winner is Side.SIA else (salesforce, sia)
    loser = Side.SALESFORCE if winner is Side.SIA else Side.SIA
    return SyncError(
        user_id=link.user_id,
        kind=SyncErrorKind.CONFLICT,
        occurred_at=max(sia.at, salesforce.at),
        message=(
            f"{field.value} was changed in both SIA and Salesforce; the later change "
            f"({winner.value}: {won.value!s}) replaced the {loser.value} change ({lost.value!s})"
        ),
        sia_id=link.sia_id,
        sf_id=link.sf_id,
        field=field.value,
        winner=winner,
        key=f"conflict/{link.sia_id}/{field.value}/{sia.at.isoformat()}/{salesforce.at.isoformat()}",
    )
