"""SPEC 7: a write saved before it was sent, whose answer never came (a crash, a time-out), met by a read
that shows another value Salesforce holds of its own. Either the write never went, or Salesforce changed
the field after it: either way the later of the two changes wins, and the conflict is recorded. Before,
the read was taken for Salesforce replacing the write just made, and Salesforce always won, even with a
change made before the rep's."""

from __future__ import annotations

import dataclasses
from datetime import date

from tasksync.domain.reminder_task import ReminderTask, Status, TaskField
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_link import Side, SyncLink
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import Decision, SkipReason, UpdateReminder, UpdateSalesforceTask
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import (
    CLIENT_ID,
    SF_ID,
    at,
    context,
    decide_sf,
    edited,
    event,
    linked,
    reminder,
    sent_fields,
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


def _read_after_two_salesforce_changes(link: SyncLink, minutes: float) -> SalesforceChange:
    """A record read showing Comments and the Subject changed, the record last modified at ``minutes``."""
    record = sf_record(
        at(minutes=minutes), Description="theirs", Subject="Call Alice (SF)", Status="Not Started", Priority="Normal"
    )
    return dataclasses.replace(record, read_at=at(minutes=40))


def _written_and_shown(decided: Decision, task: ReminderTask) -> SyncLink:
    """The link after the decision's write of "mine" was saved at :40 and its echo came at :41."""
    written = stored(decided.link, at(minutes=40))
    echo = sf_updated(at(minutes=41), client_id=CLIENT_ID, Description="mine")
    return stored(decide_sf(echo, written, task, minutes=42).link or written, at(minutes=42))


def test_a_change_a_read_shows_among_others_is_not_dated_by_the_records_last_modification() -> None:
    # The rep changed Comments at :20. Salesforce's user changed Comments at some time and the Subject at :30;
    # a read says only that the record was last modified at :30. Which of the two Comments changes came first
    # cannot be known: the rep's, made after the sync last knew the field, stands (a tie goes to SIA, SPEC 7).
    link, task = _rep_changes_details_and_the_write_goes_unanswered(minutes=20)

    decided = decide_sf(_read_after_two_salesforce_changes(link, minutes=30), link, task, minutes=40)

    assert decided.reminder is None
    assert isinstance(decided.salesforce, UpdateSalesforceTask)
    assert decided.salesforce.update.values[SalesforceField.DESCRIPTION] == "mine"
    assert [(c.field, c.winner) for c in decided.conflicts] == [(TaskField.DETAILS.value, Side.SIA)]


def test_the_changes_own_event_coming_later_says_it_was_the_later_and_it_wins_back() -> None:
    link, task = _rep_changes_details_and_the_write_goes_unanswered(minutes=20)
    decided = decide_sf(_read_after_two_salesforce_changes(link, minutes=30), link, task, minutes=40)
    shown = _written_and_shown(decided, task)

    # Salesforce's Comments change was made at :25, after the rep's at :20: its event, late, says so.
    late = decide_sf(sf_updated(at(minutes=25), Description="theirs"), shown, task, minutes=50)

    assert isinstance(late.reminder, UpdateReminder)
    assert late.reminder.changes == {TaskField.DETAILS: "theirs"}
    assert (TaskField.DETAILS.value, Side.SALESFORCE) in [(c.field, c.winner) for c in late.conflicts]


def test_a_write_over_a_change_only_a_read_showed_keeps_its_earliest_as_base_so_its_event_can_win_back() -> None:
    # No write on its way: the rep's change at :20 reaches the sync only with the read (sync was off, say).
    task, link = linked(details="first")
    link = stored(link, at(minutes=3))
    task = edited(task, at(minutes=20), details="mine")
    decided = decide_sf(_read_after_two_salesforce_changes(link, minutes=30), link, task, minutes=40)
    assert isinstance(decided.salesforce, UpdateSalesforceTask)
    assert decided.salesforce.update.values[SalesforceField.DESCRIPTION] == "mine"
    shown = _written_and_shown(decided, task)

    late = decide_sf(sf_updated(at(minutes=25), Description="theirs"), shown, task, minutes=50)

    assert isinstance(late.reminder, UpdateReminder)
    assert late.reminder.changes == {TaskField.DETAILS: "theirs"}


def test_an_earlier_event_of_the_field_wins_back_what_salesforce_held_when_the_read_showed_it() -> None:
    # As above; Salesforce's user had set Comments to "draft" at :25 and then to "theirs", which the read at
    # :40 showed. The late event of "draft" says Salesforce changed the field after the rep (:20): it wins,
    # with what Salesforce held, not the value it moved on from (sim seed 3622, a late event's first delivery).
    task, link = linked(details="first")
    link = stored(link, at(minutes=3))
    task = edited(task, at(minutes=20), details="mine")
    decided = decide_sf(_read_after_two_salesforce_changes(link, minutes=30), link, task, minutes=40)
    shown = _written_and_shown(decided, task)

    late = decide_sf(sf_updated(at(minutes=25), Description="draft"), shown, task, minutes=50)

    assert isinstance(late.reminder, UpdateReminder)
    assert late.reminder.changes == {TaskField.DETAILS: "theirs"}
    assert sent_fields(late).get("Description") == "theirs"


def test_a_synced_value_salesforce_moved_on_from_reaches_sia_when_its_event_comes_late() -> None:
    # The rep completed the task at :20. A Salesforce user set Not Started at :25, then Waiting on someone else;
    # a read at :40 showed that (and the Subject changed), undated, and the rep's Completed was written over
    # it. The late event of Not Started says Salesforce changed the status after the rep: applied in order,
    # SIA takes Not Started (open) and keeps it, and Salesforce keeps Waiting (SPEC 2, 7; sim seed 3024).
    task, link = linked()
    link = stored(link, at(minutes=3))
    task = edited(task, at(minutes=20), status=Status.COMPLETE)
    record = sf_record(at(minutes=30), Subject="Call Alice (SF)", Status="Waiting on someone else", Priority="Normal")
    decided = decide_sf(dataclasses.replace(record, read_at=at(minutes=40)), link, task, minutes=40)
    assert sent_fields(decided).get("Status") == "Completed"
    written = stored(decided.link, at(minutes=40))
    echo = sf_updated(at(minutes=41), client_id=CLIENT_ID, Status="Completed")
    shown = stored(decide_sf(echo, written, task, minutes=42).link or written, at(minutes=42))

    # The user's change, in Lightning (its event names that client: no echo of the create's Not Started).
    late = decide_sf(sf_updated(at(minutes=25), client_id="SfdcInternalAPI/", Status="Not Started"), shown, task, 50)

    assert isinstance(late.reminder, UpdateReminder)
    assert late.reminder.changes == {TaskField.STATUS: Status.OPEN}
    assert sent_fields(late).get("Status") == "Waiting on someone else"


def test_a_subject_automation_gave_the_create_does_not_stand_for_an_unsent_rename() -> None:
    # The rep's task went to Salesforce at minute 2, where automation prefixed its Subject; the create's CDC
    # event never came. The rep renamed the task at 20, and that write's answer never came. A Salesforce
    # user raised the priority at 22.
    task = reminder("Call Alice back")
    created = decide_reminder_event(event(task), None, context(now=at(minutes=2)))
    assert created.link is not None
    task = edited(task, at(minutes=20), name="Call Bob")
    renamed = decide_reminder_event(event(task), created.link.updated(sf_id=SF_ID), context(now=at(minutes=20)))
    assert renamed.link is not None
    link = stored(renamed.link.updated(unsent=(SalesforceField.SUBJECT,)), at(minutes=20))
    record = sf_record(at(minutes=22), Subject="[SF] Call Alice back", Status="Not Started", Priority="High")
    read = dataclasses.replace(record, read_at=at(minutes=25))

    decided = decide_sf(read, link, task, minutes=25)

    # The record's last modification dates the priority, not the Subject: no Subject edit is known later
    # than the rename, which is sent again (SPEC 3, 7), and the priority comes to SIA.
    assert sent_fields(decided).get("Subject") == "Call Bob"
    assert isinstance(decided.reminder, UpdateReminder)
    assert decided.reminder.changes == {TaskField.PRIORITY: "high"}


def test_a_late_change_event_met_with_an_unanswered_write_reads_the_record_before_any_resend() -> None:
    link, task = _rep_changes_details_and_the_write_goes_unanswered(minutes=20)
    # An older change of another field, delivered late: it says nothing of the write, nor of a Comments
    # edit Salesforce's user may have made since, which a resend would write over (seed 7669, a Subject).
    late = sf_updated(at(minutes=15), Priority="High")

    decided = decide_sf(late, link, task, minutes=30)

    assert decided.skipped is SkipReason.NEEDS_RECORD
    assert decided.salesforce is None
