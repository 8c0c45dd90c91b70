"""The users of both systems, acting at random, and an oracle of what they did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import Priority, Status, TaskField, TaskValues
from tests.sim.world import OTHER_SF_USER, REPS, START, World

NAMES = ["Call Ana", "Send deck", "Follow up\nwith Bo", "Renewal", "Call Ana ", "Demo prep"]
DETAILS = ["", "bring pricing", "see notes", "x" * 40]
DUE_DATES: list[date | None] = [None, date(2026, 1, 5), date(2026, 1, 6), date(2026, 2, 1)]
SF_STATUSES = ["Not Started", "In Progress", "Completed", "Deferred", "Waiting on someone else"]
SF_PRIORITIES = ["High", "Normal", "Low"]
TEMPLATES = ["{{activity_subject}}", "[SIA] {{activity_subject}}", "{{activity_subject}} due {{activity_due_date}}"]


@dataclass
class Oracle:
    """What the users did, for the invariants to compare against."""

    user_ops: int = 0
    local_only: set[str] = field(default_factory=set)  # SIA tasks created before sync was on
    pushed: set[str] = field(default_factory=set)  # SIA tasks created while sync was on
    sia_names: dict[tuple[str, str], str] = field(default_factory=dict)  # the name the SIA user last gave
    subject_edited: set[str] = field(default_factory=set)  # records whose Subject a SF user edited
    sia_deleted: dict[tuple[str, str], datetime] = field(default_factory=dict)  # (user, task id)
    sf_undeleted: dict[str, datetime] = field(default_factory=dict)  # also: reassigned to the user again
    reassigned: set[str] = field(default_factory=set)  # records that changed hands: another rep's sync may
    # have renamed them, which for this rep is a Subject edit made in Salesforce
    untouched: set[str] = field(default_factory=set)  # SF reminders last changed over 24 h before sync was on


class Users:
    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng
        self.oracle = Oracle()

    def history(self, count: int) -> None:
        """Salesforce tasks from before sync was on: those of the last 24 hours are imported by the first
        sync, older ones only once they change (SPEC 5.1 and 6)."""
        saved = self.world.now
        # Old ones first: the org's commit clock never goes back.
        for old in sorted((self.rng.random() < 0.5 for _ in range(count)), reverse=True):
            self.world.now = START - (timedelta(days=3) if old else timedelta(hours=2))
            self._sf_create()
            if old:
                self.oracle.untouched.add(self.world.org.feed[-1].sf_id)
        self.world.now = saved

    def before_sync(self, count: int) -> None:
        """Tasks the rep had before turning sync on: they stay local (SPEC 5.2)."""
        saved = self.world.now
        self.world.now = START - timedelta(days=1)
        for _ in range(count):
            user = self.rng.choice(list(REPS))
            task = self.world.sia.create(
                user, f"old-{self.rng.randrange(10**9)}", self._values(), Origin.USER, self.world.now
            )
            self.oracle.local_only.add(task.id)
        self.world.now = saved

    def act(self) -> None:
        self.oracle.user_ops += 1
        action = self.rng.choice(
            [
                self._sia_create,
                self._sia_edit,
                self._sia_edit,
                self._sia_delete,
                self._sf_create,
                self._sf_edit,
                self._sf_edit,
                self._sf_delete,
                self._sf_undelete,
                self._sf_reassign,
            ]
        )
        action()

    # -- the SIA rep -------------------------------------------------------------------------------
    def _values(self) -> TaskValues:
        return TaskValues(
            name=self.rng.choice(NAMES),
            status=self.rng.choice(list(Status)),
            priority=self.rng.choice(list(Priority)),
            due_date=self.rng.choice(DUE_DATES),
            details=self.rng.choice(DETAILS),
        )

    def _sia_create(self) -> None:
        values = self._values()
        user = self.rng.choice(list(REPS))
        task = self.world.sia.create(user, f"t-{self.rng.randrange(10**9)}", values, Origin.USER, self.world.now)
        self.oracle.pushed.add(task.id)
        self.oracle.sia_names[(user, task.id)] = task.name

    def _sia_task(self) -> tuple[str, str] | None:
        """(user, task id) of a task some rep has."""
        tasks = sorted(self.world.sia.tasks)
        return self.rng.choice(tasks) if tasks else None

    def _sia_edit(self) -> None:
        chosen = self._sia_task()
        if chosen is None:
            return
        user, task_id = chosen
        field = self.rng.choice(list(TaskField))
        value = getattr(self._values(), field)
        self.world.sia.update(user, task_id, {field: value}, Origin.USER, self.world.now)
        if field is TaskField.NAME:
            self.oracle.sia_names[(user, task_id)] = str(value)

    def _sia_delete(self) -> None:
        chosen = self._sia_task()
        if chosen is None:
            return
        user, task_id = chosen
        self.world.sia.delete(user, task_id, Origin.USER, self.world.now)
        self.oracle.sia_deleted[(user, task_id)] = self.world.now

    # -- the Salesforce user, in the Salesforce UI -------------------------------------------------
    def _sf_fields(self) -> dict[str, object]:
        fields: dict[str, object] = {
            "Subject": self.rng.choice(NAMES),
            "Status": self.rng.choice(SF_STATUSES),
            "Priority": self.rng.choice(SF_PRIORITIES),
            "ActivityDate": self.rng.choice(DUE_DATES),
            "Description": self.rng.choice(DETAILS) or None,
        }
        return fields

    def _sf_create(self) -> None:
        fields = self._sf_fields()
        roll = self.rng.random()
        fields["OwnerId"] = self.rng.choice([*REPS.values(), OTHER_SF_USER] if roll > 0.1 else list(REPS.values()))
        fields["TaskSubtype"] = "Email" if roll < 0.1 else "Task"
        self.world.org.create(fields)

    def _sf_record(self) -> str | None:
        ids = sorted(self.world.org.records)
        return self.rng.choice(ids) if ids else None

    def _sf_edit(self) -> None:
        sf_id = self._sf_record()
        self.oracle.untouched.discard(sf_id or "")
        if sf_id is None:
            return
        name, value = self.rng.choice(list(self._sf_fields().items()))
        self.world.org.update(sf_id, {name: value})
        if name == "Subject":
            self.oracle.subject_edited.add(sf_id)

    def _sf_delete(self) -> None:
        sf_id = self._sf_record()
        self.oracle.untouched.discard(sf_id or "")
        if sf_id is not None:
            self.world.org.delete(sf_id)

    def _sf_undelete(self) -> None:
        ids = sorted(self.world.org.recycle_bin)
        if ids:
            sf_id = self.rng.choice(ids)
            self.oracle.untouched.discard(sf_id)
            self.world.org.undelete(sf_id)
            self.oracle.sf_undeleted[sf_id] = self.world.now

    def _sf_reassign(self) -> None:
        sf_id = self._sf_record()
        self.oracle.untouched.discard(sf_id or "")
        if sf_id is not None:
            owner = self.world.org.records[sf_id].owner_id
            new_owner = self.rng.choice([o for o in [*REPS.values(), OTHER_SF_USER] if o != owner])
            self.oracle.reassigned.add(sf_id)
            self.world.org.update(sf_id, {"OwnerId": new_owner})
            if new_owner in REPS.values():
                # Reassigned to a rep: it joins their reminders, even if they had deleted it.
                self.oracle.sf_undeleted[sf_id] = self.world.now
