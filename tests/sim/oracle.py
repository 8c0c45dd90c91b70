"""A reference model of what the product promises (SPEC sections 2 to 5 and 7), apart from the product.

It imports none of the product's mapping, subject template, eligibility or engine: it reads the run's
history (``tests.sim.history``: who changed what, when, on which side) and the two systems' final
records, and says what each side must hold once everything is delivered:

- each field of a linked task takes its latest change, whichever side made it (SPEC 7); where the two
  sides' latest changes lie within the clocks' margin, either may win, but both sides then agree;
- a Salesforce value SIA cannot hold (``In Progress``, ``Low``, ...) stays in Salesforce and leaves
  SIA's value as it was (SPEC 2); a task imported with one is ``open`` / ``normal``;
- the Subject is the template rendered from SIA's name when SIA last changed what it renders, unless a
  change made in Salesforce is later; the SIA name never takes a Subject edited in Salesforce (SPEC 3);
- which records are the rep's reminders, which are imported, which SIA tasks go to Salesforce (SPEC 4,
  5, 6); deletes stay deleted unless Salesforce undeletes (SPEC 7);
- one record per SIA task and one SIA task per record, by provenance: the history says who made what;
- each conflict whose changes lie further apart than the margin is recorded, with the later side as
  the winner, where the sync was shown Salesforce's change (``Shown``: an event delivered, a read).
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from tests.sim.history import Actor, History, SfWrite, Shown, SiaWrite, Switch

MARGIN = timedelta(minutes=2, seconds=1)
"""SPEC 7: Salesforce's clock and AWS's may differ by up to 2 minutes, and commit times are whole seconds."""
IMPORT_WINDOW = timedelta(hours=24)
"""SPEC 5.1."""

SIA_FIELDS = ("status", "priority", "due_date", "details")
API_NAME = {"status": "Status", "priority": "Priority", "due_date": "ActivityDate", "details": "Description"}
TO_SIA: dict[str, dict[object, str]] = {
    "status": {"Not Started": "open", "Completed": "complete"},
    "priority": {"Normal": "normal", "High": "high"},
}
TO_SF = {name: {sia: sf for sf, sia in values.items()} for name, values in TO_SIA.items()}
IMPORTED_AS = {"status": "open", "priority": "normal"}
"""SPEC 2: a task created in Salesforce with a value SIA does not hold is imported with these."""
REMINDER_SUBTYPES = (None, "Task")
"""SPEC 4."""
SUBJECT_MAX = 255
ALREADY_DELETED = frozenset({"ENTITY_IS_DELETED", "NOT_FOUND"})
"""SPEC 7: what Salesforce answers a write of a record deleted already."""
RENDERED = ("name", "status", "priority", "due_date", "details")


class Unsynced:
    def __repr__(self) -> str:
        return "<not held in SIA>"


UNSYNCED = Unsynced()


def to_sia(name: str, sf_value: object) -> object:
    """The SIA value of a Salesforce field's value, or UNSYNCED."""
    if name in TO_SIA:
        return TO_SIA[name].get(sf_value, UNSYNCED)
    if name == "details":
        return sf_value or ""
    return sf_value


def to_sf(name: str, sia_value: object) -> object:
    if name in TO_SF:
        return TO_SF[name][str(sia_value)]
    if name == "details":
        return sia_value or None
    return sia_value


def render(template: str, values: Mapping[str, object]) -> str:
    """SPEC 3: placeholders filled (a missing value empty), line breaks gone, at most 255 characters."""
    return _render(template, *(values.get(name) for name in RENDERED))


@functools.lru_cache(maxsize=4096)
def _render(template: str, name: object, status: object, priority: object, due: object, details: object) -> str:
    """Pure, and asked again and again for the same few values: kept."""
    fields = {
        "activity_subject": str(name or ""),
        "activity_due_date": due.isoformat() if isinstance(due, date) else "",
        "activity_details": str(details or ""),
        "activity_status": str(status or ""),
        "activity_priority": str(priority or ""),
    }
    rendered = _PLACEHOLDER.sub(lambda match: fields.get(match.group(1), ""), template)
    return _LINE_BREAKS.sub(" ", rendered).strip()[:SUBJECT_MAX]


_PLACEHOLDER = re.compile(r"\{\{\s*(\w*)\s*\}\}")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029]+")


@dataclass(frozen=True)
class Change:
    """A field's value changed at ``at`` by ``actor``; ``own`` when the sync made it for this pair."""

    at: datetime
    value: object
    actor: Actor
    sf_at: datetime | None = None
    """A Salesforce change's commit time, on Salesforce's clock."""
    seq: int = 0
    """Its fact's place in the history: what came first at one moment."""


@dataclass(frozen=True)
class Sight:
    """The sync shown a Salesforce change: when, the fact's place in the history, and whether by a read of
    the whole record (else by the change's own event)."""

    at: datetime
    seq: int
    by_read: bool


@dataclass
class Record:
    sf_id: str
    created_by: Actor
    external_id: str | None
    values: dict[str, object] = field(default_factory=dict)
    live: bool = True
    changes: dict[str, list[Change]] = field(default_factory=lambda: defaultdict(list))
    deleted: list[tuple[datetime, Actor]] = field(default_factory=list)
    revived: list[datetime] = field(default_factory=list)
    """Undeleted, or given to a new owner."""
    undeleted: list[datetime] = field(default_factory=list)
    touched: list[datetime] = field(default_factory=list)
    """Every change but the sync's own."""


