"""What a Salesforce change teaches about a linked record, field by field.

Salesforce times are compared with Salesforce times only (``salesforce_seen_at``, the base of the
sync's writes); where they cannot order two changes (the same whole second, or a value that is neither
the sync's write nor news after it) the record is read instead of guessed. A record read after the link
was last saved is the truth: it shows every write the link records (docs/decisions/0006-two-clocks.md).

The sync's own writes are known by value, not by the client id of the event that shows them
(``Sforce-Call-Options`` is not documented to reach ``changeOrigin`` for sObject Collections); but an
event that names another client is someone else's change, never a write of the sync's, even of the same
value (``someone_elses``). A value Salesforce holds right after the sync's write that is not that write
(a Flow, trigger or workflow field update in the same transaction, or a user just after) is Salesforce's:
it follows the field rules to SIA, is never written over, and the write it replaced is a recorded conflict.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date, datetime, timedelta

from tasksync.domain.clocks import CLOCK_MARGIN
from tasksync.domain.field_map import SIA_FIELD, UNSYNCED, FieldMap, SfValue
from tasksync.domain.reminder_task import TaskField
from tasksync.domain.salesforce_fields import SALESFORCE_FIELDS
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_link import SalesforceValues, SalesforceWrite, Side, SyncLink, as_sf_json
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.engine.context import SyncContext
from tasksync.engine.merge import FieldChange


@dataclass(frozen=True)
class Overridden:
    """A change of one side that the other side's later change replaced without either knowing: the
    conflict to record, with the side whose value stands."""

    field: TaskField
    winner: Side
    sia: FieldChange
    salesforce: FieldChange


@dataclass(frozen=True)
class Observation:
    held: SalesforceValues
    """What Salesforce holds after the change."""
    seen_at: dict[SalesforceField, datetime]
    synced_seen_at: dict[SalesforceField, datetime]
    """``SyncLink.synced_seen_at`` after the change."""
    changes: dict[TaskField, FieldChange]
    """Salesforce's changes of synced fields, in SIA's terms. The name's is the Subject as Salesforce holds
    it, when the sync neither rendered nor wrote it: it never renames the SIA task (SPEC section 3), but an
    older SIA change renders no Subject over it (``merge``)."""
    shown: dict[SalesforceField, datetime]
    """Fields whose last write by the sync the change shows (landed, or replaced since)."""
    overridden: tuple[Overridden, ...]
    ambiguous: bool
    """The change cannot be placed against what the link knows: read the record and decide again."""
    restore: dict[SalesforceField, SfValue] = dataclass_field(default_factory=dict)
    """Values SIA cannot hold, and Subjects edited in Salesforce, that a write of the sync's replaced unseen,
    though Salesforce's change was the later one: written back, SIA keeping its own (SPEC 2, 3, 7)."""
    unheld: dict[TaskField, FieldChange] = dataclass_field(default_factory=dict)
    """Salesforce's changes of synced fields to values SIA cannot hold (``In Progress``, ``Low``), as Salesforce
    spells them: SIA keeps its own (SPEC 2), but a rep's change of the field they crossed is ordered by them."""
    undated: dict[SalesforceField, datetime] = dataclass_field(default_factory=dict)
    """Fields a record read shows changed without saying when: the earliest the change can have been made
    (``_Watch.undated``), the base of a write made over it."""
    rebased: dict[SalesforceField, datetime] = dataclass_field(default_factory=dict)
    """Fields whose write, not shown yet, another client's change set to the same value at this time: a change
    older than it, whose event comes late, is one Salesforce itself moved on from, not one the write replaced."""
    restated: dict[SalesforceField, datetime] = dataclass_field(default_factory=dict)
    """Fields a whole record showed at the value the link knew, with the last change of them seen before: the
    record tells no change of them since, so a write made over one is based there. A change between, whose
    event comes late, was set back to that value before the read, and the write replaced that (sim seeds
    5569, 6964)."""


def settles(change: SalesforceChange, link: SyncLink) -> bool:
    """Whether ``change`` is a record read after the link was last saved: the truth, as of its read. (A
    link never saved, as a test builds it, settles nothing.)"""
    read, saved = change.read_at, link.saved_at
    return change.change_type is ChangeType.RECORD and read is not None and saved is not None and read >= saved


def normalized(value: SfValue) -> SfValue:
    # Salesforce stores an empty text field as null; CDC and the REST API may show either.
    return None if value == "" else value


