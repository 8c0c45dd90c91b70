"""SPEC section 4 through the engine: which Salesforce tasks join the user's SIA list, and which leave it."""

from __future__ import annotations

from datetime import date

import pytest

from tasksync.domain.imported_ids import imported_task_id
from tasksync.domain.reminder_task import Priority, Status
from tasksync.domain.sync_link import LinkState
from tasksync.engine.decisions import CreateReminder, DeleteReminder, SkipReason
from tasksync.engine.from_salesforce import decide_salesforce_change
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tests.unit.builders import (
    OTHER_SF_USER,
    SF_ID,
    SF_USER_15,
    USER,
    SyncWorld,
    at,
    connection,
    context,
    linked,
    settings,
    sf_created,
    sf_record,
    sf_updated,
    stored,
)


def decide(change, link=None, task=None, minutes=30):
    return decide_salesforce_change(change, link, task, context(now=at(minutes=minutes)))


# -- joining --------------------------------------------------------------------------------------------


def test_a_task_created_in_salesforce_makes_the_engine_read_the_whole_record_first():
    decision = decide(sf_created(at(minutes=5), Subject="Renew Acme contract"))

    assert decision.skipped is SkipReason.NEEDS_RECORD
    assert decision.reminder is None


def test_a_task_owned_by_the_user_is_imported_under_an_id_derived_from_the_record():
    decision = decide(sf_record(at(minutes=5), Subject="Renew Acme contract"))

    assert isinstance(decision.reminder, CreateReminder)
    assert decision.reminder.task_id == imported_task_id(SF_ID)
    assert decision.link is not None
    assert (decision.link.sf_id, decision.link.state) == (SF_ID, LinkState.ACTIVE)


def test_a_task_whose_owner_is_the_15_character_form_of_the_user_id_is_imported():
    decision = decide(sf_record(at(minutes=5), OwnerId=SF_USER_15))

    assert isinstance(decision.reminder, CreateReminder)


def test_a_task_with_no_subtype_is_imported():
    decision = decide(sf_record(at(minutes=5), TaskSubtype=None))

    assert isinstance(decision.reminder, CreateReminder)


def test_a_task_owned_by_another_user_is_not_imported():
    decision = decide(sf_record(at(minutes=5), OwnerId=OTHER_SF_USER))

    assert decision.reminder is None
    assert decision.link is None
    assert decision.skipped is SkipReason.NOT_ELIGIBLE


@pytest.mark.parametrize("subtype", ["Email", "Call", "ListEmail"])
def test_logged_emails_and_calls_are_never_imported(subtype):
    decision = decide(sf_record(at(minutes=5), TaskSubtype=subtype, Subject="Email: Re: pricing"))

    assert decision.reminder is None
    assert decision.skipped is SkipReason.NOT_ELIGIBLE


def test_a_recurring_series_master_is_not_imported():
    decision = decide(sf_record(at(minutes=5), IsRecurrence=True))

    assert decision.reminder is None
    assert decision.skipped is SkipReason.NOT_ELIGIBLE


def test_an_eligible_task_the_first_sync_did_not_import_joins_on_its_first_change():
    # Given a task of the user that was untouched when sync was turned on (never imported)
    world = SyncWorld()
    record = world.org.create({"Subject": "Renew Acme contract", "ActivityDate": date(2026, 3, 29)})
    world.mark_delivered()
    assert world.tasks() == []

    # When it changes in Salesforce
    world.tick()
    world.org.update(record.id, {"Priority": "High"})
    world.sync()

    # Then it joins the user's SIA list as it is now
    (task,) = world.tasks()
    assert (task.name, task.priority, task.due_date) == ("Renew Acme contract", Priority.HIGH, date(2026, 3, 29))


@pytest.mark.parametrize(
    "fields",
    [{"TaskSubtype": "Email"}, {"TaskSubtype": "Call"}, {"OwnerId": OTHER_SF_USER}, {"IsRecurrence": True}],
    ids=["logged email", "logged call", "someone else's", "series master"],
)
def test_a_task_that_is_not_a_reminder_never_appears_in_sia_end_to_end(fields):
    world = SyncWorld()
    record = world.org.create({"Subject": "Email: Re: pricing", **fields})
    world.tick()
    world.org.update(record.id, {"Description": "edited"})

    world.sync()

    assert world.tasks() == []
    assert record.id in world.org.records


# -- leaving and joining again --------------------------------------------------------------------------


