"""SPEC section 7, errors are visible, not silent: the use cases over the in-memory fakes, with Salesforce
answering with errors."""

from __future__ import annotations

from datetime import date

import pytest

from tasksync.domain.reminder_task import Priority
from tasksync.domain.settings import ConnectionStatus
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import LinkState
from tasksync.engine.decisions import SkipReason
from tasksync.ports.salesforce import AuthRevoked, ErrorKind, SalesforceError
from tests.unit.builders import USER, SyncWorld


def synced_world() -> SyncWorld:
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    return world


def failing(error, moment="before update_tasks"):
    """A fault that answers ``error`` once, at ``moment``."""
    errors = iter([error])
    return lambda at: next(errors, None) if at == moment else None


TRANSIENT = [
    ("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record"),
    ("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded"),
    ("SERVER_UNAVAILABLE", "Server unavailable"),
]


@pytest.mark.parametrize(("code", "message"), TRANSIENT, ids=[code for code, _ in TRANSIENT])
def test_a_transient_salesforce_error_is_raised_for_the_queue_to_retry(code, message):
    # Given Salesforce answers a transient error once
    world = synced_world()
    world.rep_updates(priority=Priority.HIGH)
    edit = world.pending()[0]
    world.mark_delivered()
    world.fault = failing(SalesforceError(ErrorKind.TRANSIENT, code, message))

    # When the edit is delivered, the error goes back to the queue
    with pytest.raises(SalesforceError) as raised:
        world.deliver(edit)
    assert raised.value.code == code
    assert world.record_of().priority == "Normal"
    assert world.state.errors_of(USER) == []

    # And the queue's retry lands the edit
    world.deliver(edit)
    assert world.record_of().priority == "High"


def test_a_transient_error_on_a_create_is_retried_into_one_record():
    world = SyncWorld()
    world.fault = failing(SalesforceError(ErrorKind.TRANSIENT, "SERVER_UNAVAILABLE", "503"), "before create_tasks")
    world.rep_creates("Call Alice back")
    created = world.pending()[0]
    world.mark_delivered()

    with pytest.raises(SalesforceError):
        world.deliver(created)
    world.deliver(created)
    world.sync()

    assert [task.subject for task in world.records_for("task-1")] == ["Call Alice back"]


def test_a_permanent_salesforce_error_is_recorded_for_the_task_and_not_raised():
    # Given a validation rule in the org refuses the due date
    world = synced_world()
    record = world.record_of()
    world.fault = failing(
        SalesforceError(
            ErrorKind.PERMANENT,
            "FIELD_CUSTOM_VALIDATION_EXCEPTION",
            "Due date must be a weekday",
            fields=["ActivityDate"],
        )
    )

    # When the rep moves the due date in SIA
    world.rep_updates(due_date=date(2026, 3, 29))
    world.sync()

    # Then nothing is retried, and the user sees why the task did not sync
    assert world.record_of().activity_date is None
    (error,) = world.state.errors_of(USER)
    assert error.kind is SyncErrorKind.PERMANENT
    assert (error.code, error.sia_id, error.sf_id) == ("FIELD_CUSTOM_VALIDATION_EXCEPTION", "task-1", record.id)
    assert "weekday" in error.message
    assert error.field == "ActivityDate"


def test_a_permanent_error_on_a_create_is_recorded_for_the_task():
    world = SyncWorld()
    world.fault = failing(
        SalesforceError(ErrorKind.PERMANENT, "REQUIRED_FIELD_MISSING", "Required fields are missing: [Region__c]"),
        "before create_tasks",
    )
    world.rep_creates("Call Alice back")

    world.sync()

    assert world.org.records == {}
    (error,) = world.state.errors_of(USER)
    assert (error.kind, error.code, error.sia_id) == (SyncErrorKind.PERMANENT, "REQUIRED_FIELD_MISSING", "task-1")


@pytest.mark.parametrize("how", ["in the recycle bin", "purged"])
def test_an_update_of_a_record_deleted_in_salesforce_deletes_the_sia_task(how):
    # Given the rep deleted the record in Salesforce (ENTITY_IS_DELETED, or NOT_FOUND once the recycle
    # bin is emptied) and its CDC event has not arrived
    world = synced_world()
    record = world.record_of()
    world.org.delete(record.id)
    if how == "purged":
        del world.org.recycle_bin[record.id]
    world.mark_delivered()

    # When the rep edits the task in SIA and the sync updates the record
    world.rep_updates(priority=Priority.HIGH)
    world.sync()

    # Then ENTITY_IS_DELETED means deleted: the SIA task goes, and nothing is recorded as an error
    assert world.tasks() == []
    assert world.state.link_by_sia_id(USER, "task-1").state is LinkState.DELETED
    assert world.state.errors_of(USER) == []


def test_a_delete_of_a_record_already_deleted_in_salesforce_is_done():
    world = synced_world()
    world.org.delete(world.record_of().id)
    world.mark_delivered()

    world.rep_deletes()
    world.sync()

    assert world.state.link_by_sia_id(USER, "task-1").state is LinkState.DELETED
    assert world.state.errors_of(USER) == []


def test_a_revoked_connection_pauses_the_users_sync_and_says_so():
    # Given the rep revoked the app's access in Salesforce
    world = synced_world()
    world.fault = failing(AuthRevoked("expired access/refresh token"))

    # When the sync next writes to Salesforce
    world.rep_updates(priority=Priority.HIGH)
    world.sync()

    # Then the user's sync is paused, with the reason, and an AUTH error is recorded
    connection = world.settings.connection
    assert connection is not None
    assert connection.status is ConnectionStatus.REVOKED
    assert "expired" in connection.status_reason
    assert not world.settings.syncing
    (error,) = world.state.errors_of(USER)
    assert (error.kind, error.sia_id) == (SyncErrorKind.AUTH, "task-1")

    # And later changes are not synced until the user reconnects
    world.rep_updates(priority=Priority.NORMAL)
    (decision,) = world.sync()
    assert decision.skipped is SkipReason.SYNC_OFF
