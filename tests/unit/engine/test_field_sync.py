"""SPEC section 2 through the engine: every row of the field map, in both directions."""

from __future__ import annotations

from datetime import date

import pytest

from tasksync.domain.field_map import FieldMap
from tasksync.domain.reminder_task import Priority, Status, TaskField
from tasksync.domain.salesforce_task import PriorityValue, StatusValue
from tasksync.engine.decisions import CreateReminder, SkipReason, UpdateReminder, UpdateSalesforceTask
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.engine.from_salesforce import decide_salesforce_change
from tests.unit.builders import (
    SF_ID,
    SF_USER,
    SyncWorld,
    applied,
    at,
    context,
    edited,
    event,
    picklists,
    pushed,
    reminder,
    sent_fields,
    sf_record,
    sf_updated,
)

UNSYNCED_STATUSES = ["In Progress", "Waiting on someone else", "Deferred", "Escalated to manager"]
ZONES = ["Pacific/Kiritimati", "Europe/Berlin", "America/Los_Angeles", "Pacific/Pago_Pago"]


def synced_task(**values):
    """An SIA task the sync pushed to Salesforce, and its link."""
    task = reminder(**values)
    return task, pushed(task, context(now=at(minutes=2)))


def sf_edit(task, link, minutes=10, **fields):
    """The rep edits the record in Salesforce ``minutes`` after sync was turned on."""
    return decide_salesforce_change(
        sf_updated(at(minutes=minutes), **fields), link, task, context(now=at(minutes=minutes))
    )


def sia_edit(task, link, minutes=20, **changes):
    """The rep edits the task in SIA ``minutes`` after sync was turned on."""
    changed = edited(task, at(minutes=minutes), **changes)
    return changed, decide_reminder_event(event(changed), link, context(now=at(minutes=minutes)))


# -- Salesforce -> SIA ----------------------------------------------------------------------------------


def test_completing_a_task_in_salesforce_completes_it_in_sia():
    task, link = synced_task()

    decision = sf_edit(task, link, Status="Completed")

    assert decision.reminder == UpdateReminder(task.id, {TaskField.STATUS: Status.COMPLETE}, expected_version=1)
    assert decision.salesforce is None


def test_reopening_a_task_in_salesforce_reopens_it_in_sia():
    task, link = synced_task(status=Status.COMPLETE)

    decision = sf_edit(task, link, Status="Not Started")

    assert decision.reminder == UpdateReminder(task.id, {TaskField.STATUS: Status.OPEN}, expected_version=1)


@pytest.mark.parametrize("sf_status", UNSYNCED_STATUSES)
@pytest.mark.parametrize("sia_status", [Status.OPEN, Status.COMPLETE])
def test_an_unsynced_salesforce_status_leaves_the_sia_status_as_it_was(sf_status, sia_status):
    task, link = synced_task(status=sia_status)

    decision = sf_edit(task, link, Status=sf_status)

    assert decision.reminder is None
    assert decision.salesforce is None
    assert decision.skipped is SkipReason.NO_CHANGE


def test_completing_a_task_that_was_in_progress_in_salesforce_completes_it_in_sia():
    task, link = synced_task()
    link = sf_edit(task, link, minutes=10, Status="In Progress").link or link

    decision = sf_edit(task, link, minutes=11, Status="Completed")

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.STATUS: Status.COMPLETE}


def test_high_priority_in_salesforce_makes_the_sia_task_high():
    task, link = synced_task()

    decision = sf_edit(task, link, Priority="High")

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.PRIORITY: Priority.HIGH}


def test_normal_priority_in_salesforce_makes_the_sia_task_normal():
    task, link = synced_task(priority=Priority.HIGH)

    decision = sf_edit(task, link, Priority="Normal")

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.PRIORITY: Priority.NORMAL}


@pytest.mark.parametrize("sia_priority", [Priority.NORMAL, Priority.HIGH])
def test_low_priority_in_salesforce_leaves_the_sia_priority_as_it_was(sia_priority):
    task, link = synced_task(priority=sia_priority)

    decision = sf_edit(task, link, Priority="Low")

    assert decision.reminder is None
    assert decision.salesforce is None


