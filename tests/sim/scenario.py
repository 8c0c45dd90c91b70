"""The users of both systems, acting at random, and an oracle of what they did."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import Priority, Status, TaskField, TaskValues
from tests.sim.world import OTHER_SF_USER, SF_USER, START, USER, World

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
    sia_names: dict[str, str] = field(default_factory=dict)  # the name the SIA user last gave
    subjects: dict[str, set[str]] = field(default_factory=dict)  # every Subject a record had
    subject_edited: set[str] = field(default_factory=set)  # records whose Subject a SF user edited
    sia_deleted: dict[str, datetime] = field(default_factory=dict)
    sf_undeleted: dict[str, datetime] = field(default_factory=dict)  # also: reassigned to the user again
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
            task = self.world.sia.create(
                USER, f"old-{self.rng.randrange(10**9)}", self._values(), Origin.USER, self.world.now
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
        task = self.world.sia.create(USER, f"t-{self.rng.randrange(10**9)}", values, Origin.USER, self.world.now)
        self.oracle.pushed.add(task.id)
        self.oracle.sia_names[task.id] = task.name

    def _sia_task(self) -> str | None:
        tasks = self.world.sia.list(USER)
        return self.rng.choice(tasks).id if tasks else None

    def _sia_edit(self) -> None:
        task_id = self._sia_task()
        if task_id is None:
            return
        field = self.rng.choice(list(TaskField))
        value = getattr(self._values(), field)
        self.world.sia.update(USER, task_id, {field: value}, Origin.USER, self.world.now)
        if field is TaskField.NAME:
            self.oracle.sia_names[task_id] = str(value)

    def _sia_delete(self) -> None:
        task_id = self._sia_task()
        if task_id is None:
            return
        self.world.sia.delete(USER, task_id, Origin.USER, self.world.now)
        self.oracle.sia_deleted[task_id] = self.world.now

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
        if roll < 0.1:
            fields["TaskSubtype"] = "Email"
        elif roll < 0.2:
            fields["OwnerId"] = OTHER_SF_USER
        else:
            fields["TaskSubtype"] = "Task"
        task = self.world.org.create(fields)
        self.oracle.subjects[task.id] = {str(fields["Subject"])}

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
            self.oracle.subjects.setdefault(sf_id, set()).add(str(value))

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
            self.world.org.update(sf_id, {"OwnerId": OTHER_SF_USER if owner == SF_USER else SF_USER})
            if owner != SF_USER:
                # Reassigned to the user: it joins their reminders again, even if they had deleted it.
                self.oracle.sf_undeleted[sf_id] = self.world.now
