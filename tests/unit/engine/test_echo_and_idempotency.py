"""SPEC section 7: no echo, no loops; every event may arrive more than once and takes effect once."""

from __future__ import annotations

from datetime import date

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import Priority, Status, TaskField
from tasksync.domain.salesforce_task import EXTERNAL_ID_FIELD
from tasksync.engine.decisions import SkipReason, UpdateReminder
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.engine.from_salesforce import decide_salesforce_change
from tests.unit.builders import (
    CLIENT_ID,
    OTHER_CLIENT_ID,
    USER,
    SyncWorld,
    at,
    context,
    edited,
    event,
    linked,
    reminder,
    sf_record,
    sf_updated,
)

# -- echo -----------------------------------------------------------------------------------------------


def sia_edit(task, link, minutes, **changes):
    changed = edited(task, at(minutes=minutes), **changes)
    decision = decide_reminder_event(event(changed), link, context(now=at(minutes=minutes)))
    assert decision.link is not None
    return changed, decision.link


def test_the_cdc_event_of_the_syncs_own_write_is_not_applied_to_sia():
    # Given the rep completed the task in SIA and the sync wrote Completed to Salesforce
    task, link = linked()
    task, link = sia_edit(task, link, 20, status=Status.COMPLETE)

    # When that write's CDC event comes back with the sync's client id
    echo = sf_updated(at(minutes=20, seconds=1), client_id=CLIENT_ID, Status="Completed")
    decision = decide_salesforce_change(echo, link, task, context(now=at(minutes=21)))

    # Then nothing happens on either side
    assert decision.reminder is None
    assert decision.salesforce is None
    assert decision.skipped is SkipReason.ECHO


def test_a_late_echo_of_an_earlier_sync_write_does_not_undo_a_later_one():
    # Given the rep completed the task in SIA, then reopened it, and the sync wrote both to Salesforce
    task, link = linked()
    task, link = sia_edit(task, link, 20, status=Status.COMPLETE)
    task, link = sia_edit(task, link, 30, status=Status.OPEN)

    # When the CDC event of the first write arrives only now
    echo = sf_updated(at(minutes=20, seconds=1), client_id=CLIENT_ID, Status="Completed")
    decision = decide_salesforce_change(echo, link, task, context(now=at(minutes=31)))

    # Then the task stays open in SIA and nothing is written again
    assert decision.reminder is None
    assert decision.salesforce is None


def test_a_value_in_the_syncs_own_transaction_that_it_did_not_write_is_salesforces_and_reaches_sia():
    # A Flow set the priority in the same transaction as the sync's write: the event carries the sync's
    # client id, but the value is Salesforce's (docs/decisions/0006-two-clocks.md)
    task, link = linked()
    echo = sf_updated(at(minutes=10), client_id=CLIENT_ID, Priority="High")

    decision = decide_salesforce_change(echo, link, task, context(now=at(minutes=10)))

    assert decision.reminder == UpdateReminder(task.id, {TaskField.PRIORITY: Priority.HIGH}, expected_version=1)
    assert decision.salesforce is None


def test_a_salesforce_change_made_by_another_integration_is_applied():
    task, link = linked()
    change = sf_updated(at(minutes=10), client_id=OTHER_CLIENT_ID, Status="Completed")

    decision = decide_salesforce_change(change, link, task, context(now=at(minutes=10)))

    assert decision.reminder is not None


def test_a_salesforce_change_equal_to_the_last_synced_values_is_a_no_op():
    task, link = linked(priority=Priority.HIGH, due_date=date(2026, 3, 29))
    same = sf_updated(at(minutes=10), Status="Not Started", Priority="High", ActivityDate="2026-03-29")

    decision = decide_salesforce_change(same, link, task, context(now=at(minutes=10)))

    assert decision.reminder is None
    assert decision.salesforce is None
    assert decision.skipped is SkipReason.NO_CHANGE


def test_a_read_record_equal_to_the_last_synced_values_is_a_no_op():
    task, link = linked()

    decision = decide_salesforce_change(
        sf_record(at(minutes=10), Subject=task.name, **{EXTERNAL_ID_FIELD: task.id}),
        link,
        task,
        context(now=at(minutes=10)),
    )

    assert decision.reminder is None
    assert decision.salesforce is None


def test_an_sia_save_that_changes_no_synced_value_writes_nothing_to_salesforce():
    task, link = linked(due_date=date(2026, 3, 29))
    saved_again = edited(task, at(minutes=10))

    decision = decide_reminder_event(event(saved_again), link, context(now=at(minutes=10)))

    assert decision.salesforce is None
    assert decision.skipped is SkipReason.NO_CHANGE


