"""The domain models refuse what the sync cannot trust, with errors that say what is wrong."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from tasksync.domain.reminder_events import ReminderEventKind
from tasksync.domain.reminder_task import NAME_MAX, Priority, Status, TaskValues
from tasksync.domain.salesforce_task import SalesforceTask
from tasksync.domain.settings import ConnectionStatus
from tasksync.domain.sync_error import SyncError, SyncErrorKind
from tests.unit.builders import T0, USER, connection, deleted, edited, event, linked, reminder, settings

DESCRIPTION_LENGTH = 32_000  # Object Reference, Task: Description


def error_of(refused: pytest.ExceptionInfo[ValidationError]) -> tuple[str, str]:
    (first,) = refused.value.errors()
    return ".".join(str(part) for part in first["loc"]), first["msg"]


# -- reminder tasks -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", 123, "valid string"),
        ("status", "done", "instance of Status"),
        ("due_date", "2026-03-29", "valid date"),
        ("version", "2", "valid integer"),
        ("details", None, "valid string"),
    ],
)
def test_a_reminder_task_refuses_a_value_of_the_wrong_type(field, value, message):
    with pytest.raises(ValidationError) as refused:
        reminder(**{field: value}) if field != "name" else reminder(value)

    location, text = error_of(refused)
    assert location == field
    assert message in text


def test_a_reminder_task_refuses_a_time_without_time_zone():
    with pytest.raises(ValidationError, match="datetime must carry a time zone") as refused:
        reminder(created_at=datetime(2026, 3, 2, 9, 0), updated_at=T0)

    assert error_of(refused)[0] == "created_at"


def test_a_reminder_task_accepts_a_time_in_any_time_zone():
    new_york = timezone(timedelta(hours=-5))
    task = reminder(created_at=datetime(2026, 3, 2, 4, 0, tzinfo=new_york))

    assert task.created_at == datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("length", [1, NAME_MAX])
def test_a_name_of_1_to_255_characters_is_accepted(length):
    assert len(reminder("n" * length).name) == length


@pytest.mark.parametrize("name", ["", "n" * (NAME_MAX + 1)], ids=["empty", "256 characters"])
def test_an_empty_or_overlong_name_is_refused(name):
    with pytest.raises(ValidationError) as refused:
        reminder(name)

    assert error_of(refused)[0] == "name"


def test_details_of_up_to_32000_characters_are_accepted_and_more_are_refused():
    assert len(reminder(details="d" * DESCRIPTION_LENGTH).details) == DESCRIPTION_LENGTH
    with pytest.raises(ValidationError, match="at most 32000 characters"):
        reminder(details="d" * (DESCRIPTION_LENGTH + 1))


def test_a_reminder_task_refuses_unknown_fields():
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        TaskValues(name="Call", colour="red")


def test_a_reminder_task_cannot_be_changed_in_place():
    task = reminder()

    with pytest.raises(ValidationError, match="frozen"):
        task.name = "Renamed"


def test_a_new_task_is_open_normal_without_due_date_or_details():
    task = TaskValues(name="Call")

    assert (task.status, task.priority, task.due_date, task.details) == (Status.OPEN, Priority.NORMAL, None, "")


def test_the_values_of_a_task_are_its_synced_fields():
    task = reminder("Call", due_date=date(2026, 3, 29), details="NDA")

    assert task.values == TaskValues(name="Call", due_date=date(2026, 3, 29), details="NDA")


# -- events ---------------------------------------------------------------------------------------------


def test_a_redelivered_event_has_the_same_id_and_each_change_its_own():
    task = reminder()
    later = edited(task, T0 + timedelta(minutes=5), name="Call Alice again")

    assert event(task).event_id == event(task).event_id
    assert event(task).event_id != event(later).event_id
    assert deleted(later, T0 + timedelta(minutes=9)).event_id == f"{USER}/task-1/3/deleted"
    assert deleted(later, T0 + timedelta(minutes=9)).kind is ReminderEventKind.DELETED


# -- settings -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Los_Angeles", "Pacific/Kiritimati"])
def test_a_known_iana_time_zone_is_accepted(zone):
    assert settings(time_zone=zone).time_zone == zone


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "CEST+2", "", "../etc/passwd"])
def test_an_unknown_time_zone_is_refused_by_name(zone):
    with pytest.raises(ValidationError, match="unknown IANA time zone") as refused:
        settings(time_zone=zone)

    assert error_of(refused)[0] == "time_zone"


def test_settings_refuse_a_naive_enabled_at():
    with pytest.raises(ValidationError, match="datetime must carry a time zone"):
        settings(enabled_at=datetime(2026, 3, 2, 9, 0))


def test_sync_runs_only_while_on_and_connected():
    assert settings().syncing
    assert not settings(enabled=False).syncing
    assert not settings(connection=None).syncing
    assert not settings(connection=connection(status=ConnectionStatus.REVOKED)).syncing


@pytest.mark.parametrize(
    ("field", "value"),
    [("org_id", "001000000000001AAA"), ("sf_user_id", "00G000000000001AAA"), ("instance_url", "http://acme.test")],
)
def test_a_connection_refuses_ids_and_urls_of_the_wrong_kind(field, value):
    with pytest.raises(ValidationError) as refused:
        connection(**{field: value})

    assert error_of(refused)[0] == field


def test_a_sync_error_message_is_at_most_4000_characters():
    with pytest.raises(ValidationError):
        SyncError(user_id=USER, kind=SyncErrorKind.PERMANENT, occurred_at=T0, message="m" * 4_001)


# -- Salesforce records ---------------------------------------------------------------------------------


def test_a_salesforce_task_parses_salesforce_datetimes_and_dates():
    task = SalesforceTask.model_validate(
        {
            "attributes": {"type": "Task", "url": "/services/data/v59.0/sobjects/Task/00T000000000001AAA"},
            "Id": "00T000000000001AAA",
            "ActivityDate": "2024-05-07",
            "LastModifiedDate": "2024-05-07T22:07:19.000+0000",
            "SystemModstamp": "2024-05-07T15:07:19.000-0700",
        }
    )

    assert task.activity_date == date(2024, 5, 7)
    assert task.last_modified_date == datetime(2024, 5, 7, 22, 7, 19, tzinfo=UTC)
    assert task.system_modstamp == datetime(2024, 5, 7, 22, 7, 19, tzinfo=UTC)


def test_a_salesforce_task_refuses_a_time_without_time_zone():
    # The engine compares Salesforce commit times with SIA times: a naive one must be refused here, with
    # a clear error, not fail later inside a decision.
    with pytest.raises(ValidationError) as refused:
        SalesforceTask.model_validate({"Id": "00T000000000001AAA", "SystemModstamp": "2024-05-07T22:07:19"})

    assert error_of(refused)[0] == "SystemModstamp"


def test_a_salesforce_task_accepts_15_and_18_character_ids_and_refuses_others():
    assert SalesforceTask(Id="00T000000000001").id == "00T000000000001"
    assert SalesforceTask(Id="00T000000000001AAA").id == "00T000000000001AAA"
    with pytest.raises(ValidationError):
        SalesforceTask(Id="00T123")


def test_a_salesforce_task_refuses_a_subject_over_255_or_comments_over_32000_characters():
    with pytest.raises(ValidationError):
        SalesforceTask(Id="00T000000000001AAA", Subject="s" * 256)
    with pytest.raises(ValidationError):
        SalesforceTask(Id="00T000000000001AAA", Description="d" * 32_001)


def test_a_salesforce_task_refuses_a_malformed_date():
    with pytest.raises(ValidationError) as refused:
        SalesforceTask.model_validate({"Id": "00T000000000001AAA", "ActivityDate": "07/05/2024"})

    assert error_of(refused)[0] == "ActivityDate"


def test_a_link_update_with_a_misspelt_field_is_refused():
    from tests.unit.builders import context, pushed, reminder

    link = pushed(reminder(), context())

    with pytest.raises(TypeError, match="no field sia_verison"):
        link.updated(sia_verison=3)
    with pytest.raises(ValidationError, match="sia_version"):
        link.updated(sia_version="3")
    assert link.updated(sia_version=3).sia_version == 3


def test_a_link_update_keeps_the_links_constraints():
    from tests.unit.builders import context, pushed, reminder

    link = pushed(reminder(), context())

    with pytest.raises(ValidationError, match="greater than or equal to 0"):
        link.updated(sia_version=-1)
    with pytest.raises(ValidationError, match="datetime must carry a time zone"):
        link.updated(saved_at=datetime(2026, 1, 5, 9, 0))
    assert link.updated(saved_at=datetime(2026, 1, 5, 9, 0, tzinfo=UTC)).saved_at == datetime(
        2026, 1, 5, 9, 0, tzinfo=UTC
    )


def test_a_link_never_moves_to_another_salesforce_record():
    _, link = linked()
    assert link.sf_id is not None

    with pytest.raises(ValueError, match="cannot move"):
        link.updated(sf_id="00T000000000999AAA")
    assert link.updated(sf_id=link.sf_id).sf_id == link.sf_id


@pytest.mark.parametrize(
    ("paused", "off", "stopped"),
    [
        (None, None, None),  # never stopped
        (None, 2, 2),  # turned off, then on again
        (1, None, 1),  # a revoked grant's pause
        (1, 2, 1),  # paused, then turned off while paused: read from the pause's start
        (None, 4, None),  # turned off after it was last turned on: still off
    ],
)
def test_sync_stopped_since_the_earlier_of_a_pause_and_turning_it_off(paused, off, stopped):
    hour = timedelta(hours=1)
    rep = settings(
        enabled_at=T0 + 3 * hour,
        disabled_at=T0 + off * hour if off else None,
        connection=connection(paused_at=T0 + paused * hour if paused else None),
    )

    assert rep.stopped_since() == (T0 + stopped * hour if stopped else None)
