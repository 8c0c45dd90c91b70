"""The sync link: one reminder task paired with one Salesforce Task, and what was last agreed.

The link is the base of the three-way merge. For each synced field it keeps the agreed value (in SIA's
terms) and how far SIA's changes of it were taken in (SIA's clock), and separately what Salesforce is
known to hold and as of which Salesforce change (Salesforce's clock): Salesforce may hold a value the
field map does not sync (``In Progress``, ``Low``), or a Subject edited in Salesforce, and the engine must
neither copy nor overwrite those. The sync's own writes are remembered per field until a Salesforce
observation confirms them, so that its echo, with or without a client id, is never taken for a change
(docs/decisions/0006-two-clocks.md).
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field, NonNegativeInt, TypeAdapter, with_config
from typing_extensions import TypedDict

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.clocks import CLOCK_MARGIN
from tasksync.domain.reminder_task import TaskField, TaskValues
from tasksync.domain.salesforce_task import SalesforceField


class LinkState(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"  # deleted on one side and so on the other; only an SF UNDELETE revives it
    LEFT = "left"  # the SF task left the user's reminders (owner or subtype changed); SIA copy removed


class Side(StrEnum):
    SIA = "sia"
    SALESFORCE = "salesforce"


class SalesforceValues(DomainModel):
    """What the Salesforce record holds for the mapped fields, as Salesforce spells them."""

    subject: str | None = None
    status: str | None = None
    priority: str | None = None
    activity_date: date | None = None
    description: str | None = None

    def get(self, field: SalesforceField) -> str | date | None:
        value: str | date | None = getattr(self, _ATTRIBUTE[field])
        return value

    def with_values(self, values: Mapping[SalesforceField, str | date | None]) -> SalesforceValues:
        if not values:
            return self  # frozen: most observations change nothing, and need no copy
        return self.model_copy(update={_ATTRIBUTE[field]: value for field, value in values.items()})


_ATTRIBUTE = {
    SalesforceField.SUBJECT: "subject",
    SalesforceField.STATUS: "status",
    SalesforceField.PRIORITY: "priority",
    SalesforceField.ACTIVITY_DATE: "activity_date",
    SalesforceField.DESCRIPTION: "description",
}


SF_JSON = str | None
"""A Salesforce field value as its JSON spells it: dates as ``YYYY-MM-DD``, an empty field as None."""


def as_sf_json(value: str | date | None) -> SF_JSON:
    if isinstance(value, date):
        return value.isoformat()
    return value or None


class SalesforceWrite(DomainModel):
    """One value the sync wrote to one Salesforce field."""

    field: SalesforceField
    value: SF_JSON
    base: AwareDatetime | None = Field(
        description="the newest Salesforce change of the field that the sync knew of when it wrote (Salesforce's clock)"
    )
    shown_at: AwareDatetime | None = Field(
        default=None, description="the Salesforce change that showed this write landed (Salesforce's clock)"
    )
    over: SF_JSON = Field(default=None, description="what the sync knew the field held when it wrote")
    over_seen_at: AwareDatetime | None = Field(
        default=None, description="when Salesforce last showed the sync the field, as it wrote (Salesforce's clock)"
    )
    over_by_sync: bool = Field(
        default=False, description="what the field held as the sync wrote, ``over``, was an earlier write of the sync's"
    )
    over_unconfirmed: bool = Field(
        default=False, description="that earlier write had not been shown yet: its echo may come until this one is"
    )
    sia_at: AwareDatetime | None = Field(
        default=None,
        description="when the change written was made: SIA's clock, or Salesforce's for its own change written back",
    )
    by_create: bool = Field(
        default=False, description="sent with the record's create: the record holds it from its making, over nothing"
    )
    answered_at: AwareDatetime | None = Field(
        default=None, description="AWS's clock: when Salesforce answered that the write landed"
    )

    def landed_before(self, at: datetime) -> bool:
        """Whether the write had landed before a Salesforce change made at ``at`` (Salesforce's clock): it was
        answered earlier than the clocks' margin allows for, so it replaced no such change."""
        return self.answered_at is not None and self.answered_at + CLOCK_MARGIN < at

    @property
    def held_over(self) -> str | date | None:
        """``over`` as Salesforce holds it (a date field, a date)."""
        over = self.over
        return date.fromisoformat(over) if self.field is SalesforceField.ACTIVITY_DATE and over else over


class ForgottenWrite(DomainModel):
    """A write of the sync's no longer among the link's writes: what tells its value apart, for its echo."""

    field: SalesforceField
    fingerprint: str
    shown_at: AwareDatetime | None = None


WRITES_KEPT = 2
"""Writes remembered per field: an echo of the one before the last is still known for the sync's own."""
FORGOTTEN_KEPT = 8
"""Fingerprints of older writes remembered per field: a quick run of the rep's edits writes a field again and
again, and the relay may bring the echo of the first after the last (a Description is up to 32,000
characters: its values are not kept, only what tells them apart)."""
APPLIED_EVENTS_KEPT = 8
"""Change events remembered per link, so that a redelivery is known before anything is read."""


class SyncLink(DomainModel):
    user_id: str
    sia_id: str
    sf_id: str | None = Field(default=None, description="None until the Salesforce create has answered")
    state: LinkState = LinkState.ACTIVE
    agreed: TaskValues
    agreed_at: dict[TaskField, AwareDatetime] = Field(
        description="SIA's clock: per field, the SIA task's change time that the agreement took in; a later one is news"
    )
    sia_changed_at: dict[TaskField, AwareDatetime] = Field(
        default_factory=dict,
        description="SIA's clock: per field, the rep's last change the agreement took in; a Salesforce change "
        "older than it, met only later, is the earlier of the two",
    )
    rendered_subject: str = Field(description="the Subject the sync last rendered for Salesforce")
    salesforce: SalesforceValues = Field(description="what Salesforce holds, as far as the sync knows")
    salesforce_seen_at: dict[SalesforceField, AwareDatetime] = Field(
        description="Salesforce's clock: per field, the time of the newest Salesforce change seen (echoes included)"
    )
    synced_seen_at: dict[SalesforceField, AwareDatetime] | None = Field(
        default=None,
        description="Salesforce's clock: per field, the newest change seen while the field held a value SIA holds "
        "too (a write of the sync's shown included); where it holds one SIA cannot since (In Progress, Low), a "
        "synced change between the two, met late, is still the one SIA keeps (SPEC 2). Absent: none seen since "
        "the sync's own create. None: as salesforce_seen_at (an import; a link saved before it was kept)",
    )
    writes: tuple[SalesforceWrite, ...] = Field(
        default=(), description=f"the sync's last writes, at most {WRITES_KEPT} a field, oldest first"
    )
    forgotten: tuple[ForgottenWrite, ...] = Field(
        default=(),
        description=f"the sync's writes no longer in writes, at most {FORGOTTEN_KEPT} a field, oldest first: their "
        "late echoes are still the sync's own",
    )
    unsent: tuple[SalesforceField, ...] = Field(
        default=(),
        description="fields of a write on its way to Salesforce (saved before it is sent): a decision that finds "
        "them sends them again",
    )
    sia_version: NonNegativeInt = Field(description="the last SIA task version applied")
    last_sf_commit: AwareDatetime | None = Field(default=None, description="latest Salesforce change applied")
    owner_seen_at: AwareDatetime | None = Field(
        default=None, description="Salesforce's clock: the latest change that showed the owner"
    )
    copy_version: NonNegativeInt = Field(
        default=0, description="the SIA version at which the sync last created the SIA copy (import, undelete, rejoin)"
    )
    copy_made_at: AwareDatetime | None = Field(default=None, description="AWS's clock: when the sync made that copy")
    deleted_at: AwareDatetime | None = Field(
        default=None, description="AWS's clock: when the sync made or learnt the delete"
    )
    sf_deleted_at: AwareDatetime | None = Field(
        default=None, description="Salesforce's clock: when Salesforce deleted the record, when it said so"
    )
    deleted_by: Side | None = None
    saved_at: AwareDatetime | None = Field(
        default=None,
        description="AWS's clock: when the link was last saved, after the Salesforce write it records; a record "
        "read later shows that write",
    )
    applied_events: tuple[str, ...] = Field(
        default=(), description=f"the keys of the last {APPLIED_EVENTS_KEPT} change events applied"
    )
    revision: NonNegativeInt = Field(default=0, description="optimistic lock: each save adds one")

    @property
    def synced_seen(self) -> dict[SalesforceField, datetime]:
        """``synced_seen_at``, or where none was kept, ``salesforce_seen_at``. (Not filled in by a validator
        before the fields: one that hands pydantic a Python dict makes it refuse a stored link's ISO times.)"""
        return self.salesforce_seen_at if self.synced_seen_at is None else self.synced_seen_at

    def updated(self, **changes: object) -> SyncLink:
        """A validated copy with ``changes``: a name that is no field of the link, or a value of the wrong
        type, is refused (``model_copy`` would keep either silently). Only the changes are validated: the
        other fields are this link's, valid already."""
        unknown = changes.keys() - _LINK_FIELDS
        if unknown:
            raise TypeError(f"SyncLink has no field {', '.join(sorted(unknown))}")
        moved = changes.get("sf_id", self.sf_id)
        if self.sf_id is not None and moved != self.sf_id:
            # One link, one record, for good: the state table keeps a copy of the link under that id.
            raise ValueError(f"link of {self.sia_id} is linked to {self.sf_id}; it cannot move to {moved}")
        return self.model_copy(update=_link_changes().validate_python(changes))

    @property
    def create_unanswered(self) -> bool:
        """The sync's create of the record has not answered (lost, or not sent yet): it may have landed, and
        only a lookup by the external id tells."""
        return self.sf_id is None and self.state is LinkState.ACTIVE

    def written_values(self, field: SalesforceField) -> list[SF_JSON]:
        return [write.value for write in self.writes if write.field is field]

    def may_echo(self, field: SalesforceField, value: SF_JSON, at: datetime) -> bool:
        """Whether ``value`` of ``field``, in a change event at ``at`` naming no other client, may be an echo of
        the sync's: a write kept; what one was made over when that was an older write of the sync's, whose echo
        comes no later than it was shown (by the time the sync last saw the field as it wrote, or, unconfirmed
        then, by the time the write over it landed: shown, or answered, within the clocks' margin); or one
        forgotten, whose echo comes no later than the oldest write kept landed. A change after that is someone
        else's."""
        writes = [write for write in self.writes if write.field is field]
        if any(write.value == value for write in writes):
            return True
        for write in writes:
            until = _landed_by(write) if write.over_unconfirmed else write.over_seen_at
            if write.over_by_sync and write.over == value and (until is None or at <= until):
                return True
        mark = fingerprint(value)
        for forgotten in self.forgotten:
            if forgotten.field is not field or forgotten.fingerprint != mark or not writes:
                continue
            # An unshown write landed before the oldest kept was sent: that one's landing bounds its echo.
            until = forgotten.shown_at if forgotten.shown_at is not None else _landed_by(writes[0])
            if until is None or at <= until:
                return True
        return False

    def last_write(self, field: SalesforceField) -> SalesforceWrite | None:
        return next((write for write in reversed(self.writes) if write.field is field), None)

    def holds_from_before_last_write(self, field: SalesforceField, value: str | date | None) -> bool:
        """Whether ``value``, read from Salesforce, is what the field held before the sync's last write of
        it, or an earlier write of the sync's: as if that last write had not landed. A write made over one
        that never showed was made over what the link expected, not what Salesforce held: what the field
        held before each write still unshown counts too."""
        last = self.last_write(field)
        if last is None:
            return False
        held = as_sf_json(value)
        unshown = self.held_before_unshown_writes(field)
        before = () if last.by_create else (last.over,)
        return held != last.value and (held in before or held in unshown or held in self.written_values(field)[:-1])

    def held_before_unshown_writes(self, field: SalesforceField, by: datetime | None = None) -> set[SF_JSON]:
        """What ``field`` held before each write of it that Salesforce had not shown (by ``by``, when given). A
        create's write was made over nothing: a record that is read or changes exists, so its create landed."""
        return {
            write.over
            for write in self.writes
            if write.field is field
            and not write.by_create
            and (write.shown_at is None or (by is not None and by < write.shown_at))
        }

    def held_before_last_writes(self, fields: Iterable[SalesforceField]) -> dict[SalesforceField, str | date | None]:
        """What each of ``fields`` held before the sync's last write of it: what Salesforce still holds
        when that write was refused."""
        held: dict[SalesforceField, str | date | None] = {}
        for field in fields:
            last = self.last_write(field)
            if last is not None:
                held[field] = last.held_over
        return held

    def not_landed(self, field: SalesforceField, value: str | date | None) -> bool:
        """Whether ``value``, read from Salesforce, says the sync's last write of ``field``, still on its way
        (``unsent``), has not landed."""
        return field in self.unsent and self.holds_from_before_last_write(field, value)

    def unconfirmed(self, field: SalesforceField) -> bool:
        """Whether the sync's last write of ``field`` is still to be shown by a Salesforce observation."""
        last = self.last_write(field)
        return last is not None and last.shown_at is None

    def shown_writes(self, shown: Mapping[SalesforceField, datetime]) -> tuple[SalesforceWrite, ...]:
        """The link's writes once Salesforce observations at ``shown`` showed the last write of those
        fields: a value for ``updated``, so that a decision makes its link in one copy."""
        if not shown:
            return self.writes
        latest = {field: self.last_write(field) for field in shown}
        return tuple(
            write.model_copy(update={"shown_at": shown[write.field]}) if latest.get(write.field) is write else write
            for write in self.writes
        )

    def with_writes(
        self,
        values: Mapping[SalesforceField, str | date | None],
        base: Mapping[SalesforceField, datetime],
        sia_at: Mapping[SalesforceField, datetime] | None = None,
        *,
        by_create: bool = False,
        **changes: object,
    ) -> SyncLink:
        """The link after the sync wrote ``values`` (SIA's changes as of ``sia_at``; ``by_create``: a create
        sent them): each one remembered, and unconfirmed until shown; with ``changes`` too, in the same copy."""
        if not values:
            return self.updated(**changes) if changes else self
        kept: list[SalesforceWrite] = []
        new = [
            SalesforceWrite(
                field=f,
                value=as_sf_json(v),
                base=base.get(f),
                over=as_sf_json(self.salesforce.get(f)),
                over_seen_at=self.salesforce_seen_at.get(f),
                over_by_sync=as_sf_json(self.salesforce.get(f)) in self.written_values(f),
                over_unconfirmed=self.unconfirmed(f),
                sia_at=(sia_at or {}).get(f),
                by_create=by_create,
            )
            for f, v in values.items()
        ]
        forgotten = list(self.forgotten)
        for write in (*self.writes, *new):
            kept.append(write)
            same = [w for w in kept if w.field is write.field]
            if len(same) > WRITES_KEPT:
                kept.remove(same[0])
                forgotten.append(
                    ForgottenWrite(field=write.field, fingerprint=fingerprint(same[0].value), shown_at=same[0].shown_at)
                )
                older = [f for f in forgotten if f.field is write.field]
                if len(older) > FORGOTTEN_KEPT:
                    forgotten.remove(older[0])
        return self.updated(
            writes=tuple(kept), forgotten=tuple(forgotten), salesforce=self.salesforce.with_values(values), **changes
        )

    def answered(self, fields: Iterable[SalesforceField], at: datetime) -> SyncLink:
        """The link once Salesforce answered, at ``at``, that its last writes of ``fields`` landed."""
        latest = {field: self.last_write(field) for field in fields}
        writes = tuple(
            write.model_copy(update={"answered_at": at}) if latest.get(write.field) is write else write
            for write in self.writes
        )
        return self.updated(writes=writes)

    def with_applied_event(self, key: str | None) -> SyncLink:
        if key is None or key in self.applied_events:
            return self
        return self.updated(applied_events=(*self.applied_events, key)[-APPLIED_EVENTS_KEPT:])


def fingerprint(value: SF_JSON) -> str:
    """What tells one written value from another, in 16 characters."""
    return hashlib.blake2b(json.dumps(value).encode(), digest_size=8).hexdigest()


def _landed_by(write: SalesforceWrite) -> datetime | None:
    """The latest Salesforce time ``write`` can have landed at, if known: when it was shown, or answered (AWS's
    clock, within the clocks' margin)."""
    answered = write.answered_at + CLOCK_MARGIN if write.answered_at is not None else None
    return min(filter(None, (write.shown_at, answered)), default=None)


_LINK_FIELDS = frozenset(SyncLink.model_fields)
"""Read once: pydantic's ``model_fields`` is a property, slow on a path every decision takes."""


@functools.cache
def _link_changes() -> TypeAdapter[Any]:
    """The link's fields, each with the link's own type and constraints, and none required: a change to
    some fields is validated as the link validates them, without validating the rest again. A TypedDict,
    so that what it gives back is those fields alone, not a whole model of defaults built for each change."""
    fields: dict[str, Any] = {
        name: Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        for name, info in SyncLink.model_fields.items()
    }
    changes = TypedDict("SyncLinkChanges", fields, total=False)  # type: ignore[misc]
    return TypeAdapter(with_config(SyncLink.model_config)(changes))
