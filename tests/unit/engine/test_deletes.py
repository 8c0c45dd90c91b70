"""SPEC section 7: a task deleted on one side is deleted on the other and never resurrected by a late
update; a Salesforce UNDELETE brings it back."""

from __future__ import annotations

from datetime import date

from tasksync.domain.reminder_task import Priority, Status, Tombstone
from tasksync.domain.sync_link import LinkState, Side
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import (
    CreateReminder,
    DeleteReminder,
    DeleteSalesforceTask,
    SkipReason,
)
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.engine.from_salesforce import decide_salesforce_change
from tests.unit.builders import (
    SF_ID,
    USER,
    SyncWorld,
    at,
    context,
    decide_sf,
    deleted,
    edited,
    event,
    linked,
    reminder,
    sf_deleted,
    sf_record,
    sf_undeleted,
    sf_updated,
    stored,
)

# -- SIA delete -> Salesforce delete --------------------------------------------------------------------


def test_deleting_a_task_in_sia_deletes_it_in_salesforce():
    task, link = linked()

    decision = decide_reminder_event(deleted(task, at(minutes=10)), link, context(now=at(minutes=10)))

    assert decision.salesforce == DeleteSalesforceTask(SF_ID)
    assert decision.link is not None
    assert (decision.link.state, decision.link.deleted_by) == (LinkState.DELETED, Side.SIA)


def test_a_late_sia_update_after_the_sia_delete_does_not_write_salesforce():
    task, link = linked()
    edit = edited(task, at(minutes=5), priority=Priority.HIGH)
    gone = decide_reminder_event(deleted(edit, at(minutes=10)), link, context(now=at(minutes=10)))

    decision = decide_reminder_event(event(edit), gone.link, context(now=at(minutes=11)))

    assert decision.salesforce is None
    assert decision.skipped is SkipReason.DELETED


def test_a_late_salesforce_update_after_an_sia_delete_does_not_bring_the_task_back():
    task, link = linked()
    gone = decide_reminder_event(deleted(task, at(minutes=10)), link, context(now=at(minutes=10)))

    decision = decide_sf(sf_updated(at(minutes=8), Status="Completed"), gone.link, None, 11)

    assert not isinstance(decision.reminder, CreateReminder)


def test_the_cdc_delete_that_confirms_an_sia_delete_changes_nothing_in_sia():
    task, link = linked()
    gone = decide_reminder_event(deleted(task, at(minutes=10)), link, context(now=at(minutes=10)))

    decision = decide_sf(sf_deleted(at(minutes=10, seconds=1), client_id="tasksync"), gone.link, None, 11)

    assert decision.reminder is None
    assert decision.salesforce is None


def test_an_sia_task_deleted_before_its_create_was_delivered_never_reaches_salesforce():
    task = reminder()
    gone = decide_reminder_event(deleted(task, at(minutes=5)), None, context(now=at(minutes=6)))

    decision = decide_reminder_event(event(task), gone.link, context(now=at(minutes=7)))

    assert decision.salesforce is None


# -- Salesforce delete -> SIA delete --------------------------------------------------------------------


def test_deleting_a_task_in_salesforce_deletes_it_in_sia():
    task, link = linked()

    decision = decide_sf(sf_deleted(at(minutes=10)), link, task, 10)

    assert decision.reminder == DeleteReminder(task.id, expected_version=task.version)
    assert decision.salesforce is None
    assert decision.link is not None
    assert (decision.link.state, decision.link.deleted_by) == (LinkState.DELETED, Side.SALESFORCE)


def test_a_late_salesforce_update_after_the_salesforce_delete_does_not_resurrect_the_task():
    # Given the task was completed in Salesforce at :8 and deleted at :10, and the delete arrived first
    task, link = linked()
    gone = decide_sf(sf_deleted(at(minutes=10)), link, task, 10)

    # When the update of :8 arrives
    decision = decide_sf(sf_updated(at(minutes=8), Status="Completed"), gone.link, None, 11)

    # Then the task stays deleted
    assert decision.reminder is None
    assert decision.skipped is SkipReason.DELETED