def observe(change: SalesforceChange, link: SyncLink, echo: bool, ctx: SyncContext) -> Observation:
    """``echo``: the change carries the sync's own client id, so it is the transaction of one of its
    writes, and a value in it that is not that write was made by automation in the same transaction."""
    foreign = someone_elses(change, ctx)
    watch = _Watch(change, link, ctx)
    truth = settles(change, link)
    at = change.commit_at
    for sf_field in SALESFORCE_FIELDS:
        # A whole record (CREATE, UNDELETE, a read) shows every field: one it lacks is empty.
        if not change.is_full_record and sf_field.value not in change.carried:
            continue
        value = normalized(change.task.value(sf_field))
        known, seen = link.salesforce.get(sf_field), link.salesforce_seen_at.get(sf_field)
        ours = link.written_values(sf_field)
        pending = link.unconfirmed(sf_field)
        newer = seen is None or at > seen
        if newer:
            watch.seen_at[sf_field] = at
            if change.is_full_record and value == known and seen is not None and not pending:
                watch.restated[sf_field] = seen
        if truth:
            watch.settle(sf_field, value, known, pending)
            continue
        if seen is not None and at < seen:
            # Older than a change already seen: no news, unless it is a change the sync's write replaced, or
            # the last synced value before one SIA cannot hold.
            watch.lost_if_replaced(sf_field, value, _set_by(change), restated=change.is_full_record, theirs=foreign)
            if not change.is_full_record:
                watch.synced_before_unsynced(sf_field, value, at, held=known)
            continue
        if value == known:
            # Another client's change to the value the sync is writing shows nothing of that write, which
            # may still land over a later change of theirs.
            if pending and newer and not foreign and _shows_last_write(change, link, sf_field, value):
                watch.shown[sf_field] = at
            elif pending and newer and foreign:
                watch.rebased[sf_field] = at
            continue
        if not foreign and as_sf_json(value) in ours and _an_earlier_writes_echo(link, sf_field, at, newer, watch):
            continue
        if not newer or pending:
            # The same second as the last change seen, or a value that may predate the sync's pending
            # write (even in an echo: an older write of the sync's looks like automation): only the record
            # as it is now can order them.
            watch.ambiguous = True
            continue
        read = change.change_type is ChangeType.RECORD
        watch.salesforce_changed(sf_field, value, watch.undated(sf_field) if read else at, replaced_write=pending)
    if not truth and change.change_type is ChangeType.UPDATE and _may_have_undone_a_write(change, link, echo, watch):
        watch.ambiguous = True
    return watch.observation()


def _shows_last_write(change: SalesforceChange, link: SyncLink, sf_field: SalesforceField, value: SfValue) -> bool:
    """Whether ``change``, holding ``value``, shows the sync's last write of ``sf_field``. The record's CREATE
    shows the create's writes alone: the sync writes a record only after its create answered, so a later write
    of the create's value (moved, and back) is not shown by it, and the echo of the write between, coming
    late, is still the sync's own (sim seeds 5638, 8575)."""
    last = link.last_write(sf_field)
    if last is None or last.value != as_sf_json(value):
        return False
    return last.by_create or change.change_type is not ChangeType.CREATE


def _set_by(change: SalesforceChange) -> datetime:
    """When the values ``change`` shows were set, at the latest: a whole record restates every field, changed
    or not, as its last modification left it (``LastModifiedDate``, which an undelete does not move)."""
    modified = change.modified_at
    return min(change.commit_at, modified) if change.is_full_record and modified is not None else change.commit_at


def _unsynced(sf_field: SalesforceField, value: SfValue, fields: FieldMap) -> bool:
    """A value SIA cannot hold (``In Progress``, ``Low``): its SIA field stays as it was (SPEC 2)."""
    field = SIA_FIELD[sf_field]
    return field is not TaskField.NAME and fields.to_sia(field, value) is UNSYNCED


def someone_elses(change: SalesforceChange, ctx: SyncContext) -> bool:
    """Whether ``change`` names a client other than the sync: then it is none of the sync's writes, even of
    the same value (a user's, another integration's). One naming none may still be the sync's: the client id
    is not documented to reach ``changeOrigin`` for sObject Collections."""
    return change.client_id not in (None, ctx.client_id)


