"""SPEC section 2: the fixed field map, both directions, and the org's own picklist values."""

from __future__ import annotations

from datetime import date

import pytest

from tasksync.domain.field_map import UNSYNCED, FieldMap, PicklistError
from tasksync.domain.reminder_task import Priority, Status, TaskField, TaskValues
from tasksync.domain.salesforce_task import Picklists, PriorityValue, StatusValue
from tasksync.domain.subject_template import DEFAULT_TEMPLATE
from tests.unit.builders import STOCK_MAP, picklists, sf_task

UNSYNCED_STATUSES = ["In Progress", "Waiting on someone else", "Deferred", "Escalated to manager"]


def to_salesforce(field: TaskField, template: str = DEFAULT_TEMPLATE, fields: FieldMap = STOCK_MAP, **values):
    return fields.to_salesforce(field, TaskValues(name=values.pop("name", "Call Alice back"), **values), template)


# -- name -> Subject ------------------------------------------------------------------------------------


def test_name_becomes_the_subject_through_the_default_template():
    assert to_salesforce(TaskField.NAME, name="Send the proposal to Acme") == "Send the proposal to Acme"


def test_name_becomes_the_subject_through_a_custom_template():
    subject = to_salesforce(TaskField.NAME, "[SIA] {{activity_subject}}", name="Send the proposal to Acme")

    assert subject == "[SIA] Send the proposal to Acme"


# -- status ---------------------------------------------------------------------------------------------


def test_open_is_not_started_and_complete_is_completed_in_salesforce():
    assert to_salesforce(TaskField.STATUS, status=Status.OPEN) == "Not Started"
    assert to_salesforce(TaskField.STATUS, status=Status.COMPLETE) == "Completed"


def test_not_started_is_open_and_completed_is_complete_in_sia():
    assert STOCK_MAP.to_sia(TaskField.STATUS, "Not Started") is Status.OPEN
    assert STOCK_MAP.to_sia(TaskField.STATUS, "Completed") is Status.COMPLETE


@pytest.mark.parametrize("sf_status", UNSYNCED_STATUSES)
def test_every_other_salesforce_status_is_not_synced_to_sia(sf_status):
    assert STOCK_MAP.to_sia(TaskField.STATUS, sf_status) is UNSYNCED


# -- priority -------------------------------------------------------------------------------------------


def test_normal_and_high_priority_map_to_normal_and_high_in_salesforce():
    assert to_salesforce(TaskField.PRIORITY, priority=Priority.NORMAL) == "Normal"
    assert to_salesforce(TaskField.PRIORITY, priority=Priority.HIGH) == "High"


def test_salesforce_normal_and_high_priority_map_to_sia():
    assert STOCK_MAP.to_sia(TaskField.PRIORITY, "Normal") is Priority.NORMAL
    assert STOCK_MAP.to_sia(TaskField.PRIORITY, "High") is Priority.HIGH


def test_salesforce_low_priority_is_not_synced_to_sia():
    assert STOCK_MAP.to_sia(TaskField.PRIORITY, "Low") is UNSYNCED


# -- due date -------------------------------------------------------------------------------------------


def test_due_date_goes_to_activity_date_as_the_same_calendar_date():
    # 2026-03-29 is the night European clocks move forward: a date must not move with them.
    assert to_salesforce(TaskField.DUE_DATE, due_date=date(2026, 3, 29)) == date(2026, 3, 29)


def test_activity_date_comes_to_sia_as_the_same_calendar_date():
    assert STOCK_MAP.to_sia(TaskField.DUE_DATE, date(2026, 3, 29)) == date(2026, 3, 29)


def test_a_task_without_due_date_has_no_activity_date_both_ways():
    assert to_salesforce(TaskField.DUE_DATE) is None
    assert STOCK_MAP.to_sia(TaskField.DUE_DATE, None) is None


# -- details --------------------------------------------------------------------------------------------


def test_details_go_to_description():
    assert to_salesforce(TaskField.DETAILS, details="Ask about the Q3 budget") == "Ask about the Q3 budget"
    assert STOCK_MAP.to_sia(TaskField.DETAILS, "Ask about the Q3 budget") == "Ask about the Q3 budget"


def test_empty_details_and_an_empty_description_are_the_same():
    assert to_salesforce(TaskField.DETAILS, details="") is None
    assert STOCK_MAP.to_sia(TaskField.DETAILS, None) == ""


# -- first import ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("sf_status", UNSYNCED_STATUSES)
def test_a_salesforce_task_with_an_unsynced_status_imports_as_open(sf_status):
    values = STOCK_MAP.imported_values(sf_task(Status=sf_status))

    assert values.status is Status.OPEN


def test_a_salesforce_task_with_low_priority_imports_as_normal():
    values = STOCK_MAP.imported_values(sf_task(Priority="Low"))

    assert values.priority is Priority.NORMAL


def test_an_imported_task_keeps_every_synced_value_and_takes_its_name_from_the_subject():
    record = sf_task(
        Subject="Renew Acme contract",
        Status="Completed",
        Priority="High",
        ActivityDate="2026-03-29",
        Description="Legal has the draft",
    )

    values = STOCK_MAP.imported_values(record)

    assert values == TaskValues(
        name="Renew Acme contract",
        status=Status.COMPLETE,
        priority=Priority.HIGH,
        due_date=date(2026, 3, 29),
        details="Legal has the draft",
    )


