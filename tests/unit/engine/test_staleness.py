"""SPEC section 7: ordered per task and stale-safe. An event older than what was already applied (SIA
version, CDC commit time) changes nothing."""

from __future__ import annotations

import dataclasses
from datetime import date

from tasksync.domain.reminder_task import Priority, Status, TaskField
from tasksync.domain.sync_link import LinkState
from tasksync.engine.decisions import DeleteReminder, SkipReason, UpdateReminder
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import (
    SF_ID,
    SyncWorld,
    applied,
    at,
    context,
    decide_sf,
    edited,
    event,
    linked,
    reminder,
    sent_fields,
    sf_deleted,
    sf_record,
    sf_undeleted,
    sf_updated,
    stored,
)

# -- SIA versions ---------------------------------------------------------------------------------------


def test_an_sia_event_older_than_the_applied_version_changes_nothing():
    # Given the rep moved the due date twice and the second move was applied
    task, link = linked()
    first = edited(task, at(minutes=10), due_date=date(2026, 3, 28))
    second = edited(first, at(minutes=11), due_date=date(2026, 3, 29))
    link = decide_reminder_event(event(second), link, context(now=at(minutes=12))).link

    # When the event of the first move arrives late
    decision = decide_reminder_event(event(first), link, context(now=at(minutes=13)))

    # Then Salesforce keeps the later date
    assert decision.salesforce is None
    assert decision.skipped is SkipReason.STALE


def test_sia_events_arriving_out_of_order_leave_salesforce_with_the_latest_values():
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    world.rep_updates(due_date=date(2026, 3, 28))
    world.rep_updates(due_date=date(2026, 3, 29))
    first, second = world.pending()
    world.mark_delivered()

    world.deliver(second)
    world.deliver(first)
    world.sync()

    assert world.record_of().activity_date == date(2026, 3, 29)


# -- Salesforce commit times ----------------------------------------------------------------------------


def test_a_salesforce_update_older_than_the_fields_newest_change_changes_nothing():
    # Given the rep completed the task in Salesforce at :20, and SIA applied it
    task, link = linked()
    completed = decide_sf(sf_updated(at(minutes=20), Status="Completed"), link, task, 21)
    task, link = applied(task, completed, at(minutes=21)), completed.link

    # When an update from :15 that reopened it arrives late
    decision = decide_sf(sf_updated(at(minutes=15), Status="Not Started"), link, task, 22)

    # Then the task stays complete
    assert decision.reminder is None
    assert decision.salesforce is None


def test_a_salesforce_update_older_than_an_sia_change_of_the_field_does_not_undo_it():
    # Given the rep raised the priority in SIA at :20 and the sync wrote it to Salesforce
    task, link = linked()
    raised = edited(task, at(minutes=20), priority=Priority.HIGH)
    link = decide_reminder_event(event(raised), link, context(now=at(minutes=20))).link

    # When a Salesforce change from :15 to Normal arrives late
    decision = decide_sf(sf_updated(at(minutes=15), Priority="Normal"), link, raised, 22)

    # Then the task stays high
    assert decision.reminder is None or TaskField.PRIORITY not in decision.reminder.changes


def test_out_of_order_salesforce_changes_of_different_fields_both_land():
    task, link = linked()
    later = decide_sf(sf_updated(at(minutes=20), Status="Completed"), link, task, 21)
    task, link = applied(task, later, at(minutes=21)), later.link

    earlier = decide_sf(sf_updated(at(minutes=15), Priority="High"), link, task, 22)

    assert isinstance(earlier.reminder, UpdateReminder)
    assert earlier.reminder.changes == {TaskField.PRIORITY: Priority.HIGH}


def test_a_synced_change_whose_event_comes_after_a_later_unsynced_one_still_reaches_sia():
    # Salesforce's user completed the task at :15 and set it In Progress at :20; the :20 event came first,
    # and SIA stayed open (In Progress is not synced). Applied in order, SIA is complete (SPEC 2, 7).
    task, link = linked()
    in_progress = decide_sf(sf_updated(at(minutes=20), Status="In Progress"), link, task, 21)
    assert in_progress.reminder is None and in_progress.salesforce is None
    link = in_progress.link or link

    decision = decide_sf(sf_updated(at(minutes=15), Status="Completed"), link, task, 22)

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.STATUS: Status.COMPLETE}
    assert decision.salesforce is None  # the record stays In Progress


def test_a_synced_change_older_than_a_read_that_shows_an_unsynced_value_still_reaches_sia():
    # A read at :20 finds the priority Low; the event of Salesforce's change to High at :15 comes after it.
    task, link = linked()
    read = decide_sf(
        sf_record(at(minutes=20), Subject=task.name, Priority="Low"), stored(link, at(minutes=3)), task, 21
    )
    assert read.reminder is None and read.salesforce is None
    link = read.link or link

    decision = decide_sf(sf_updated(at(minutes=15), Priority="High"), link, task, 22)

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.PRIORITY: Priority.HIGH}
    assert decision.salesforce is None  # the record stays Low