def _an_earlier_writes_echo(
    link: SyncLink, sf_field: SalesforceField, at: datetime, newer: bool, watch: _Watch
) -> bool:
    """Whether a value the sync wrote before its last write of the field is that earlier write's late
    echo (no news), rather than a user setting it again after the last write landed (news). Where the
    last write has not landed yet, or landed in the same second, the record decides: also in the sync's
    own transaction, whose automation may have set the earlier value over the last write (a create sent
    again with the rep's newer values, and a Flow setting the first one's back: sim seed 396)."""
    last = link.last_write(sf_field)
    shown = last.shown_at if last else None
    if shown is not None and at > shown:
        return False
    if (shown is None and newer) or at == shown:
        watch.ambiguous = True
    return True


JUST_AFTER = timedelta(microseconds=1)
"""Salesforce's times are whole seconds: this orders a change after one seen in the same second."""

AUDIT_FIELDS = frozenset({"LastModifiedDate", "LastModifiedById", "SystemModstamp"})
"""Fields every save moves: an UPDATE that carries only these changed nothing a user sees."""


def _may_have_undone_a_write(change: SalesforceChange, link: SyncLink, echo: bool, watch: _Watch) -> bool:
    """Whether an UPDATE that may be the transaction of a pending write (it carries the sync's client id,
    shows another field of that write, or changed nothing) leaves out a field the sync wrote: automation
    then set it back in the same transaction (an UPDATE lists changed fields only), or it is the echo of
    another write. Either way only the record says what Salesforce holds."""
    left_out = [
        field
        for field in SALESFORCE_FIELDS
        if link.unconfirmed(field) and field.value not in change.carried and field not in watch.shown
    ]
    if not left_out:
        return False
    return echo or bool(watch.shown) or _carries_a_pending_write(change, link) or change.carried <= AUDIT_FIELDS


def _carries_a_pending_write(change: SalesforceChange, link: SyncLink) -> bool:
    """Whether ``change`` carries a field at the value of the sync's write of it still to be shown: in the
    same second as the last change seen, which does not show that write, but may be its transaction."""
    return any(
        link.unconfirmed(field)
        and field.value in change.carried
        and as_sf_json(normalized(change.task.value(field))) == link.written_values(field)[-1]
        for field in SALESFORCE_FIELDS
    )


def salesforce_subject(link: SyncLink) -> FieldChange | None:
    """The Subject the link knows Salesforce holds, when it is Salesforce's (neither the sync's rendering nor
    one of its writes), as of the last agreement of the name (SIA's clock): the sync knew it then, so an
    SIA change made since is the later one, and one older, delivered only now, is not. (Salesforce's
    ``salesforce_seen_at`` would not do: a whole record that shows the Subject unchanged moves it.)"""
    held = link.salesforce.subject
    if held is None or held == link.rendered_subject or held in link.written_values(SalesforceField.SUBJECT):
        return None
    return FieldChange(held, link.agreed_at[TaskField.NAME])