@dataclass
class Task:
    user: str
    task_id: str
    created_at: datetime
    created_by: Actor
    from_sf_id: str | None
    values: dict[str, object] = field(default_factory=dict)
    live: bool = True
    user_changes: dict[str, list[Change]] = field(default_factory=lambda: defaultdict(list))
    """The rep's changes since the task was last created (an undelete makes it anew)."""
    subject_renders: list[Change] = field(default_factory=list)
    """The Subjects SIA's changes rendered (the rep's changes of what the template shows)."""
    names: set[str] = field(default_factory=set)
    deleted_by_user: list[datetime] = field(default_factory=list)
    deleted_by_sync: list[datetime] = field(default_factory=list)
    earlier_lives: int = 0
    former: dict[str, object] = field(default_factory=dict)
    """A copy brought back: the values its earlier life last had, which the sync may keep (SPEC 2)."""
    born: tuple[datetime, Actor] | None = None
    """When and by whom its first life was made (a copy brought back is the same task)."""

    @property
    def made_at(self) -> datetime:
        return self.born[0] if self.born else self.created_at

    @property
    def made_by(self) -> Actor:
        return self.born[1] if self.born else self.created_by


@dataclass
class Model:
    """The history replayed into per-record and per-task timelines."""

    reps: Mapping[str, str]
    templates: Mapping[str, str]
    records: dict[str, Record] = field(default_factory=dict)
    tasks: dict[tuple[str, str], Task] = field(default_factory=dict)
    switches: dict[str, list[Switch]] = field(default_factory=lambda: defaultdict(list))
    sync_writes: dict[str, list[tuple[datetime, str, str | None]]] = field(default_factory=lambda: defaultdict(list))
    """By record: the sync's writes (at, API name, the rep whose grant wrote)."""
    sia_sync_writes: dict[tuple[str, str], list[tuple[datetime, str, object]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    shown: dict[tuple[str, str], list[tuple[int, Shown]]] = field(default_factory=lambda: defaultdict(list))
    """By (rep, record): what the sync was shown of the record for the rep, with each fact's place."""
    sync_in_sia: dict[str, list[SiaWrite]] = field(default_factory=lambda: defaultdict(list))
    """By rep: the sync's changes of their SIA tasks."""
    taken: int = 0
    """How many of the history's facts are replayed into the model."""

    @classmethod
    def of(cls, history: History, reps: Mapping[str, str], templates: Mapping[str, str]) -> Model:
        return cls(reps, templates).take_in(history)

    def take_in(self, history: History) -> Model:
        """The facts of ``history`` not replayed yet, replayed: a history only grows, and judging only
        reads the model, so a run judged twice replays each fact once."""
        for seq, fact in enumerate(history.facts[self.taken :], start=self.taken):
            if isinstance(fact, SfWrite):
                self._sf(fact, seq)
            elif isinstance(fact, SiaWrite):
                self._sia(fact)
            elif isinstance(fact, Shown):
                self.shown[(fact.user, fact.sf_id)].append((seq, fact))
            else:
                self.switches[fact.user].append(fact)
        self.taken = len(history.facts)
        return self

    def _sf(self, fact: SfWrite, seq: int) -> None:
        record = self.records.get(fact.sf_id)
        if fact.kind == "create" or record is None:
            record = self.records[fact.sf_id] = Record(fact.sf_id, fact.actor, fact.external_id)
        if fact.kind == "delete":
            record.live = False
            record.deleted.append((fact.at, fact.actor))
            return
        if fact.kind == "undelete":
            record.live = True
            record.revived.append(fact.at)
            record.undeleted.append(fact.at)
        for name, value in fact.values.items():
            if fact.kind == "undelete" or (name in record.values and record.values[name] == value):
                record.values[name] = value
                continue
            record.values[name] = value
            record.changes[name].append(Change(fact.at, value, fact.actor, fact.sf_at, seq))
            if fact.actor is Actor.SYNC:
                self.sync_writes[fact.sf_id].append((fact.at, name, fact.rep))
            if name == "OwnerId" and fact.kind == "update":
                record.revived.append(fact.at)
        if fact.actor is not Actor.SYNC:
            record.touched.append(fact.at)

    def _sia(self, fact: SiaWrite) -> None:
        if fact.actor is not Actor.USER:
            self.sync_in_sia[fact.user].append(fact)
        key = (fact.user, fact.task_id)
        task = self.tasks.get(key)
        if fact.kind == "create":
            earlier = task
            task = self.tasks[key] = Task(fact.user, fact.task_id, fact.at, fact.actor, fact.from_sf_id)
            if earlier is not None:
                task.earlier_lives = earlier.earlier_lives + 1
                task.names |= earlier.names
                task.deleted_by_user = earlier.deleted_by_user
                task.deleted_by_sync = earlier.deleted_by_sync
                task.from_sf_id = task.from_sf_id or earlier.from_sf_id
                task.born = (earlier.made_at, earlier.made_by)
                task.former = dict(earlier.values)
        elif task is None:
            return
        if fact.kind == "delete":
            task.live = False
            (task.deleted_by_user if fact.actor is Actor.USER else task.deleted_by_sync).append(fact.at)
            return
        template = self.templates[fact.user]
        before = render(template, task.values) if task.values else None
        changed = {name: value for name, value in fact.values.items() if task.values.get(name, UNSYNCED) != value}
        task.values.update({name: _plain(value) for name, value in fact.values.items()})
        if "name" in fact.values:
            task.names.add(str(task.values["name"]))
        if fact.actor is not Actor.USER:
            for name, value in changed.items():
                self.sia_sync_writes[key].append((fact.at, name, _plain(value)))
            return
        for name, value in changed.items():
            task.user_changes[name].append(Change(fact.at, _plain(value), Actor.USER))
        after = render(template, task.values)
        if after != before and ({"name", "due_date"} & changed.keys() or fact.kind == "create"):
            task.subject_renders.append(Change(fact.at, after, Actor.USER))

    # -- questions ---------------------------------------------------------------------------------
    def pushes(self, user: str, at: datetime) -> bool:
        """Whether a task the rep made at ``at`` goes to Salesforce: made while their sync setting was on
        (SPEC 5.2, 5.5). A revoked grant only pauses sync: what was made meanwhile goes on reconnecting."""
        return self._settings_at(user, at)[0]

    def running(self, user: str, at: datetime) -> bool:
        """Whether the rep's sync ran at ``at``: on, and its grant not revoked."""
        on, connected = self._settings_at(user, at)
        return on and connected

    def _settings_at(self, user: str, at: datetime) -> tuple[bool, bool]:
        """(the sync setting on, the grant working) at ``at``, by the switches up to then."""
        on = connected = False
        for switch in self.switches[user]:
            if switch.at > at:
                break
            if switch.what in ("on", "off"):
                on = switch.what == "on"
                connected = connected or on
            else:
                connected = switch.what == "reconnected"
        return on, connected

    def resumed_after(self, user: str, at: datetime) -> datetime:
        """When the rep's sync next ran after ``at`` (the end of time if it did not)."""
        later = sorted({switch.at for switch in self.switches[user] if switch.at > at})
        return next((moment for moment in later if self.running(user, moment)), datetime.max.replace(tzinfo=at.tzinfo))

    def turned_off_since(self, user: str, at: datetime) -> bool:
        """SPEC 5.5 with 5.2: turning sync off stops it at once, and on again, the tasks SIA has then are
        existing tasks; so a task made shortly before sync went off may or may not have gone."""
        return any(switch.at > at and switch.what == "off" for switch in self.switches[user])

    def first_on(self, user: str) -> datetime | None:
        return next((switch.at for switch in self.switches[user] if switch.what == "on"), None)

    def pairs_of(self, user: str) -> dict[str, set[str]]:
        """By record: the rep's SIA tasks that are copies of it or that the sync made it for."""
        pairs: dict[str, set[str]] = defaultdict(set)
        for (owner, task_id), task in self.tasks.items():
            if owner == user and task.from_sf_id:
                pairs[task.from_sf_id].add(task_id)
        for sf_id, record in self.records.items():
            if record.created_by is Actor.SYNC and record.external_id:
                owner_task = self.tasks.get((user, record.external_id))
                if owner_task is not None and owner_task.made_by is Actor.USER:
                    pairs[sf_id].add(record.external_id)
        return pairs


def _plain(value: object) -> object:
    """An enum as its value: the oracle compares plain values."""
    return getattr(value, "value", value)


def latest(changes: Iterable[Change]) -> Change | None:
    """The last change, in the order they happened (automation comes after the write that fired it, at
    the same moment)."""
    found: Change | None = None
    for change in changes:
        if found is None or change.at >= found.at:
            found = change
    return found


def winners(sia: Change | None, salesforce: Change | None) -> list[Change]:
    """The changes that may be the last one: both where the clocks cannot order them (SPEC 7)."""
    if sia is None or salesforce is None:
        return [change for change in (sia, salesforce) if change is not None]
    if abs(sia.at - salesforce.at) <= MARGIN:
        return [sia, salesforce]
    return [max(sia, salesforce, key=lambda change: change.at)]


@dataclass
class Judge:
    model: Model
    sia: Mapping[tuple[str, str], Any]
    """The SIA store's live tasks at the end."""
    salesforce: Mapping[str, Any]
    """The org's live records at the end."""
    errors: list[Any]
    """The sync errors recorded for the reps to see (conflicts, refusals)."""
    refused: str | None = None
    """Details the org's validation rule refuses, when it has one: such a task cannot reach Salesforce."""
    subject_prefix: str | None = None
    """What the org's automation puts before every Subject, when it does."""
    exempt: frozenset[str] = frozenset()
    """Records and tasks not judged, with those paired with them (a change of theirs was never delivered,
    and the safety nets have not run yet)."""
    recycled: frozenset[str] = frozenset()
    """The org's deleted records still in its recycle bin, which a lookup of deleted records finds."""
    found: list[str] = field(default_factory=list)

    def verdict(self) -> list[str]:
        for user in self.model.reps:
            self._rep(user)
        self._no_deleted_record_refused()
        self._no_conflict_with_itself()
        return self.found

    def _no_deleted_record_refused(self) -> None:
        """SPEC 7: ENTITY_IS_DELETED or NOT_FOUND on an update or delete means the record is already deleted,
        which is no refusal to show the rep."""
        for error in self.errors:
            if str(_plain(error.kind)) == "permanent" and getattr(error, "code", None) in ALREADY_DELETED:
                self.found.append(
                    f"{error.user_id}/{error.sia_id}: shown a refusal for a deleted record ({error.code})"
                )

    def _no_conflict_with_itself(self) -> None:
        """SPEC 7: a conflict is both sides changing a field; the sync's own writes coming back (its echo) are
        no change. A conflict the rep is shown on a field that nobody but the sync ever changed in the task's
        Salesforce records took an echo for a Salesforce user's edit."""
        records: dict[tuple[str, str], list[Record]] = defaultdict(list)
        for user in self.model.reps:
            for sf_id, task_ids in self.model.pairs_of(user).items():
                for task_id in task_ids:
                    if sf_id in self.model.records:
                        records[(user, task_id)].append(self.model.records[sf_id])
        for error in self.errors:
            paired = records.get((error.user_id, error.sia_id), [])
            if str(_plain(error.kind)) != "conflict" or error.field not in API_NAME or not paired:
                continue
            api = API_NAME[error.field]
            if all(change.actor is Actor.SYNC for record in paired for change in record.changes.get(api, [])):
                self.found.append(
                    f"{error.user_id}/{error.sia_id}: a conflict on {error.field} recorded, yet only the sync ever"
                    " changed it in Salesforce: its own write taken for a change"
                )

    # -- which tasks and records there are ---------------------------------------------------------
    def _reminder_of(self, record: Any, user: str) -> bool:
        """SPEC 4: owned by the rep's Salesforce user, a task (not a logged email or call), not a series."""
        sf_user = self.model.reps[user]
        return (
            (record.owner_id or "")[:15] == sf_user[:15]
            and record.task_subtype in REMINDER_SUBTYPES
            and not record.is_recurrence
        )

    def _rep(self, user: str) -> None:
        model = self.model
        for change in model.sync_in_sia[user]:
            if not model.pushes(user, change.at):
                self.found.append(f"{user}/{change.task_id}: the sync changed it in SIA while sync was off (SPEC 6)")
        pairs = model.pairs_of(user)
        first_on = model.first_on(user)
        live_tasks = {task_id for (owner, task_id) in self.sia if owner == user}
        for sf_id, record in self.salesforce.items():
            if {sf_id, *pairs.get(sf_id, ())} & self.exempt:
                continue
            copies = sorted(pairs.get(sf_id, set()) & live_tasks)
            if len(copies) > 1:
                self.found.append(f"{user}/{sf_id}: {len(copies)} SIA tasks for one Salesforce record: {copies}")
            history = model.records.get(sf_id)
            if not self._reminder_of(record, user) or history is None:
                if copies:
                    self.found.append(f"{user}/{sf_id}: not a reminder of the rep, yet SIA task {copies[0]} shows it")
                continue
            wanted = self._wanted_in_sia(user, history, pairs.get(sf_id, set()), first_on)
            if wanted is False and copies:
                self.found.append(
                    f"{user}/{sf_id}: the rep must not have it (SPEC 5, 7), yet SIA task {copies[0]} shows it"
                )
            elif wanted is True and not copies:
                self.found.append(f"{user}/{sf_id}: a reminder task of the rep in Salesforce with no SIA task")
            if copies:
                self._agree(user, model.tasks[(user, copies[0])], history, record, self.sia[(user, copies[0])])
        by_task: dict[str, list[str]] = defaultdict(list)
        for sf_id, tasks in pairs.items():
            for task_id in tasks:
                by_task[task_id].append(sf_id)
        for (owner, task_id), task in model.tasks.items():
            if owner != user or {task_id, *by_task.get(task_id, ())} & self.exempt:
                continue
            made = [sf_id for sf_id in by_task.get(task_id, []) if model.records[sf_id].created_by is Actor.SYNC]
            known = [sf_id for sf_id in made if sf_id in self.salesforce or sf_id in self.recycled]
            if len(known) > 1:
                # A second record made after a user deleted the first (in the recycle bin, where the sync can
                # look it up) resurrects the task: deletes stay deleted (SPEC 7). One purged is gone unknown.
                self.found.append(f"{user}/{task_id}: {len(known)} Salesforce records made for one SIA task ({known})")
            if task.made_by is Actor.USER and not model.pushes(user, task.made_at):
                if made:
                    self.found.append(
                        f"{user}/{task_id}: created while sync was off, yet sent to Salesforce ({made[0]})"
                    )
                continue
            if (owner, task_id) not in self.sia:
                self._stays_deleted(user, task, by_task.get(task_id, []))
                continue
            if not made and task.made_by is Actor.USER and model.turned_off_since(user, task.made_at):
                continue  # sync stopped before the task went: at turning it on again it is an existing task
            linked = [sf_id for sf_id in by_task.get(task_id, []) if sf_id in self.salesforce]
            if any(self._reminder_of(self.salesforce[sf_id], user) for sf_id in linked):
                continue  # its record is judged with it (_agree), refusals included
            if not self._refused(user, task_id):
                self.found.append(
                    f"{user}/{task_id}: an SIA task that should be in Salesforce has no live record there"
                )

    def _wanted_in_sia(self, user: str, record: Record, copies: set[str], first_on: datetime | None) -> bool | None:
        """Whether the rep's reminder must have an SIA task; None where either is right."""
        if first_on is None:
            return False
        undone = record.revived[-1] if record.revived else None
        for task_id in copies:
            task = self.model.tasks[(user, task_id)]
            for deleted_at in task.deleted_by_user:
                if undone is None or undone < deleted_at - MARGIN:
                    return False  # the rep deleted it: deletes stay deleted (SPEC 7)
                if undone <= deleted_at + MARGIN:
                    return None  # an undelete racing the delete: either may win
        if record.created_by is Actor.SYNC:
            return True
        # Imported by the first sync when changed in the 24 hours before, or joined on a change since.
        window = first_on - IMPORT_WINDOW
        if any(at >= window + MARGIN for at in self._edits(record, copies)):
            return True
        return None if any(at >= window - MARGIN for at in record.touched) else False

    @staticmethod
    def _edits(record: Record, copies: set[str]) -> list[datetime]:
        """The changes that join a record SIA never had to the rep's list: an undelete only may. It brings
        the record back as it was, and Salesforce keeps its LastModifiedDate (what the first sync's 24-hour
        rule reads): only its UNDELETE event says it, and a record read cannot tell it from the platform's
        own SystemModstamp moves, which import nothing. SPEC 6 joins a task on its first change, SPEC 7's
        undelete brings back a task the sync had: whether undeleting one it never had is a change, SPEC
        leaves open."""
        if copies:
            return record.touched
        return [at for at in record.touched if at not in record.undeleted]

    def _stays_deleted(self, user: str, task: Task, sf_ids: list[str]) -> None:
        """SPEC 7: the rep deleted it in SIA, so its record is deleted too, unless Salesforce undid it."""
        if not task.deleted_by_user:
            return
        deleted_at = task.deleted_by_user[-1]
        for sf_id in sf_ids:
            record = self.model.records[sf_id]
            if sf_id not in self.salesforce or not self._reminder_of(self.salesforce[sf_id], user):
                continue
            if record.revived and record.revived[-1] >= deleted_at - MARGIN:
                continue
            self.found.append(f"{user}/{task.task_id}: deleted in SIA, yet {sf_id} lives in Salesforce")

    def _refused(self, user: str, task_id: str, *, subject_kept: bool = False) -> bool:
        """A task the org refuses stays as the rep made it, and the refusal is recorded for them (SPEC 7:
        permanent errors are not retried but recorded per task): details its validation rule refuses, or
        a Subject its automation's prefix makes longer than a Subject holds. ``subject_kept``: a Subject
        edited in Salesforce may win over the render (SPEC 3), and then the sync need not have sent it."""
        task = self.sia[(user, task_id)]
        subject = render(self.model.templates[user], {name: _plain(getattr(task, name)) for name in RENDERED})
        prefix = self.subject_prefix
        too_long = prefix is not None and not subject.startswith(prefix) and len(prefix + subject) > SUBJECT_MAX
        details_refused = self.refused is not None and task.details == self.refused
        if not too_long and not details_refused:
            return False
        kinds = {str(_plain(e.kind)) for e in self.errors if e.user_id == user and e.sia_id == task_id}
        if "permanent" not in kinds and (details_refused or not subject_kept):
            self.found.append(f"{user}/{task_id}: Salesforce refuses it, and no error says so ({kinds})")
        return True

    # -- what the fields must say ------------------------------------------------------------------
    def _agree(self, user: str, task: Task, record: Record, sf_now: Any, sia_now: Any) -> None:
        where = f"{user}/{task.task_id}/{record.sf_id}"
        foreign = self._foreign_changes(user, task, record)
        # A copy brought back (undelete, rejoin) starts from the record as it then is.
        since = task.created_at if task.earlier_lives else None
        subjects = [c for c in foreign.get("Subject", []) if since is None or c.at > since]
        edited = latest(subjects)
        kept = edited is not None and edited in winners(latest(task.subject_renders), edited)
        if self._refused(user, task.task_id, subject_kept=kept):
            return
        for name in SIA_FIELDS:
            api = API_NAME[name]
            sia_last = latest(task.user_changes.get(name, ()))
            sf_changes = foreign.get(api, [])
            sf_last = latest(c for c in sf_changes if since is None or c.at > since)
            actual_sf = _plain(getattr(sf_now, _ATTRIBUTE[api]))
            actual_sia = _plain(getattr(sia_now, name))
            standing = self._may_stand(user, record, api, sia_last, sf_last)
            allowed = {_key(to_sf(name, c.value) if c is sia_last else c.value) for c in standing}
            if allowed and _key(actual_sf) not in allowed:
                self.found.append(f"{where}: {api} is {actual_sf!r} in Salesforce; the latest change says {allowed}")
            self._conflicts(user, task, name, task.user_changes.get(name, []), sf_changes, record)
            held = to_sia(name, actual_sf)
            if held is not UNSYNCED:
                if _key(held) != _key(actual_sia):
                    self.found.append(f"{where}: {name} is {actual_sia!r} in SIA, {actual_sf!r} in Salesforce")
                continue
            # Salesforce holds a value SIA does not: SIA keeps its own latest (SPEC 2).
            # A copy the sync made took the record's value then, or the import's default (SPEC 2).
            made = task.created_at if task.created_by is Actor.SYNC else None
            synced = [c for c in sf_changes if to_sia(name, c.value) is not UNSYNCED and (made is None or c.at > made)]
            keeps = self._kept(user, record, sia_last, synced, name) or {
                _key(self._imported_value(record, name, made)),
                _key(task.former.get(name)),
            } - {None}
            unseen = synced and self._unseen(user, record, synced[-1], sf_changes, name)
            if unseen:
                # The sync did not see that value, and Salesforce left it before it ran again: a catch-up reads
                # the record as it then is (SPEC 5.5), so SIA keeps what it had before it too.
                earlier = self._kept(user, record, sia_last, synced[:-1], name)
                keeps |= earlier or {_key(self._imported_value(record, name, made)), _key(task.former.get(name))}
            if _key(actual_sia) not in keeps:
                self.found.append(
                    f"{where}: {name} is {actual_sia!r} in SIA while Salesforce holds {actual_sf!r}: "
                    f"SIA must keep {keeps}"
                )
        self._subject(where, task, record, subjects, sf_now.subject, sia_now.name)

    def _may_stand(
        self, user: str, record: Record, api: str, sia_last: Change | None, sf_last: Change | None
    ) -> list[Change]:
        """The changes of a field on either side that may be the one standing: the later, both where the clocks
        cannot order them, or where a read dated Salesforce's within the margin of SIA's (SPEC 7)."""
        standing = winners(sia_last, sf_last)
        if sia_last is None or sf_last is None:
            return standing
        if self._dated_late(user, record, api, sf_last, sia_last):
            standing.append(sf_last)
        if self._dated_early(user, record, api, sf_last, sia_last):
            standing.append(sia_last)
        return standing

    def _dated_late(self, user: str, record: Record, api: str, sf_change: Change, sia_change: Change) -> bool:
        """A Salesforce change made while the rep's sync did not run reaches it only as the record read on
        resuming, dated by its last modification then (SPEC 5.5); so does one whose change event the sync was
        not shown before a read (lost, a GAP's, delivered while sync did not run): where a later touch of the
        record, by that read, lies within the margin of SIA's change, the two cannot be ordered, and either
        may win (SPEC 7)."""
        if sia_change.at <= sf_change.at:
            return False
        sight = self._sight(user, record, api, sf_change)
        if sight is not None and sight.by_read:
            read_at = sight.at
        elif self.model.running(user, sf_change.at):
            return False
        else:
            read_at = self.model.resumed_after(user, sf_change.at)
        touches = [at for at in record.touched if sf_change.at <= at <= read_at]
        return bool(touches) and sia_change.at <= max(touches) + MARGIN

    def _sight(self, user: str, record: Record, api: str, change: Change) -> Sight | None:
        """When the sync was first shown Salesforce's ``change`` of ``api`` for the rep: a change event
        carrying it delivered while their sync ran, or a read while the field still held it (in the
        history's order: a read, a write and an event may share a moment). None: the sync never saw it."""
        replaced = min((c.seq for c in record.changes.get(api, []) if c.seq > change.seq), default=None)
        return next(
            (
                Sight(shown.at, seq, shown.sf_at is None)
                for seq, shown in self.model.shown.get((user, record.sf_id), [])
                if (shown.sf_at is not None and shown.sf_at == change.sf_at and api in shown.fields)
                or (shown.sf_at is None and change.seq < seq and (replaced is None or seq < replaced))
            ),
            None,
        )

    def _sync_saw_change(self, user: str, record: Record, api: str, change: Change) -> bool:
        """Whether the sync was shown Salesforce's ``change`` as a change: it cannot record a conflict with
        one it never saw, nor with one a read first showed it as the value it knew already (the field set
        back to where the last sync left it: the record shows no change, SPEC 5.5, 7)."""
        sight = self._sight(user, record, api, change)
        if sight is None:
            return False
        if not sight.by_read:
            return True
        known = self._known_before(user, record, api, change, sight.seq)
        return known is None or _key(known.value) != _key(change.value)

    def _known_before(self, user: str, record: Record, api: str, change: Change, by: int) -> Change | None:
        """The last change of ``api`` before Salesforce's ``change`` that the sync wrote or was shown before
        the history's fact ``by``: what it knew the field held."""
        own = self._own_times(user, record.sf_id)
        for earlier in reversed([c for c in record.changes.get(api, []) if c.seq < change.seq]):
            sight = self._sight(user, record, api, earlier)
            if earlier.at in own or (sight is not None and sight.seq < by):
                return earlier
        return None

    def _dated_early(self, user: str, record: Record, api: str, sf_change: Change, sia_change: Change) -> bool:
        """The mirror of ``_dated_late``: a Salesforce change a read showed first is known only to lie after
        the sync last saw the field, and before the record's last modification; where SIA's earlier change
        lies within the margin of that last sight, the two cannot be ordered, and either may win (SPEC 7)."""
        sight = self._sight(user, record, api, sf_change)
        if sia_change.at >= sf_change.at or sight is None or not sight.by_read:
            return False
        known = self._known_before(user, record, api, sf_change, sight.seq)
        reads = [
            shown.at
            for seq, shown in self.model.shown.get((user, record.sf_id), [])
            if shown.sf_at is None and seq < sf_change.seq
        ]
        seen = max([*reads, *([known.at] if known is not None else [])], default=None)
        return seen is not None and sia_change.at >= seen - MARGIN

    def _kept(self, user: str, record: Record, sia_last: Change | None, synced: list[Change], name: str) -> set[object]:
        """What SIA must hold where Salesforce holds a value SIA cannot: that of the latest synced change that
        may stand (either side's, where they could not be ordered: both sides then agreed on it)."""
        standing = self._may_stand(user, record, API_NAME[name], sia_last, latest(synced))
        return {_key(c.value if c is sia_last else to_sia(name, c.value)) for c in standing}

    def _unseen(self, user: str, record: Record, change: Change, sf_changes: list[Change], name: str) -> bool:
        """Whether ``change`` was made while the rep's sync did not run, or never shown to it (its event lost,
        or delivered only while the sync did not run: turning sync off stops both directions at once, SPEC 6),
        and replaced by a value SIA cannot hold before it ran again."""
        if self.model.running(user, change.at) and self._sight(user, record, API_NAME[name], change) is not None:
            return False
        resumed = self.model.resumed_after(user, change.at)
        return any(change.at < c.at <= resumed and to_sia(name, c.value) is UNSYNCED for c in sf_changes)

    @staticmethod
    def _imported_value(record: Record, name: str, made: datetime | None) -> object:
        then = latest(c for c in record.changes.get(API_NAME[name], []) if made is None or c.at <= made)
        value = to_sia(name, then.value) if then is not None else UNSYNCED
        return IMPORTED_AS.get(name) if value is UNSYNCED else value

    def _foreign_changes(self, user: str, task: Task, record: Record) -> dict[str, list[Change]]:
        """Salesforce's changes of the record that are not the sync's own for this rep: a person's, the
        org's automation, and the sync's writes for another rep who had the record then."""
        mine = self._own_times(user, record.sf_id)
        return {
            api: [c for c in changes if c.actor is not Actor.SYNC or c.at not in mine]
            for api, changes in record.changes.items()
        }

    def _own_times(self, user: str, sf_id: str) -> set[datetime]:
        """The times of the sync's writes of the record made with this rep's grant."""
        return {at for at, _, rep in self.model.sync_writes.get(sf_id, []) if rep == user}

    def _subject(
        self, where: str, task: Task, record: Record, sf_changes: list[Change], subject: Any, name: Any
    ) -> None:
        sia_last = latest(task.subject_renders)
        sf_last = latest(sf_changes)
        allowed = self._subjects(task, record, sia_last, sf_last)
        taken = self._due_date_as_salesforce_had(task, record, sia_last) if sia_last is not None else None
        if taken is not None and sia_last is not None:
            # In order, the sync would have brought Salesforce's due date to SIA first, and the rep's last
            # change would have been none: rendered or not, the Subject may be as before Salesforce's change
            # (anything, where nothing said what it was then).
            earlier = latest(c for c in task.subject_renders if c.at < min(taken.at, sia_last.at))
            unrendered = self._subjects(task, record, earlier, sf_last)
            # The rep's renderings before it may never have reached Salesforce (it was down): what the record
            # held then is as good.
            held = latest(c for c in record.changes.get("Subject", []) if c.at <= taken.at)
            unrendered |= {held.value} if unrendered and held is not None else set()
            allowed = allowed | unrendered if unrendered else set()
        if sia_last is not None and sf_last is not None and self._written_over_unseen(task.user, record, sf_last):
            allowed |= self._subjects(task, record, sia_last, None)
        if allowed and subject not in allowed:
            self.found.append(f"{where}: Subject {subject!r}; SPEC 3 says one of {sorted(map(str, allowed))}")
        renamed = latest(task.user_changes.get("name", ()))
        if renamed is not None:
            if name != renamed.value:
                self.found.append(f"{where}: named {name!r} in SIA, but the rep named it {renamed.value!r}")
        elif task.created_by is Actor.SYNC:
            subjects = {str(c.value) for c in record.changes.get("Subject", [])}
            subjects |= {s.strip() for s in subjects} | {"(no subject)"} | task.names
            if name not in subjects:
                self.found.append(f"{where}: named {name!r}, which is none of the Subjects the record had")

    def _written_over_unseen(self, user: str, record: Record, change: Change) -> bool:
        """Whether the sync wrote the Subject over Salesforce's ``change`` for the rep while it had not been
        shown the change's event. Only that event tells a Subject edit a write replaced, or dates one a read
        shows (the record's LastModifiedDate may be any field's change): dropped while sync was off or paused
        (SPEC 6: turning sync off stops both directions at once), or lost, the edit cannot be ordered, and the
        Subject SIA's change rendered may stand (SPEC 7 orders the changes the sync can know)."""
        sight = self._sight(user, record, "Subject", change)
        if sight is not None and not sight.by_read:
            return False
        writes = self.model.sync_writes.get(record.sf_id, [])
        return any(at > change.at and name == "Subject" and rep == user for at, name, rep in writes)

    def _subjects(self, task: Task, record: Record, sia_last: Change | None, sf_last: Change | None) -> set[object]:
        """The Subjects SPEC 3 allows when ``sia_last`` is the last Subject SIA's changes rendered."""
        allowed = {c.value for c in winners(sia_last, sf_last)}
        if sia_last is not None and sia_last in winners(sia_last, sf_last):
            # The rendered due date is the one the sync knew then, which a Salesforce move may not have reached.
            dues = {c.value for c in record.changes.get("ActivityDate", [])} | {task.values.get("due_date")}
            allowed |= {render(self.model.templates[task.user], {**task.values, "due_date": due}) for due in dues}
            if sf_last is not None and not self.model.running(task.user, sia_last.at):
                # Made while sync did not run: the catch-up sees only where SIA's values ended, which may
                # render the Subject they rendered before (SPEC 5.5).
                allowed.add(sf_last.value)
        return allowed

    @staticmethod
    def _due_date_as_salesforce_had(task: Task, record: Record, rendered: Change) -> Change | None:
        """Salesforce's change of the due date, when the rep's changes since it (``rendered`` the last) moved
        only the due date, and the last set it to the one Salesforce's record holds from that change, which
        the sync had not brought to SIA yet. Seen from where they ended, the sync cannot tell the rep's
        changes from its own SIA write of Salesforce's due date (its link lost): a due date Salesforce moved
        renders no Subject (SPEC 3 renders SIA's changes), and SPEC 7 orders the changes, so either is
        right."""
        # Within the clocks' margin after the rep's, Salesforce's change may have been the first (SPEC 7).
        held = latest(c for c in record.changes.get("ActivityDate", []) if c.at <= rendered.at + MARGIN)
        if held is None or held.actor is Actor.SYNC:
            return None
        if any(min(held.at, rendered.at) <= c.at <= rendered.at for c in task.user_changes.get("name", ())):
            return None
        moved = [c for c in task.user_changes.get("due_date", ()) if c.at == rendered.at]
        return held if moved and _key(held.value) == _key(to_sf("due_date", moved[-1].value)) else None

    def _conflicts(
        self, user: str, task: Task, name: str, sia: list[Change], salesforce: list[Change], record: Record
    ) -> None:
        """SPEC 7: changes of one field on both sides, neither reaching the other side before the later one
        was made, further apart than the margin: recorded, with the later side as the winner."""
        in_sia = [(c, c.value) for c in sia]
        in_sf = [(c, to_sia(name, c.value)) for c in salesforce if to_sia(name, c.value) is not UNSYNCED]
        for (first, was), (second, became), later_side in [
            *_crossed(in_sia, in_sf, "salesforce"),
            *_crossed(in_sf, in_sia, "sia"),
        ]:
            if _key(was) == _key(became) or second.at - first.at <= MARGIN:
                continue
            if self._reached(user, task, record, name, first, second, first_in_sia=later_side == "salesforce"):
                continue
            held = self._held_between(user, task, record, name, first.at, second.at, in_sia=later_side == "sia")
            if _key(was) in {_key(value) for value in held}:
                continue
            if not self._sync_saw_change(user, record, API_NAME[name], first if later_side == "sia" else second):
                continue
            sides = (in_sia, in_sf) if later_side == "sia" else (in_sf, in_sia)
            if any(self._superseded_unseen(user, task, record, name, second.at, side) for side in sides):
                continue
            recorded = [
                str(_plain(error.winner))
                for error in self.errors
                if error.user_id == user
                and error.sia_id == task.task_id
                and error.field == name
                and str(_plain(error.kind)) == "conflict"
            ]
            api = API_NAME[name]
            if later_side == "sia":
                other = "salesforce"  # Salesforce's change dated late, or its automation undid SIA's
                either = self._dated_late(user, record, api, first, second) or self._undone_by_automation(
                    record, name, second
                )
            else:
                other, either = "sia", self._dated_early(user, record, api, second, first)
            if later_side not in recorded and not (either and other in recorded):
                self.found.append(
                    f"{user}/{task.task_id}: {name} changed on both sides {second.at - first.at} apart "
                    f"({was!r} then {became!r} in {later_side}); no conflict recorded with {later_side} the "
                    f"winner (recorded: {recorded})"
                )

    @staticmethod
    def _undone_by_automation(record: Record, name: str, sia_change: Change) -> bool:
        """Whether the org's automation replaced SIA's change in the transaction of the sync's write of it
        (an API write undone): Salesforce's value is then the field's last word, never written back over
        (SPEC 7), and the conflict the rep sees is that one, with Salesforce the winner."""
        changes = record.changes.get(API_NAME[name], [])
        written = {
            c.at
            for c in changes
            if c.actor is Actor.SYNC and c.at >= sia_change.at and c.value == to_sf(name, sia_change.value)
        }
        return any(
            c.actor is Actor.AUTOMATION and c.at in written and c.value != to_sf(name, sia_change.value)
            for c in changes
        )

    def _superseded_unseen(
        self, user: str, task: Task, record: Record, name: str, since: datetime, side: list[Valued]
    ) -> bool:
        """Whether the change ``side`` held at ``since`` (the later change of a crossed pair, or the earlier
        one, still its side's latest then) was replaced by that side's next change before the sync wrote the
        field to either side: the sync never had the two to decide between, only that next change against
        the other (SPEC 7 decides the changes since the last sync; SPEC 5.5 applies what changed while sync
        was off as one resync), so no conflict is owed; the next change's own crossing is judged."""
        after = [change.at for change, _ in side if change.at > since]
        if not after:
            return False
        until, api = min(after), API_NAME[name]
        own = self._own_times(user, record.sf_id)
        to_sf = any(
            since <= at <= until and field_name == api and at in own
            for at, field_name, _ in self.model.sync_writes.get(record.sf_id, [])
        )
        to_sia = any(
            since <= at <= until and field_name == name
            for at, field_name, _ in self.model.sia_sync_writes.get((user, task.task_id), [])
        )
        return not (to_sf or to_sia)

    def _held_between(
        self, user: str, task: Task, record: Record, name: str, start: datetime, end: datetime, *, in_sia: bool
    ) -> list[object]:
        """The values (as SIA holds them) one side's field held from ``start`` until just before ``end``.
        Where the side of the later change held the earlier change's value between the two, both sides
        agreed before the later one was made: it is an edit of an agreed value, not a conflict (SPEC 7 orders
        changes neither side had seen)."""
        if in_sia:
            sync_writes = [
                Change(moment, value, Actor.SYNC)
                for moment, field_name, value in self.model.sia_sync_writes.get((user, task.task_id), [])
                if field_name == name
            ]
            changes = [*task.user_changes.get(name, ()), *sync_writes]
        else:
            changes = [Change(c.at, to_sia(name, c.value), c.actor) for c in record.changes.get(API_NAME[name], [])]
        then = latest(c for c in changes if c.at <= start)
        return [c.value for c in changes if start < c.at < end] + ([then.value] if then is not None else [])

    def _reached(
        self, user: str, task: Task, record: Record, name: str, first: Change, second: Change, first_in_sia: bool
    ) -> bool:
        """Whether the sync carried ``first`` over to the other side before ``second`` was made there."""
        if first_in_sia:
            api = API_NAME[name]
            own = self._own_times(user, record.sf_id)
            return any(
                first.at <= at <= second.at and field_name == api and at in own
                for at, field_name, _ in self.model.sync_writes.get(record.sf_id, [])
            )
        return any(
            first.at <= at <= second.at and field_name == name
            for at, field_name, _ in self.model.sia_sync_writes.get((user, task.task_id), [])
        )


Valued = tuple[Change, object]
"""A change, with its value as SIA would hold it."""


def _crossed(earlier: list[Valued], later: list[Valued], later_side: str) -> list[tuple[Valued, Valued, str]]:
    """(a change, the first change on the other side after it, the other side), where the first was still
    its side's latest when the other came."""
    crossed = []
    for first in earlier:
        after = [other for other in later if other[0].at > first[0].at]
        if not after:
            continue
        second = min(after, key=lambda other: other[0].at)
        if any(first[0].at < mine[0].at <= second[0].at for mine in earlier):
            continue
        crossed.append((first, second, later_side))
    return crossed


_ATTRIBUTE = {"Status": "status", "Priority": "priority", "ActivityDate": "activity_date", "Description": "description"}


def _key(value: object) -> object:
    """Salesforce's empty Description and SIA's empty details are one value."""
    return None if value == "" else value


def judge(
    history: History,
    reps: Mapping[str, str],
    templates: Mapping[str, str],
    *,
    sia: Mapping[tuple[str, str], Any],
    salesforce: Mapping[str, Any],
    errors: list[Any],
    refused: str | None = None,
    subject_prefix: str | None = None,
    exempt: frozenset[str] = frozenset(),
    recycled: frozenset[str] = frozenset(),
) -> list[str]:
    model = Model.of(history, reps, templates)
    return Judge(model, sia, salesforce, errors, refused, subject_prefix, exempt, recycled).verdict()