def test_an_sia_event_the_sync_made_is_not_sent_to_salesforce():
    task, link = linked()
    synced_change = edited(task, at(minutes=10), status=Status.COMPLETE)

    decision = decide_reminder_event(event(synced_change, origin=Origin.SYNC), link, context(now=at(minutes=10)))

    assert decision.salesforce is None
    assert decision.skipped is SkipReason.ECHO


def test_a_task_created_by_the_sync_in_sia_is_not_pushed_back():
    imported_copy = reminder(task_id="sf-00T000000000001AAA")

    decision = decide_reminder_event(event(imported_copy, origin=Origin.SYNC), None, context())

    assert decision.salesforce is None
    assert decision.skipped is SkipReason.ECHO


def test_an_edit_on_either_side_makes_one_write_on_the_other_and_no_loop():
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    assert world.org.writes_by_client == 1

    # An SIA edit: one write to Salesforce, and its echo changes nothing in SIA
    world.rep_updates(priority=Priority.HIGH)
    world.sync()
    assert world.org.writes_by_client == 2
    assert world.task().version == 2

    # A Salesforce edit: one SIA update, and its event writes nothing to Salesforce
    world.org.update(world.record_of().id, {"Status": "Completed"})
    world.sync()
    assert world.task().status is Status.COMPLETE
    assert world.task().version == 3
    assert world.org.writes_by_client == 2
    assert world.pending() == []


# -- idempotency ----------------------------------------------------------------------------------------


def test_the_same_sia_event_twice_is_a_duplicate_the_second_time():
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    world.rep_updates(due_date=date(2026, 3, 29))
    update = world.pending()[0]
    world.sync()
    writes = world.org.writes_by_client

    again = world.deliver(update)

    assert again.skipped is SkipReason.DUPLICATE
    assert world.org.writes_by_client == writes


def test_the_same_sia_create_event_twice_makes_one_salesforce_task():
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    created = world.pending()[0]
    world.sync()

    world.deliver(created)

    assert len(world.records_for("task-1")) == 1
    assert world.org.writes_by_client == 1


def test_the_same_salesforce_change_twice_writes_sia_once():
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    world.org.update(world.record_of().id, {"Status": "Completed"})
    completed = world.pending()[0]
    world.sync()
    version = world.task().version

    again = world.deliver(completed)

    assert again.reminder is None
    assert world.task().version == version
    assert world.task().status is Status.COMPLETE


def test_the_same_salesforce_change_twice_through_the_engine_is_no_second_write():
    task, link = linked()
    change = sf_updated(at(minutes=10), Status="Completed")
    first = decide_salesforce_change(change, link, task, context(now=at(minutes=10)))
    assert first.reminder is not None and first.link is not None
    now_complete = edited(task, at(minutes=10, seconds=1), status=Status.COMPLETE)
    link = first.link.model_copy(update={"sia_version": now_complete.version})

    second = decide_salesforce_change(change, link, now_complete, context(now=at(minutes=11)))

    assert second.reminder is None
    assert second.salesforce is None


def test_a_salesforce_task_import_delivered_twice_makes_one_sia_task():
    world = SyncWorld()
    record = world.org.create({"Subject": "Renew Acme contract"})
    created = world.pending()[0]
    world.sync()

    world.deliver(created)

    assert [task.id for task in world.tasks()] == [f"sf-{record.id}"]


def test_a_create_retried_after_its_answer_was_lost_makes_one_salesforce_task():
    # Given the first create lands in Salesforce but its answer is lost (a time-out)
    world = SyncWorld()
    created = world.rep_creates_and_the_answer_is_lost()
    assert len(world.records_for("task-1")) == 1

    # When the queue delivers the event again, and then the create's own CDC event
    world.deliver(created)
    world.sync()

    # Then there is still one record for the task, and the link knows it
    (record,) = world.records_for("task-1")
    assert world.record_of().id == record.id
    assert world.state.link_by_sia_id(USER, "task-1").sf_id == record.id


def test_a_create_retried_after_a_lost_answer_still_sends_an_edit_made_meanwhile():
    world = SyncWorld()
    created = world.rep_creates_and_the_answer_is_lost()
    world.org.feed.clear()  # the create's CDC event is late

    world.rep_updates(priority=Priority.HIGH)
    world.deliver(created)
    world.sync()

    (record,) = world.records_for("task-1")
    assert record.priority == "High"