def test_a_salesforce_task_without_subject_still_imports_with_a_name():
    values = STOCK_MAP.imported_values(sf_task(Subject=None))

    assert values.name.strip()


def test_a_salesforce_task_without_comments_imports_with_empty_details():
    assert STOCK_MAP.imported_values(sf_task(Description=None)).details == ""


# -- the org's picklists --------------------------------------------------------------------------------


def test_a_stock_org_maps_to_the_stock_values():
    fields = FieldMap.from_picklists(Picklists.stock())

    assert (fields.open_status, fields.complete_status) == ("Not Started", "Completed")
    assert (fields.normal_priority, fields.high_priority) == ("Normal", "High")


def test_an_org_whose_closed_status_is_done_completes_tasks_as_done():
    # Given an org that renamed Completed to Done
    fields = FieldMap.from_picklists(
        picklists(
            statuses=[
                StatusValue(api_name="Not Started", is_default=True),
                StatusValue(api_name="In Progress"),
                StatusValue(api_name="Done", is_closed=True),
            ]
        )
    )

    # Then completing a task in SIA sets Done, and Done in Salesforce completes the SIA task
    assert to_salesforce(TaskField.STATUS, fields=fields, status=Status.COMPLETE) == "Done"
    assert fields.to_sia(TaskField.STATUS, "Done") is Status.COMPLETE
    assert fields.to_sia(TaskField.STATUS, "Completed") is UNSYNCED


def test_an_org_whose_default_status_is_open_opens_tasks_as_open():
    fields = FieldMap.from_picklists(
        picklists(
            statuses=[
                StatusValue(api_name="Working"),
                StatusValue(api_name="Open", is_default=True),
                StatusValue(api_name="Completed", is_closed=True),
            ]
        )
    )

    assert to_salesforce(TaskField.STATUS, fields=fields, status=Status.OPEN) == "Open"
    assert fields.to_sia(TaskField.STATUS, "Open") is Status.OPEN
    assert fields.to_sia(TaskField.STATUS, "Working") is UNSYNCED


def test_an_org_that_added_status_values_still_uses_not_started_and_completed():
    fields = FieldMap.from_picklists(
        picklists(
            statuses=[
                StatusValue(api_name="Triage", is_default=True),
                StatusValue(api_name="Not Started"),
                StatusValue(api_name="Closed - Lost", is_closed=True),
                StatusValue(api_name="Completed", is_closed=True),
            ]
        )
    )

    assert (fields.open_status, fields.complete_status) == ("Not Started", "Completed")


def test_an_org_with_renamed_priorities_uses_its_default_and_its_high_priority_values():
    fields = FieldMap.from_picklists(
        picklists(
            priorities=[
                PriorityValue(api_name="Urgent", is_high_priority=True),
                PriorityValue(api_name="Medium", is_default=True),
                PriorityValue(api_name="Someday"),
            ]
        )
    )

    assert to_salesforce(TaskField.PRIORITY, fields=fields, priority=Priority.HIGH) == "Urgent"
    assert to_salesforce(TaskField.PRIORITY, fields=fields, priority=Priority.NORMAL) == "Medium"
    assert fields.to_sia(TaskField.PRIORITY, "Someday") is UNSYNCED


def test_an_org_whose_default_status_is_in_progress_still_opens_tasks_as_not_started():
    fields = FieldMap.from_picklists(
        picklists(
            statuses=[
                StatusValue(api_name="Not Started"),
                StatusValue(api_name="In Progress", is_default=True),
                StatusValue(api_name="Completed", is_closed=True),
            ]
        )
    )

    assert to_salesforce(TaskField.STATUS, fields=fields, status=Status.OPEN) == "Not Started"
    assert fields.to_sia(TaskField.STATUS, "In Progress") is UNSYNCED


def test_an_org_whose_default_priority_is_low_still_maps_normal_to_normal():
    # Given an org whose admin made Low the default priority, keeping High, Normal and Low
    fields = FieldMap.from_picklists(
        picklists(
            priorities=[
                PriorityValue(api_name="High", is_high_priority=True),
                PriorityValue(api_name="Normal"),
                PriorityValue(api_name="Low", is_default=True),
            ]
        )
    )

    # Then normal is still Normal both ways, and Low is still not synced (SPEC section 2)
    assert to_salesforce(TaskField.PRIORITY, fields=fields, priority=Priority.NORMAL) == "Normal"
    assert fields.to_sia(TaskField.PRIORITY, "Normal") is Priority.NORMAL
    assert fields.to_sia(TaskField.PRIORITY, "Low") is UNSYNCED


@pytest.mark.parametrize(
    ("org", "missing"),
    [
        (picklists(statuses=[StatusValue(api_name="Not Started", is_default=True)]), "closed Status"),
        (picklists(statuses=[StatusValue(api_name="Completed", is_closed=True)]), "open Status"),
        (picklists(priorities=[PriorityValue(api_name="Normal", is_default=True)]), "high Priority"),
        (picklists(priorities=[PriorityValue(api_name="High", is_high_priority=True)]), "default Priority"),
    ],
    ids=["no closed status", "no open status", "no high priority", "no default priority"],
)
def test_an_org_whose_picklists_lack_a_needed_value_is_a_clear_picklist_error(org, missing):
    with pytest.raises(PicklistError, match=missing):
        FieldMap.from_picklists(org)