def test_a_late_sia_update_after_the_salesforce_delete_does_not_recreate_the_record():
    task, link = linked()
    edit = edited(task, at(minutes=8), due_date=date(2026, 3, 29))
    gone = decide_sf(sf_deleted(at(minutes=10)), link, edit, 10)

    decision = decide_reminder_event(event(edit), gone.link, context(now=at(minutes=11)))

    assert decision.salesforce is None
    assert decision.reminder is None


def test_a_salesforce_delete_of_a_record_sia_never_linked_changes_nothing():
    decision = decide_sf(sf_deleted(at(minutes=10)), None, None, 10)

    assert decision.reminder is None
    assert decision.salesforce is None


# -- UNDELETE -------------------------------------------------------------------------------------------


def test_an_undelete_makes_the_engine_read_the_record_then_restores_the_task_under_its_old_id():
    # Given a task the rep renamed in SIA and then deleted in Salesforce
    task, link = linked()
    renamed = edited(task, at(minutes=5), name="Call Alice about the renewal")
    link = decide_reminder_event(event(renamed), link, context(now=at(minutes=5))).link
    gone = decide_sf(sf_deleted(at(minutes=10)), link, renamed, 10)
    assert gone.link is not None
    # (the sync's SIA delete made version 3, and the link learnt it)
    tombstone = stored(gone.link.updated(sia_version=renamed.version + 1), at(minutes=10))

    # When the record is undeleted, the engine first asks for the record
    asked = decide_sf(sf_undeleted(at(minutes=20), Subject="Call Alice about the renewal"), tombstone, None, 20)
    assert asked.skipped is SkipReason.NEEDS_RECORD

    # Then the record brings the task back under its old id, at a higher version, with its values
    record = sf_record(at(minutes=20), Subject="Call Alice about the renewal", Priority="High")
    decision = decide_sf(record, tombstone, None, 21)
    assert isinstance(decision.reminder, CreateReminder)
    assert decision.reminder.task_id == task.id
    assert decision.reminder.version > renamed.version + 1  # above the deleted task's last version
    assert decision.reminder.values.name == "Call Alice about the renewal"
    assert decision.reminder.values.priority is Priority.HIGH
    assert decision.link is not None
    assert decision.link.state is LinkState.ACTIVE


def test_an_undelete_after_an_sia_delete_brings_the_task_back():
    task, link = linked(due_date=date(2026, 3, 29))
    gone = decide_reminder_event(deleted(task, at(minutes=10)), link, context(now=at(minutes=10)))
    confirmed = decide_sf(sf_deleted(at(minutes=10, seconds=1), client_id="tasksync"), gone.link, None, 11)
    link = stored(confirmed.link or gone.link, at(minutes=11))

    decision = decide_sf(sf_record(at(minutes=30), Subject=task.name, ActivityDate="2026-03-29"), link, None, 31)

    assert isinstance(decision.reminder, CreateReminder)
    assert decision.reminder.task_id == task.id
    assert decision.reminder.values.due_date == date(2026, 3, 29)
    assert decision.reminder.version > 2


def test_a_task_the_rep_raised_and_deleted_unsynced_comes_back_raised_when_salesforce_met_the_delete_first():
    # The rep raised the priority and deleted the task while Salesforce was down; neither event has gone.
    # A Salesforce change finds the task gone (deletes win), and the record, undeleted, is Low, which SIA
    # cannot hold: the copy that comes back is High, as the rep left it.
    task, link = linked()
    raised = task.values.model_copy(update={"priority": Priority.HIGH})
    gone = Tombstone(version=3, deleted_by="user", deleted_at=at(minutes=12), values=raised)
    met = decide_salesforce_change(
        sf_updated(at(minutes=20), Description="agenda"), link, None, context(now=at(minutes=20)), gone=gone
    )
    assert isinstance(met.salesforce, DeleteSalesforceTask) and met.link is not None
    link = stored(met.link, at(minutes=21))

    back = decide_sf(sf_record(at(minutes=30), Subject=task.name, Priority="Low"), link, None, 31)

    assert isinstance(back.reminder, CreateReminder)
    assert back.reminder.values.priority is Priority.HIGH


