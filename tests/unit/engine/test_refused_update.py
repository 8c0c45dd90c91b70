"""A refused update lands in no part (sObject Collections, one record's error): what the sync resent
with it is still not in Salesforce, and a later read that shows the old value is no Salesforce edit."""

from __future__ import annotations

import contextlib
from datetime import date

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Status
from tasksync.engine.changes import SalesforceChange
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.use_cases.reminder_events import apply_reminder_event
from tests.unit.builders import SyncWorld

MOVED = date(2026, 3, 30)


def test_a_due_date_resent_with_a_refused_change_is_not_taken_back_by_the_next_read() -> None:
    world = SyncWorld()
    world.rep_creates(details="bring pricing")
    world.sync()
    record = world.record_of()
    world.rep_updates(due_date=MOVED)
    (moved,) = world.pending()
    assert isinstance(moved, ReminderTaskEvent)
    world.mark_delivered()
    world.fault = lambda moment: (
        SalesforceError(ErrorKind.TRANSIENT, "SERVER_UNAVAILABLE", "down") if moment == "before update_tasks" else None
    )
    with contextlib.suppress(SalesforceError):  # back to its queue; the write is remembered as unsent
        apply_reminder_event(moved, world.settings, world.services)
    world.fault = None
    world.org.validation_rules.append(lambda before, after, by_api: "no" if after.get("Description") == "x" else None)
    world.rep_updates(details="x")
    world.sync()  # the due date goes again with the refused details: neither lands
    assert world.org.records[record.id].activity_date is None

    world.tick(60)
    # The record read again (a gap event, the reconciliation): it shows the due date from before.
    world.deliver(SalesforceChange.of_record(world.org.records[record.id], world.now))

    task = world.task()
    assert task is not None and task.due_date == MOVED


def test_a_rename_refused_with_its_update_reaches_the_subject_with_the_reps_next_change() -> None:
    # Given a rule that refuses the rep's new name for a while
    world = SyncWorld()
    world.rep_creates()
    world.sync()

    def refuse(before: object, after: dict[str, object], by_api: bool) -> str | None:
        return "not that name" if after.get("Subject") == "Call Bob" else None

    world.org.validation_rules.append(refuse)
    world.rep_updates(name="Call Bob")
    world.sync()
    assert world.record_of().subject == "Call Alice back"

    # When the rule is lifted and the rep completes the task (the template does not show the status)
    world.org.validation_rules.remove(refuse)
    world.rep_updates(status=Status.COMPLETE)
    world.sync()

    # Then the rename, never agreed, goes with the completion (SPEC 3)
    record = world.record_of()
    assert (record.subject, record.status) == ("Call Bob", "Completed")