class _Watch:
    """The observation being built."""

    def __init__(self, change: SalesforceChange, link: SyncLink, ctx: SyncContext) -> None:
        self.change = change
        self.link = link
        self.ctx = ctx
        self.updates: dict[SalesforceField, str | date | None] = {}
        self.seen_at = dict(link.salesforce_seen_at)
        self.synced_late: dict[SalesforceField, datetime] = {}
        self.changes: dict[TaskField, FieldChange] = {}
        subject = salesforce_subject(link)
        if subject is not None:
            self.changes[TaskField.NAME] = subject
        self.shown: dict[SalesforceField, datetime] = {}
        self.overridden: list[Overridden] = []
        self.ambiguous = False
        self.restore: dict[SalesforceField, SfValue] = {}
        self.unheld: dict[TaskField, FieldChange] = {}
        self.read_undated: dict[SalesforceField, datetime] = {}
        self.rebased: dict[SalesforceField, datetime] = {}
        self.restated: dict[SalesforceField, datetime] = {}
        # The fields a read shows Salesforce changed: not one still holding what it held before a write of the
        # sync's that never showed (that write has not landed: no change of Salesforce's; sim seed 181).
        self.differing = (
            {
                f
                for f in SALESFORCE_FIELDS
                if (value := normalized(change.task.value(f))) != link.salesforce.get(f)
                and not (link.unconfirmed(f) and link.holds_from_before_last_write(f, value))
            }
            if change.change_type is ChangeType.RECORD
            else set()
        )

    def observation(self) -> Observation:
        held = self.link.salesforce.with_values(self.updates)
        fields = self.ctx.field_map
        # A field that holds a value SIA cannot keeps the time of the last synced value seen.
        synced = self.link.synced_seen | {
            f: at for f, at in self.seen_at.items() if not _unsynced(f, held.get(f), fields)
        }
        # A write shown had landed a synced value by then (a change it replaced unseen is ``lost_if_replaced``'s);
        # a create's, before every change.
        for f, at in self.shown.items():
            write = self.link.last_write(f)
            if write is not None and not write.by_create:
                synced[f] = max(at, synced.get(f, at))
        return Observation(
            held=held,
            seen_at=self.seen_at,
            synced_seen_at=synced | self.synced_late,
            changes=self.changes,
            shown=self.shown,
            overridden=tuple(self.overridden),
            ambiguous=self.ambiguous,
            restore=self.restore,
            unheld=self.unheld,
            undated=self.read_undated,
            rebased=self.rebased,
            restated=self.restated,
        )

    def undated(self, sf_field: SalesforceField) -> datetime:
        """When Salesforce's change of ``sf_field`` that a record read shows, and nothing else dates, was made.
        Alone, it is the record's last modification (``LastModifiedDate``). Among several, the last
        modification may be another's: the change is dated the earliest it can have been made, after the sync
        last saw the field (or the record was made), so that an SIA change made since is taken as the later
        (the two cannot be ordered, and a tie goes to SIA: SPEC 7). A write made over it keeps that earliest as
        its base, so that the change's own event, when it comes, says exactly when it was made, and wins back
        if it was the later (``lost_if_replaced``)."""
        change = self.change
        last = self._last_modified()
        if len(self.differing) <= 1:
            return last
        seen = self.link.salesforce_seen_at.get(sf_field)
        # Just after the sync last saw the field, which held another value then.
        earliest = seen + JUST_AFTER if seen is not None else change.task.created_date or last
        self.read_undated[sf_field] = earliest
        return earliest

    def _last_modified(self) -> datetime:
        return self.change.modified_at or self.change.commit_at

    def settle(self, sf_field: SalesforceField, value: SfValue, known: SfValue, pending: bool) -> None:
        """A record read after the link's last save holds ``value`` now."""
        at = self.change.commit_at
        if self.link.not_landed(sf_field, value):
            return  # the write whose answer never came did not happen: it is sent again
        prompt = self.change.prompted_by
        if prompt is not None and not prompt.is_full_record and sf_field.value in prompt.carried:
            # The event that made the sync read may show a synced value the read no longer does.
            self.synced_before_unsynced(sf_field, normalized(prompt.task.value(sf_field)), prompt.commit_at, held=value)
        if value != known and sf_field in self.link.unsent:
            # Nor did it land, or Salesforce changed the field after it: either way the later of SIA's
            # change and Salesforce's wins (not Salesforce's for replacing a write that may never have gone).
            changed_at, restated, theirs = self.dated(sf_field, value)
            self.lost_if_replaced(sf_field, value, changed_at, restated=restated, theirs=theirs)
            return
        if pending:
            self.shown[sf_field] = at
        if prompt is not None and sf_field.value in prompt.carried and value == known:
            # The event that made the sync read may show a value the sync's write replaced since.
            self.lost_if_replaced(
                sf_field,
                normalized(prompt.task.value(sf_field)),
                prompt.commit_at,
                restated=prompt.is_full_record,
                theirs=someone_elses(prompt, self.ctx),
            )
        if value != known:
            # After a write of the sync's that answered, Salesforce's value came after it: as late as the read,
            # in the write's own transaction (automation) or right after. A write that had landed before the
            # record last changed, beyond the clocks' margin, met no automation: a later change replaced it, as
            # any other (sim seed 7821: a Subject edited 39 minutes after the write, taken for the write's
            # outcome, let an older SIA change render the Subject over it).
            last = self.link.last_write(sf_field)
            replaced = pending and not (last is not None and last.landed_before(self._last_modified()))
            changed_at = self._last_modified() if replaced else self.dated(sf_field, value)[0]
            self.salesforce_changed(sf_field, value, changed_at, replaced_write=replaced)

    def dated(self, sf_field: SalesforceField, value: SfValue) -> tuple[datetime, bool, bool]:
        """When Salesforce's change of ``sf_field`` to ``value``, shown by a record read, was made, whether
        only the record restates it, and whether another client made it: the event that made the sync read
        says it exactly when it carried that value; else it is ``undated``."""
        prompt = self.change.prompted_by
        if prompt is not None and sf_field.value in prompt.carried and normalized(prompt.task.value(sf_field)) == value:
            return prompt.commit_at, prompt.is_full_record, someone_elses(prompt, self.ctx)
        return self.undated(sf_field), True, False

    def lost_if_replaced(
        self, sf_field: SalesforceField, value: SfValue, at: datetime, *, restated: bool, theirs: bool
    ) -> None:
        """A Salesforce change to ``value`` at ``at``, which the link does not hold and the sync did not
        write, that came after what the sync knew when it last wrote the field and before Salesforce showed
        that write: the write replaced it unseen. ``restated``: the value comes in a whole record (CREATE,
        UNDELETE, a read), which shows every field, changed or not; one that is what the field held before a
        write of the sync's not shown by then is that write not landed yet, not a change. ``theirs``: another
        client made the change, so a value the sync once wrote too is no echo of that write. The write may be
        one before the last (the last, Salesforce's own value written back since)."""
        if value == self.link.salesforce.get(sf_field):
            return
        if not theirs and self.link.may_echo(sf_field, as_sf_json(value), at):
            return
        if restated and as_sf_json(value) in self.link.held_before_unshown_writes(sf_field, by=at):
            return
        # A change event of the second the write was shown in: the record held the write after it, so the
        # write came last in that second, over the change (sim seed 7575). A write of the same value left
        # the field as the change had set it (9823).
        write = next(
            (
                write
                for write in reversed(self.link.writes)
                if write.field is sf_field
                and write.value != as_sf_json(value)  # a write of the change's own value replaced nothing
                and (write.base is None or at > write.base)
                and (write.shown_at is None or at < write.shown_at or (at == write.shown_at and not restated))
                and not write.landed_before(at)
            ),
            None,
        )
        # A create's write made the record: every change of it came after (a create sent again looks the
        # record up first), so it replaced none, however late Salesforce showed it.
        if write is not None and not write.by_create:
            self.lost_to_sia(sf_field, value, at, write, dated=not restated)

    def synced_before_unsynced(self, sf_field: SalesforceField, value: SfValue, at: datetime, *, held: SfValue) -> None:
        """A synced change (an UPDATE's: it says when the field changed) newer than the last synced value seen,
        where Salesforce holds one SIA cannot since (``held``): in order, SIA would have taken it and kept it
        (SPEC 2, 7). A write of the sync's still unshown is ``lost_if_replaced``'s to place (a create's was
        made before every change)."""
        fields, field = self.ctx.field_map, SIA_FIELD[sf_field]
        synced, last = self.link.synced_seen.get(sf_field), self.link.last_write(sf_field)
        in_sia = fields.to_sia(field, value)
        # An update in the second of the sync's create, the last synced value seen, changed the record it made:
        # it came after (sim seed 2700).
        after_create = last is not None and last.by_create and at == synced
        seen_since = synced is not None and at <= synced and not after_create
        if in_sia is UNSYNCED or not _unsynced(sf_field, held, fields) or seen_since:
            return
        if last is not None and last.shown_at is None and not last.by_create:
            return
        self.synced_late[sf_field] = at
        self.changes[field] = FieldChange(in_sia, at)

    def salesforce_changed(
        self, sf_field: SalesforceField, value: SfValue, at: datetime, *, replaced_write: bool
    ) -> None:
        self.updates[sf_field] = value
        self.seen_at[sf_field] = max(self.seen_at.get(sf_field, at), self.change.commit_at)
        if replaced_write:
            self.shown[sf_field] = self.change.commit_at
        field = SIA_FIELD[sf_field]
        in_sia = self.ctx.field_map.to_sia(field, value)
        agreed = getattr(self.link.agreed, field)
        if replaced_write and field is not TaskField.NAME and in_sia != agreed:
            # Salesforce replaced the value the sync had just written (automation in the same
            # transaction, or a user right after): Salesforce's value stands, and the rep is told.
            sia = FieldChange(agreed, self.link.agreed_at[field])
            shown = in_sia if in_sia is not UNSYNCED else value
            self.overridden.append(Overridden(field, Side.SALESFORCE, sia, FieldChange(shown, at)))
        if field is TaskField.NAME:
            if not replaced_write:
                self.changes[field] = FieldChange(value, at)  # a Subject the sync did not write
            # else what Salesforce made of the sync's write (automation in its transaction): its value stays,
            # but it answers that write, so every SIA change the write did not carry is later
            return
        if in_sia is UNSYNCED:
            self.unheld[field] = FieldChange(value, at)
            return
        # Even a value SIA holds already is a change of Salesforce's (``In Progress`` to ``Not Started``, with
        # SIA open): a rep's change of the field it crossed is then a conflict the later one wins (SPEC 7).
        latest = self._last_modified() if sf_field in self.read_undated else None
        self.changes[field] = FieldChange(in_sia, at, latest)

    def lost_to_sia(
        self, sf_field: SalesforceField, value: SfValue, at: datetime, write: SalesforceWrite, *, dated: bool
    ) -> None:
        """A Salesforce change that the sync's ``write`` replaced unseen: a conflict, which the later of the
        two changes wins. When that is Salesforce's, its value is taken back (and written again). A value
        SIA cannot hold wins only when ``dated``: an UPDATE that carries the field says when it changed,
        a whole record only when the record did (``LastModifiedDate``), which may be any field's change."""
        field = SIA_FIELD[sf_field]
        passed: object = UNSYNCED
        if write.over_seen_at is not None and at < write.over_seen_at and as_sf_json(value) != write.over:
            # Salesforce moved on from ``value`` to what the write replaced before the sync saw the field: the
            # change the write replaced is that later one (a read that could not date it based the write on
            # the earliest it can have been made, ``undated``).
            passed = self.ctx.field_map.to_sia(field, value) if field is not TaskField.NAME else UNSYNCED
            value = write.held_over
        if field is TaskField.NAME:
            self.subject_lost_to_sia(value, at, write, dated=dated)
            return
        in_sia = self.ctx.field_map.to_sia(field, value)
        shown = in_sia if in_sia is not UNSYNCED else value
        # Salesforce's change was the later one: its value comes back, unless Salesforce moved on since; to
        # a value SIA cannot hold, SIA still takes Salesforce's later synced one (SPEC 2). What stands is the
        # write, or a later write of the sync's: the change that one wrote is the one to be later than.
        held = self.link.salesforce.get(sf_field)
        ours = (self.link.last_write(sf_field), write)
        standing = next((w for w in ours if w is not None and w.value == as_sf_json(held)), None)
        still_ours = standing is not None
        sia_at = standing.sia_at if standing is not None else write.sia_at
        sia = FieldChange(getattr(self.link.agreed, field), sia_at or self.link.agreed_at[field])
        moved_on_unsynced = not still_ours and self.ctx.field_map.to_sia(field, held) is UNSYNCED
        taken = still_ours or (moved_on_unsynced and in_sia is not UNSYNCED)
        later = (in_sia is not UNSYNCED or dated) and at > sia.at and in_sia != sia.value and taken
        self.overridden.append(Overridden(field, Side.SALESFORCE if later else Side.SIA, sia, FieldChange(shown, at)))
        if later and in_sia is UNSYNCED:
            self.restore[sf_field] = value
            if passed is not UNSYNCED and passed != sia.value:
                # Applied in order, the synced value Salesforce moved on from reached SIA, which keeps it (SPEC 2).
                self.changes[field] = FieldChange(passed, at)
        elif later:
            self.changes[field] = FieldChange(in_sia, at)

    def subject_lost_to_sia(self, value: SfValue, at: datetime, write: SalesforceWrite, *, dated: bool) -> None:
        """A Subject edited in Salesforce that the sync's ``write`` of its rendering replaced unseen. It never
        renames the SIA task (SPEC section 3), but the later change wins the Subject (SPEC 7): an edit dated
        after the SIA change that the write rendered, beyond the clocks' margin, is written back, unless
        Salesforce moved on since. Within the margin either may win, and the write made stands."""
        if not dated or as_sf_json(self.link.salesforce.subject) != write.value:
            return
        if at > (write.sia_at or self.link.agreed_at[TaskField.NAME]) + CLOCK_MARGIN:
            self.restore[SalesforceField.SUBJECT] = value
            self.changes[TaskField.NAME] = FieldChange(value, at)