def test_deleted_undeleted_and_edited_in_salesforce_end_to_end():
    # Given a task synced both ways
    world = SyncWorld()
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 29))
    world.sync()
    record = world.record_of()

    # When the rep deletes it in Salesforce, SIA loses it too
    world.org.delete(record.id)
    world.sync()
    assert world.tasks() == []

    # When the rep undeletes it from the recycle bin and completes it, SIA has it back under its id
    world.org.undelete(record.id)
    world.org.update(record.id, {"Status": "Completed"})
    world.sync()
    (back,) = world.tasks()
    assert (back.id, back.name, back.due_date, back.status) == (
        "task-1",
        "Call Alice back",
        date(2026, 3, 29),
        Status.COMPLETE,
    )
    assert back.version > 2
    assert world.state.link_by_sia_id(USER, "task-1").state is LinkState.ACTIVE


def test_deleting_in_sia_deletes_the_record_end_to_end_and_a_late_edit_changes_nothing():
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    record = world.record_of()
    world.rep_updates(priority=Priority.HIGH)
    late_edit = world.pending()[0]
    world.mark_delivered()

    world.rep_deletes()
    world.sync()
    world.deliver(late_edit)
    world.sync()

    assert record.id not in world.org.records
    assert world.tasks() == []


def test_a_task_deleted_in_sia_comes_back_when_the_record_is_undeleted_in_salesforce():
    # Given the rep renamed a synced task, then deleted it in SIA, and the sync deleted the record
    world = SyncWorld()
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 29))
    world.sync()
    record = world.record_of()
    world.rep_updates(name="Call Alice about the renewal")
    world.rep_deletes()
    world.sync()
    assert record.id in world.org.recycle_bin

    # When the rep restores the record from the Salesforce recycle bin
    world.tick()
    world.org.undelete(record.id)
    world.sync()

    # Then the task is back in SIA under its old id and name, and the record keeps that name
    (back,) = world.tasks()
    assert (back.id, back.name, back.due_date) == ("task-1", "Call Alice about the renewal", date(2026, 3, 29))
    assert world.org.records[record.id].subject == "Call Alice about the renewal"


def test_a_task_deleted_in_sia_while_its_create_had_no_answer_is_deleted_in_salesforce():
    # Given the create landed in Salesforce but its answer was lost
    world = SyncWorld()
    created = world.rep_creates_and_the_answer_is_lost()
    (record,) = world.records_for("task-1")

    # When the rep deletes the task in SIA before the create is retried, and everything is delivered
    world.rep_deletes()
    world.deliver(created)
    world.sync()

    # Then the record is deleted too, and nothing comes back
    assert world.records_for("task-1") == []
    assert record.id in world.org.recycle_bin
    assert world.tasks() == []


def test_a_record_deleted_before_its_create_event_came_deletes_the_task_whose_create_had_no_answer():
    # Given the create landed in Salesforce but its answer was lost, and a Salesforce user deleted the record
    world = SyncWorld()
    world.rep_creates_and_the_answer_is_lost()
    (record,) = world.records_for("task-1")
    world.tick(1)
    world.org.delete(record.id)
    created, deleted = world.pending()
    world.mark_delivered()
    assert isinstance(created, SalesforceChange) and isinstance(deleted, SalesforceChange)

    # When the delete's event overtakes the create's (it finds no link by the record's id), then the create's
    world.deliver(deleted)
    world.deliver(created)

    # Then the delete reached SIA on the event path: the record as it is now (gone) said it (SPEC 6, 7)
    assert world.tasks() == []