def test_a_task_reassigned_to_another_user_leaves_the_sia_list():
    task, link = linked()

    decision = decide(sf_updated(at(minutes=10), OwnerId=OTHER_SF_USER), link, task)

    assert decision.reminder == DeleteReminder(task.id, expected_version=task.version)
    assert decision.salesforce is None  # the record stays, with its new owner
    assert decision.link is not None
    assert decision.link.state is LinkState.LEFT


def test_a_task_reassigned_to_the_15_character_form_of_the_user_id_stays():
    task, link = linked()

    decision = decide(sf_updated(at(minutes=10), OwnerId=SF_USER_15), link, task)

    assert decision.reminder is None
    assert decision.link is None or decision.link.state is LinkState.ACTIVE


def test_a_read_record_that_shows_another_owner_makes_the_task_leave():
    task, link = linked()

    decision = decide(sf_record(at(minutes=10), OwnerId=OTHER_SF_USER), link, task)

    assert decision.reminder == DeleteReminder(task.id, expected_version=task.version)
    assert decision.link is not None
    assert decision.link.state is LinkState.LEFT


def test_edits_to_a_task_that_left_do_not_bring_it_back():
    task, link = linked()
    left = decide(sf_updated(at(minutes=10), OwnerId=OTHER_SF_USER), link, task).link

    decision = decide(sf_updated(at(minutes=15), Status="Completed"), left, None)

    assert decision.reminder is None
    assert decision.skipped is SkipReason.NOT_ELIGIBLE


def test_a_task_reassigned_back_to_the_user_asks_for_the_record_then_joins_again():
    # Given a task that left the user's list when it was reassigned
    task, link = linked()
    left = stored(decide(sf_updated(at(minutes=10), OwnerId=OTHER_SF_USER), link, task).link, at(minutes=10))

    # When it is reassigned back, the engine first asks for the whole record
    back = decide(sf_updated(at(minutes=20), OwnerId=SF_USER_15), left, None)
    assert back.skipped is SkipReason.NEEDS_RECORD

    # Then the record brings the task back under its old id, above every version of its earlier life
    decision = decide(sf_record(at(minutes=20), Subject="Call Alice back", Status="Completed"), left, None)

    assert isinstance(decision.reminder, CreateReminder)
    assert decision.reminder.task_id == task.id
    assert decision.reminder.version > left.sia_version
    assert decision.reminder.values.name == "Call Alice back"
    assert decision.reminder.values.status is Status.COMPLETE
    assert decision.link is not None
    assert decision.link.state is LinkState.ACTIVE


def test_a_record_read_while_it_is_still_someone_elses_does_not_bring_the_task_back():
    task, link = linked()
    left = decide(sf_updated(at(minutes=10), OwnerId=OTHER_SF_USER), link, task).link

    decision = decide(sf_record(at(minutes=20), OwnerId=OTHER_SF_USER), left, None)

    assert decision.reminder is None


def test_a_rep_sees_a_task_leave_and_come_back_when_it_is_reassigned_away_and_back():
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    record = world.record_of()

    world.org.update(record.id, {"OwnerId": OTHER_SF_USER})
    world.sync()
    assert world.tasks() == []
    assert record.id in world.org.records

    world.org.update(record.id, {"OwnerId": record.owner_id})
    world.sync()
    assert [(task.id, task.name) for task in world.tasks()] == [("task-1", "Call Alice back")]


@pytest.mark.parametrize("first", ["old owner first", "new owner first"])
def test_a_task_reassigned_to_another_connected_user_moves_from_one_sia_list_to_the_other(first):
    # Given two reps of one org with sync on, and a task the first one created in SIA
    world = SyncWorld()
    colleague = world.state.save_settings(
        settings(user_id="user-2", connection=connection(sf_user_id=OTHER_SF_USER, secret_name="tasksync/user-2"))
    )
    world.rep_creates("Call Alice back")
    world.sync()
    record = world.record_of()

    # When the first rep reassigns it to the second in Salesforce, and the change reaches both of them
    world.tick()
    world.org.update(record.id, {"OwnerId": OTHER_SF_USER})
    (reassigned,) = world.pending()
    world.mark_delivered()
    users = [world.settings, colleague]
    for user_settings in users if first == "old owner first" else reversed(users):
        world.tick()
        apply_salesforce_change(reassigned, user_settings, world.services)
    world.sync()

    # Then it leaves the first rep's list, joins the second's, and the record stays in Salesforce
    assert record.id in world.org.records, "the reassigned record was deleted in Salesforce"
    assert world.org.records[record.id].owner_id == OTHER_SF_USER
    assert world.sia.list(USER) == []
    assert [task.name for task in world.sia.list("user-2")] == ["Call Alice back"]
