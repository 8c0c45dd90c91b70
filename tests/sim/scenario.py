"""The users of both systems acting at random, and what happens to the systems themselves: time passing,
sync turned off and on, grants revoked, outages, the org's automation and validation rules."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import date, timedelta

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import Priority, Status, TaskField, TaskValues
from tasksync.ports.salesforce import SalesforceError
from tests.fakes.salesforce import Automation, high_priority_when_completed, prefix_subject, revert_api_writes_of
from tests.sim.world import OTHER_SF_USER, REPS, START, World

SUBJECTS = ["Call Ana", "Send deck", "Follow up\nwith Bo", "Renewal", "Call Ana ", "Demo prep"]
NAMES = [*SUBJECTS, "L" * 252]
"""SIA names may be longer than a Subject holds: the rendered Subject is cut (SPEC 3)."""
REFUSED = "REFUSED by a validation rule"
"""Details the org's validation rule refuses, in seeds that have the rule: a permanent error."""
DETAILS = ["", "bring pricing", "see notes", "x" * 40, REFUSED]
DUE_DATES: list[date | None] = [None, date(2026, 1, 5), date(2026, 1, 6), date(2026, 2, 1)]
SF_STATUSES = ["Not Started", "In Progress", "Completed", "Deferred", "Waiting on someone else"]
SF_PRIORITIES = ["High", "Normal", "Low"]
SUBJECT_PREFIX = "[SF] "
SYNCED_VALUES: dict[str, list[object]] = {
    "Status": ["Not Started", "Completed"],
    "Priority": ["Normal", "High"],
    "ActivityDate": list(DUE_DATES),
    "Description": [None, "bring pricing", "see notes"],
}
"""Values both sides hold: the crossed edits are the conflicts SPEC 7 orders (Salesforce-only values and
refused ones meet other rules, exercised by the users' own edits)."""
CONFLICTING = [
    (TaskField.STATUS, "Status"),
    (TaskField.PRIORITY, "Priority"),
    (TaskField.DUE_DATE, "ActivityDate"),
    (TaskField.DETAILS, "Description"),
]
TEMPLATES = ["{{activity_subject}}", "[SIA] {{activity_subject}}", "{{activity_subject}} due {{activity_due_date}}"]