@pytest.mark.parametrize("zone", ZONES)
def test_a_due_date_set_in_salesforce_is_the_same_calendar_date_in_sia_in_every_time_zone(zone):
    task = reminder()
    link = pushed(task, context(now=at(minutes=2), time_zone=zone))
    change = sf_updated(at(minutes=10), ActivityDate="2026-03-29")

    decision = decide_salesforce_change(change, link, task, context(now=at(minutes=10), time_zone=zone))

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.DUE_DATE: date(2026, 3, 29)}


def test_clearing_the_due_date_in_salesforce_clears_it_in_sia():
    task, link = synced_task(due_date=date(2026, 3, 29))

    decision = sf_edit(task, link, ActivityDate=None)

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.DUE_DATE: None}


def test_comments_written_in_salesforce_become_the_sia_details():
    task, link = synced_task()

    decision = sf_edit(task, link, Description="Ask about the Q3 budget")

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.DETAILS: "Ask about the Q3 budget"}


def test_comments_cleared_in_salesforce_clear_the_sia_details():
    task, link = synced_task(details="Ask about the Q3 budget")

    decision = sf_edit(task, link, Description=None)

    assert isinstance(decision.reminder, UpdateReminder)
    assert decision.reminder.changes == {TaskField.DETAILS: ""}


def test_empty_comments_in_salesforce_are_no_change_to_empty_details():
    task, link = synced_task(details="")

    decision = sf_edit(task, link, Description="")

    assert decision.reminder is None
    assert decision.salesforce is None


# -- SIA -> Salesforce ----------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ZONES)
def test_a_new_sia_task_is_created_in_salesforce_with_every_mapped_field(zone):
    task = reminder("Renew Acme contract", priority=Priority.HIGH, due_date=date(2026, 3, 29), details="Legal")

    decision = decide_reminder_event(event(task), None, context(time_zone=zone))

    assert sent_fields(decision) == {
        "Subject": "Renew Acme contract",
        "Status": "Not Started",
        "Priority": "High",
        "ActivityDate": date(2026, 3, 29),
        "Description": "Legal",
    }
    create = decision.salesforce.create
    assert (create.external_id, create.owner_id) == (task.id, SF_USER)


def test_a_new_sia_task_without_details_is_created_with_empty_comments():
    decision = decide_reminder_event(event(reminder(details="")), None, context())

    assert sent_fields(decision)["Description"] is None


def test_completing_a_task_in_sia_sends_only_the_completed_status():
    task, link = synced_task()

    _, decision = sia_edit(task, link, status=Status.COMPLETE)

    assert isinstance(decision.salesforce, UpdateSalesforceTask)
    assert decision.salesforce.update.sf_id == SF_ID
    assert sent_fields(decision) == {"Status": "Completed"}


def test_reopening_a_task_in_sia_sends_not_started():
    task, link = synced_task(status=Status.COMPLETE)

    _, decision = sia_edit(task, link, status=Status.OPEN)

    assert sent_fields(decision) == {"Status": "Not Started"}


def test_raising_the_priority_in_sia_sends_only_the_priority():
    task, link = synced_task()

    _, decision = sia_edit(task, link, priority=Priority.HIGH)

    assert sent_fields(decision) == {"Priority": "High"}


def test_moving_the_due_date_in_sia_sends_only_the_activity_date():
    task, link = synced_task(due_date=date(2026, 3, 28))

    _, decision = sia_edit(task, link, due_date=date(2026, 3, 29))

    assert sent_fields(decision) == {"ActivityDate": date(2026, 3, 29)}


def test_clearing_the_details_in_sia_clears_the_comments():
    task, link = synced_task(details="Ask about the Q3 budget")

    _, decision = sia_edit(task, link, details="")

    assert sent_fields(decision) == {"Description": None}