def test_a_synced_change_whose_event_made_the_sync_read_a_later_unsynced_value_still_reaches_sia():
    # The event of Salesforce's change to High at :15 made the sync read the record: by then it was Low.
    task, link = linked()
    prompt = sf_updated(at(minutes=15), Priority="High")
    record = sf_record(at(minutes=20), Subject=task.name, Priority="Low")
    read = dataclasses.replace(record, read_at=at(minutes=21), prompted_by=prompt)

    decision = decide_sf(read, stored(link, at(minutes=3)), task, 21)

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.PRIORITY: Priority.HIGH}
    assert decision.salesforce is None


def test_a_synced_change_after_the_syncs_create_reaches_sia_behind_a_read_of_a_later_unsynced_value():
    # The sync created the record at :2 and never saw its echo; a read at :20 finds it Deferred. The event of
    # Salesforce's completion at :10 comes after the read: the create's write came before every change.
    task = reminder()
    created = decide_reminder_event(event(task), None, context(now=at(minutes=2)))
    assert created.link is not None
    link = stored(created.link.updated(sf_id=SF_ID), at(minutes=3))
    read = decide_sf(sf_record(at(minutes=20), Subject=task.name, Status="Deferred"), link, task, 21)
    link = read.link or link

    decision = decide_sf(sf_updated(at(minutes=10), Status="Completed"), link, task, 22)

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.STATUS: Status.COMPLETE}


def test_a_synced_change_older_than_the_last_synced_one_stays_behind_a_later_unsynced_one():
    # Completed at :20 reached SIA; In Progress at :25 left it complete. A reopening from :15 comes late:
    # the last synced change, :20's, stands.
    task, link = linked()
    completed = decide_sf(sf_updated(at(minutes=20), Status="Completed"), link, task, 21)
    task, link = applied(task, completed, at(minutes=21)), completed.link
    link = decide_sf(sf_updated(at(minutes=25), Status="In Progress"), link, task, 26).link or link

    decision = decide_sf(sf_updated(at(minutes=15), Status="Not Started"), link, task, 27)

    assert decision.reminder is None
    assert decision.salesforce is None


def test_a_read_record_older_than_an_applied_change_does_not_undo_it():
    task, link = linked()
    completed = decide_sf(sf_updated(at(minutes=20), Status="Completed"), link, task, 21)
    task, link = applied(task, completed, at(minutes=21)), completed.link

    decision = decide_sf(sf_record(at(minutes=15), Subject=task.name, Status="Not Started"), link, task, 22)

    assert decision.reminder is None
    assert task.status is Status.COMPLETE


def test_a_delete_older_than_an_undelete_is_stale():
    # Given the record was deleted at :10 and undeleted at :20, and the undelete arrived first
    task, link = linked()
    undelete = decide_sf(sf_undeleted(at(minutes=20), Subject=task.name), link, task, 21)
    link = undelete.link or link
    assert link.state is LinkState.ACTIVE

    # When the delete of :10 arrives
    decision = decide_sf(sf_deleted(at(minutes=10)), link, task, 22)

    # Then the task stays
    assert decision.skipped is SkipReason.STALE
    assert decision.reminder is None


def test_a_redelivered_delete_after_the_undelete_brought_the_task_back_is_stale():
    task, link = linked()
    gone = decide_sf(sf_deleted(at(minutes=10)), link, task, 11)
    assert gone.reminder == DeleteReminder(task.id, expected_version=task.version)
    back = decide_sf(sf_record(at(minutes=20), Subject=task.name), stored(gone.link, at(minutes=11)), None, 21)
    assert back.link is not None and back.reminder is not None
    restored = reminder(task.name, version=back.reminder.version, created_at=at(minutes=21))

    decision = decide_sf(sf_deleted(at(minutes=10)), back.link, restored, 22)

    assert decision.reminder is None
    assert decision.salesforce is None


def test_a_copy_brought_back_starts_from_the_record_as_read_not_from_a_change_met_late():
    # Deleted at :10 and read back at :20 In Progress: the copy comes back open. Salesforce's completion of
    # :8, whose event comes only now, is older than the record the copy was made from.
    task, link = linked()
    gone = decide_sf(sf_deleted(at(minutes=10)), link, task, 11)
    read = sf_record(at(minutes=20), Subject=task.name, Status="In Progress")
    back = decide_sf(read, stored(gone.link, at(minutes=11)), None, 21)
    assert back.link is not None and back.reminder is not None
    restored = reminder(task.name, version=back.reminder.version, created_at=at(minutes=21))

    decision = decide_sf(sf_updated(at(minutes=8), Status="Completed"), back.link, restored, 22)

    assert decision.reminder is None
    assert decision.salesforce is None


def test_an_sia_edit_after_a_salesforce_change_is_sent_even_if_that_change_arrives_later():
    # The rep changed the priority in Salesforce at :10 and the details in SIA at :20
    task, link = linked()
    detailed = edited(task, at(minutes=20), details="Bring the NDA")
    pushed_details = decide_reminder_event(event(detailed), link, context(now=at(minutes=20)))
    assert sent_fields(pushed_details) == {"Description": "Bring the NDA"}

    decision = decide_sf(sf_updated(at(minutes=10), Priority="High"), pushed_details.link, detailed, 21)

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.PRIORITY: Priority.HIGH}
    assert decision.salesforce is None
