"""SPEC 9 ``sync``: where a task stands with Salesforce, from its link and its latest error."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_error import SyncError, SyncErrorKind
from tasksync.domain.sync_link import LinkState
from tasksync.domain.sync_status import SyncState, sync_status
from tests.unit.builders import SF_ID, T0, USER, at, linked, reminder, settings


def error(kind: SyncErrorKind, minutes: float, code: str = "FIELD_CUSTOM_VALIDATION_EXCEPTION") -> SyncError:
    return SyncError(
        user_id=USER, kind=kind, occurred_at=at(minutes=minutes), message="refused", code=code, sia_id="task-1"
    )


def test_a_task_made_before_sync_was_on_is_local() -> None:
    task = reminder(created_at=T0 - timedelta(minutes=1))

    assert sync_status(task, None, None, settings()).state is SyncState.LOCAL


def test_a_task_made_while_sync_is_off_is_local() -> None:
    assert sync_status(reminder(), None, None, settings(enabled=False)).state is SyncState.LOCAL


def test_a_task_made_while_sync_is_on_is_pending_until_its_link_names_the_record() -> None:
    task, link = linked()

    assert sync_status(task, None, None, settings()).state is SyncState.PENDING
    not_answered = link.model_copy(update={"sf_id": None})  # the create on its way: its link saved first
    assert sync_status(task, not_answered, None, settings()).state is SyncState.PENDING


def test_a_linked_task_in_agreement_is_synced_with_its_record_and_when() -> None:
    task, link = linked()
    link = link.updated(saved_at=at(minutes=2))

    status = sync_status(task, link, None, settings())

    assert (status.state, status.salesforce_id, status.last_synced_at, status.error) == (
        SyncState.SYNCED,
        SF_ID,
        at(minutes=2),
        None,
    )


def test_an_edit_not_yet_taken_in_is_pending() -> None:
    task, link = linked()
    edited = task.with_changes({}, at(minutes=3)).model_copy(update={"version": link.sia_version + 1})

    assert sync_status(edited, link, None, settings()).state is SyncState.PENDING
    assert (
        sync_status(task, link.updated(unsent=(SalesforceField.SUBJECT,)), None, settings()).state is SyncState.PENDING
    )


@pytest.mark.parametrize(("kind", "retried"), [(SyncErrorKind.PERMANENT, False), (SyncErrorKind.TRANSIENT, True)])
def test_an_error_after_the_last_sync_stops_the_task_and_says_whether_it_is_retried(
    kind: SyncErrorKind, retried: bool
) -> None:
    task, link = linked()
    link = link.updated(saved_at=at(minutes=2))

    status = sync_status(task, link, error(kind, minutes=3), settings())

    assert status.state is SyncState.ERROR
    assert status.error is not None
    assert (status.error.code, status.error.will_retry) == ("FIELD_CUSTOM_VALIDATION_EXCEPTION", retried)
    assert status.last_synced_at == at(minutes=2)


def test_an_error_the_task_synced_past_is_over() -> None:
    task, link = linked()
    link = link.updated(saved_at=at(minutes=4))

    assert sync_status(task, link, error(SyncErrorKind.PERMANENT, minutes=3), settings()).state is SyncState.SYNCED


def test_a_conflict_is_told_but_stops_nothing() -> None:
    task, link = linked()
    link = link.updated(saved_at=at(minutes=2))

    assert sync_status(task, link, error(SyncErrorKind.CONFLICT, minutes=3), settings()).state is SyncState.SYNCED


def test_a_refused_create_of_an_unlinked_task_is_an_error() -> None:
    status = sync_status(
        reminder(), None, error(SyncErrorKind.PERMANENT, minutes=3, code="STRING_TOO_LONG"), settings()
    )

    assert status.state is SyncState.ERROR and status.error is not None and status.error.code == "STRING_TOO_LONG"


def test_a_task_whose_link_left_the_reps_reminders_is_local() -> None:
    task, link = linked()

    assert sync_status(task, link.updated(state=LinkState.LEFT), None, settings()).state is SyncState.LOCAL