def test_an_in_progress_task_stays_in_progress_when_sia_moves_the_due_date():
    # Given a synced task that the rep set to In Progress in Salesforce
    task, link = synced_task(due_date=date(2026, 3, 28))
    link = sf_edit(task, link, minutes=10, Status="In Progress").link or link

    # When the rep moves its due date in SIA
    _, decision = sia_edit(task, link, minutes=20, due_date=date(2026, 3, 29))

    # Then only the due date is written: the status stays In Progress
    assert sent_fields(decision) == {"ActivityDate": date(2026, 3, 29)}


def test_a_low_priority_task_stays_low_when_sia_renames_it():
    task, link = synced_task()
    link = sf_edit(task, link, minutes=10, Priority="Low").link or link

    _, decision = sia_edit(task, link, minutes=20, name="Call Alice back today")

    assert sent_fields(decision) == {"Subject": "Call Alice back today"}


def test_completing_in_sia_a_task_that_is_in_progress_in_salesforce_completes_it_there():
    task, link = synced_task()
    link = sf_edit(task, link, minutes=10, Status="In Progress").link or link

    _, decision = sia_edit(task, link, minutes=20, status=Status.COMPLETE)

    assert sent_fields(decision) == {"Status": "Completed"}


def test_a_change_salesforce_made_is_not_written_back_to_it():
    # Given the rep completed the task in Salesforce and the sync completed it in SIA
    task, link = synced_task()
    completed = sf_edit(task, link, minutes=10, Status="Completed")
    task, link = applied(task, completed, at(minutes=10, seconds=1)), completed.link

    # When the rep then edits the details in SIA
    _, decision = sia_edit(task, link, minutes=20, details="Done by phone")

    # Then only the details go to Salesforce
    assert sent_fields(decision) == {"Description": "Done by phone"}


# -- import -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("sf_status", UNSYNCED_STATUSES)
def test_a_task_created_in_salesforce_in_progress_and_low_imports_as_open_and_normal(sf_status):
    change = sf_record(at(minutes=5), Status=sf_status, Priority="Low")

    decision = decide_salesforce_change(change, None, None, context())

    assert isinstance(decision.reminder, CreateReminder)
    assert (decision.reminder.values.status, decision.reminder.values.priority) == (Status.OPEN, Priority.NORMAL)
    assert decision.salesforce is None  # the record keeps In Progress and Low


@pytest.mark.parametrize("zone", ZONES)
def test_an_imported_task_is_due_on_the_same_calendar_date_in_every_time_zone(zone):
    change = sf_record(at(minutes=5), ActivityDate="2026-03-29")

    decision = decide_salesforce_change(change, None, None, context(time_zone=zone))

    assert isinstance(decision.reminder, CreateReminder)
    assert decision.reminder.values.due_date == date(2026, 3, 29)


def test_an_imported_in_progress_task_stays_in_progress_when_sia_moves_its_due_date():
    world = SyncWorld()
    record = world.org.create({"Subject": "Renew Acme", "Status": "In Progress", "ActivityDate": date(2026, 3, 28)})
    world.sync()
    assert world.task(f"sf-{record.id}") is not None

    world.rep_updates(f"sf-{record.id}", due_date=date(2026, 3, 29))
    world.sync()

    assert world.org.records[record.id].activity_date == date(2026, 3, 29)
    assert world.org.records[record.id].status == "In Progress"


# -- an org with its own picklist values --------------------------------------------------------------


def test_completing_a_task_in_an_org_whose_closed_status_is_done_sets_done():
    done_org = FieldMap.from_picklists(
        picklists(
            statuses=[StatusValue(api_name="Open", is_default=True), StatusValue(api_name="Done", is_closed=True)],
            priorities=[
                PriorityValue(api_name="Medium", is_default=True),
                PriorityValue(api_name="Urgent", is_high_priority=True),
            ],
        )
    )
    task = reminder()
    link = pushed(task, context(now=at(minutes=2), field_map=done_org))
    assert link.salesforce.status == "Open"
    changed = edited(task, at(minutes=20), status=Status.COMPLETE, priority=Priority.HIGH)

    decision = decide_reminder_event(event(changed), link, context(now=at(minutes=20), field_map=done_org))

    assert sent_fields(decision) == {"Status": "Done", "Priority": "Urgent"}
