"""SPEC 7: a write saved before it was sent, whose answer never came (a crash, a time-out), met by a read
that shows another value Salesforce holds of its own. Either the write never went, or Salesforce changed
the field after it: either way the later of the two changes wins, and the conflict is recorded. Before,
the read was taken for Salesforce replacing the write just made, and Salesforce always won, even with a
change made before the rep's."""

from __future__ import annotations

import dataclasses
from datetime import date

from tasksync.domain.reminder_task import ReminderTask, TaskField
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_link import Side, SyncLink
from tasksync.engine.decisions import SkipReason, UpdateReminder, UpdateSalesforceTask
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import (
    SF_ID,
    at,
    context,
    decide_sf,
    edited,
    event,
    linked,
    reminder,
    sf_record,
    sf_updated,
    stored,
)


def _rep_changes_details_and_the_write_goes_unanswered(minutes: float) -> tuple[SyncLink, ReminderTask]:
    task, link = linked(details="first")
    return _unanswered_edit(link, task, minutes)


def _unanswered_edit(link: SyncLink, task: ReminderTask, minutes: float) -> tuple[SyncLink, ReminderTask]:
    task = edited(task, at(minutes=minutes), details="mine")
    decided = decide_reminder_event(event(task), link, context(now=at(minutes=minutes)))
    assert isinstance(decided.salesforce, UpdateSalesforceTask)
    assert decided.link is not None
    # As carry_out saves it before sending: the write marked unsent.
    unsent = stored(decided.link.updated(unsent=(SalesforceField.DESCRIPTION,)), at(minutes=minutes))
    return unsent, task


def test_a_salesforce_change_older_than_the_reps_loses_to_it() -> None:
    link, task = _rep_changes_details_and_the_write_goes_unanswered(minutes=20)
    # Salesforce's user changed Comments at minute 10, before the rep's change at 20; the event that made
    # the sync read says when. The write never went.
    prompt = sf_updated(at(minutes=10), Description="theirs")
    record = sf_record(at(minutes=10), Description="theirs", Status="Not Started", Priority="Normal")
    read = dataclasses.replace(record, read_at=at(minutes=25), prompted_by=prompt)

    decided = decide_sf(read, link, task, minutes=25)

    assert decided.reminder is None  # the rep's "mine" stays in SIA
    assert isinstance(decided.salesforce, UpdateSalesforceTask)
    assert decided.salesforce.update.values[SalesforceField.DESCRIPTION] == "mine"
    assert [(c.field, c.winner) for c in decided.conflicts] == [(TaskField.DETAILS.value, Side.SIA)]


def test_a_salesforce_change_newer_than_the_reps_wins() -> None:
    link, task = _rep_changes_details_and_the_write_goes_unanswered(minutes=20)
    # Changed at minute 24, after the rep's change (the write landed, or not: Salesforce's is later).
    record = sf_record(at(minutes=24), Description="theirs", Status="Not Started", Priority="Normal")
    read = dataclasses.replace(record, read_at=at(minutes=25))

    decided = decide_sf(read, link, task, minutes=25)

    assert isinstance(decided.reminder, UpdateReminder)
    assert decided.reminder.changes == {TaskField.DETAILS: "theirs"}
    assert [(c.field, c.winner) for c in decided.conflicts] == [(TaskField.DETAILS.value, Side.SALESFORCE)]


def test_a_field_emptied_after_a_create_whose_event_was_lost_is_a_change_not_the_create_unlanded() -> None:
    # The rep's task went to Salesforce at minute 2; the create answered, but its CDC event never came, so
    # no write of it was shown. Salesforce's user emptied Comments at minute 3.
    task = reminder("Call Alice back", details="first")
    created = decide_reminder_event(event(task), None, context(now=at(minutes=2)))
    assert created.link is not None
    link = created.link.updated(sf_id=SF_ID)
    link, task = _unanswered_edit(link, task, minutes=20)
    record = sf_record(at(minutes=3), Description=None, Status="Not Started", Priority="Normal")
    read = dataclasses.replace(record, read_at=at(minutes=25))

    decided = decide_sf(read, link, task, minutes=25)

    # The record exists, so its create landed: an empty field is Salesforce's change, not what the field held
    # before the create. The rep's later change wins, and the conflict is recorded (SPEC 7).
    assert decided.reminder is None
    assert isinstance(decided.salesforce, UpdateSalesforceTask)
    assert decided.salesforce.update.values[SalesforceField.DESCRIPTION] == "mine"
    assert [(c.field, c.winner) for c in decided.conflicts] == [(TaskField.DETAILS.value, Side.SIA)]


def test_a_newer_change_of_the_reps_reads_the_record_before_resending_an_unanswered_write() -> None:
    link, task = _rep_changes_details_and_the_write_goes_unanswered(minutes=20)
    # Salesforce's user may have changed Comments since (their event is still on its way); the rep moves the
    # due date. Sending it with the unanswered Comments again, unread, would write over that change.
    task = edited(task, at(minutes=30), due_date=date(2026, 3, 1))

    decided = decide_reminder_event(event(task), link, context(now=at(minutes=30)))

    assert decided.skipped is SkipReason.NEEDS_RECORD
    assert decided.salesforce is None