class Users:
    def __init__(self, world: World) -> None:
        self.world = world
        self.rng = world.rng
        self.user_ops = 0
        self.validation_rule = self.rng.random() < 0.3
        if self.validation_rule:
            world.org.validation_rules.append(_refuse_details)
        automation = self.rng.choice(AUTOMATIONS + [None] * 6)
        if automation is not None:
            world.org.automation.append(automation())
        self.subject_prefix = SUBJECT_PREFIX if automation is AUTOMATIONS[0] else None

    def history(self, count: int) -> None:
        """Salesforce tasks from before sync was on: those of the last 24 hours are imported by the first
        sync, older ones only once they change (SPEC 5.1 and 6)."""
        saved = self.world.now
        # Old ones first: the org's commit clock never goes back.
        for old in sorted((self.rng.random() < 0.5 for _ in range(count)), reverse=True):
            self.world.now = START - (timedelta(days=3) if old else timedelta(hours=2))
            self._sf_create()
        self.world.now = saved

    def before_sync(self, count: int) -> None:
        """Tasks the rep had before turning sync on: they stay local (SPEC 5.2)."""
        saved = self.world.now
        self.world.now = START - timedelta(days=1)
        for _ in range(count):
            user = self.rng.choice(list(REPS))
            self.world.sia.create(user, f"old-{self.rng.randrange(10**9)}", self._values(), Origin.USER, self.world.now)
        self.world.now = saved

    def act(self) -> None:
        self.user_ops += 1
        roll = self.rng.random()
        if roll < 0.08:
            self._weather(roll)
            return
        if roll < 0.11:
            self._crossed_edits()
            return
        action = self.rng.choice(
            [
                self._sia_create,
                self._sia_edit,
                self._sia_edit,
                self._sia_burst,
                self._sia_delete,
                self._sf_create,
                self._sf_edit,
                self._sf_edit,
                self._sf_delete,
                self._sf_delete_unheard,
                self._sf_undelete,
                self._sf_reassign,
            ]
        )
        action()

    def _weather(self, roll: float) -> None:
        """What happens to the system rather than in it: time passes, a rep turns sync off or on, a grant
        is revoked or restored, Salesforce is down for a while."""
        world, user = self.world, self.rng.choice(list(REPS))
        if roll < 0.03:
            world.now += timedelta(minutes=self.rng.randint(3, 90))
        elif roll < 0.05:
            world.set_sync(user, not world.settings(user).enabled)
        elif roll < 0.065:
            if user in world.revoked:
                world.reconnect(user)
            else:
                world.revoke(user)
        elif roll < 0.075:
            world.org.empty_recycle_bin()  # hard deletes: getDeleted no longer answers for them
        else:
            world.outage_until = world.now + timedelta(minutes=self.rng.randint(2, 20))

    def _crossed_edits(self) -> None:
        """Both sides change one field of one linked task minutes apart while Salesforce is down, so that
        neither change reaches the other side before the other is made: a conflict the later change wins,
        and is recorded (SPEC 7)."""
        world = self.world
        linked = [
            (user, task_id, link.sf_id)
            for (user, task_id), link in sorted(world.state.links.items())
            if link.sf_id in world.org.records
            and (user, task_id) in world.sia.tasks
            and world.settings(user).syncing
            and user not in world.revoked
        ]
        if not linked:
            return
        user, task_id, sf_id = self.rng.choice(linked)
        field, api_name = self.rng.choice(CONFLICTING)
        world.outage_until = max(world.outage_until or world.now, world.now + timedelta(minutes=15))
        for in_sia in self.rng.sample([True, False], 2):
            if in_sia:
                value = getattr(self._values(), field)
                world.sia.update(user, task_id, {field: value if value != REFUSED else ""}, Origin.USER, world.now)
            else:
                world.org.update(sf_id, {api_name: self.rng.choice(SYNCED_VALUES[api_name])})
            world.now += timedelta(minutes=self.rng.randint(3, 8))

    def settle(self) -> None:
        """At the end every rep is connected and syncing, so that the whole promise can be judged."""
        for user in REPS:
            if user in self.world.revoked:
                self.world.reconnect(user)
            if not self.world.settings(user).enabled:
                self.world.set_sync(user, True)

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
        self.world.sia.create(user, f"t-{self.rng.randrange(10**9)}", values, Origin.USER, self.world.now)

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

    def _sia_burst(self) -> None:
        """The rep changes one field of a task again and again, seconds apart, while the sync writes each
        change: echoes of writes the sync no longer keeps (it keeps two a field) come back, reordered by the
        relay, and must still be known for the sync's own by their client id (SPEC 7: no echo)."""
        chosen = self._sia_task()
        if chosen is None:
            return
        user, task_id = chosen
        field = self.rng.choice(list(TaskField))
        world = self.world
        for _ in range(self.rng.randint(3, 5)):
            if (user, task_id) not in world.sia.tasks:
                return
            world.sia.update(user, task_id, {field: getattr(self._values(), field)}, Origin.USER, world.now)
            world.tick(3_000)
            while self.rng.random() < 0.8 and world.deliver_due():
                pass

    def _sia_delete(self) -> None:
        chosen = self._sia_task()
        if chosen is None:
            return
        user, task_id = chosen
        self.world.sia.delete(user, task_id, Origin.USER, self.world.now)

    # -- the Salesforce user, in the Salesforce UI -------------------------------------------------
    def _sf_fields(self) -> dict[str, object]:
        fields: dict[str, object] = {
            "Subject": self.rng.choice(SUBJECTS),
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
        fields["IsRecurrence"] = 0.1 <= roll < 0.15  # a recurring series' master: never a reminder (SPEC 4)
        with contextlib.suppress(SalesforceError):  # the validation rule refused the user's save
            self.world.org.create(fields)

    def _sf_record(self) -> str | None:
        ids = sorted(self.world.org.records)
        return self.rng.choice(ids) if ids else None

    def _sf_edit(self) -> None:
        sf_id = self._sf_record()
        if sf_id is None:
            return
        name, value = self.rng.choice(list(self._sf_fields().items()))
        with contextlib.suppress(SalesforceError):  # the validation rule refused the user's save
            self.world.org.update(sf_id, {name: value})

    def _sf_delete(self) -> None:
        sf_id = self._sf_record()
        if sf_id is not None:
            self.world.org.delete(sf_id)

    def _sf_delete_unheard(self) -> None:
        """A Salesforce user deletes a record whose change event never arrives (the stream was down past
        its 72-hour retention): only the deletion sweep tells the sync (SPEC 6)."""
        sf_id = self._sf_record()
        if sf_id is None:
            return
        org = self.world.org
        sending, org.on_change = org.on_change, self.world.queues.lose
        try:
            org.delete(sf_id)
        finally:
            org.on_change = sending

    def _sf_undelete(self) -> None:
        ids = sorted(self.world.org.recycle_bin)
        if ids:
            sf_id = self.rng.choice(ids)
            self.world.org.undelete(sf_id)

    def _sf_reassign(self) -> None:
        sf_id = self._sf_record()
        if sf_id is not None:
            owner = self.world.org.records[sf_id].owner_id
            new_owner = self.rng.choice([o for o in [*REPS.values(), OTHER_SF_USER] if o != owner])
            self.world.org.update(sf_id, {"OwnerId": new_owner})


def _refuse_details(before: object, after: dict[str, object], by_api: bool) -> str | None:
    return "Comments may not say that" if after.get("Description") == REFUSED else None


AUTOMATIONS: list[Callable[[], Automation]] = [
    lambda: prefix_subject(SUBJECT_PREFIX),
    high_priority_when_completed,
    lambda: revert_api_writes_of("Priority"),
    lambda: revert_api_writes_of("ActivityDate"),
]
"""The three shapes of Salesforce automation (SPEC 7): one stamping a synced field on every save, one
setting a field when another changes, one undoing what an API client wrote."""
