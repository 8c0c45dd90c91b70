"""A refused update lands in no part (sObject Collections, one record's error): what the sync resent
with it is still not in Salesforce, and a later read that shows the old value is no Salesforce edit."""

from __future__ import annotations

import contextlib
from datetime import date

import pytest

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Status
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import Side, SyncLink
from tasksync.engine.changes import SalesforceChange
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.use_cases.reminder_events import apply_reminder_event
from tests.unit.builders import SyncWorld

MOVED = date(2026, 3, 30)


def test_a_due_date_resent_with_a_refused_change_is_not_taken_back_by_the_next_read() -> None:
    world = SyncWorld()
    world.rep_creates(details="bring pricing")
    world.sync()
    record = world.record_of()
    world.rep_updates(due_date=MOVED)
    (moved,) = world.pending()
    assert isinstance(moved, ReminderTaskEvent)
    world.mark_delivered()
    world.fault = lambda moment: (
        SalesforceError(ErrorKind.TRANSIENT, "SERVER_UNAVAILABLE", "down") if moment == "before update_tasks" else None
    )
    with contextlib.suppress(SalesforceError):  # back to its queue; the write is remembered as unsent
        apply_reminder_event(moved, world.settings, world.services)
    world.fault = None
    world.org.validation_rules.append(lambda before, after, by_api: "no" if after.get("Description") == "x" else None)
    world.rep_updates(details="x")
    world.sync()  # the due date goes again with the refused details: neither lands
    assert world.org.records[record.id].activity_date is None

    world.tick(60)
    # The record read again (a gap event, the reconciliation): it shows the due date from before.
    world.deliver(SalesforceChange.of_record(world.org.records[record.id], world.now))

    task = world.task()
    assert task is not None and task.due_date == MOVED


class _Crash(Exception):
    pass


def test_a_refusal_is_recorded_though_the_sync_dies_once_its_link_says_the_write_did_not_happen(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # SPEC 7: a permanent error is recorded for the user. The retry of the event finds it applied (the link
    # saved without the refused write); a refusal recorded after that save was lost with the crash (sim
    # seeds 5331 and 7425).
    world = SyncWorld()
    world.rep_creates()
    world.sync()
    world.org.validation_rules.append(lambda before, after, by_api: "no" if after.get("Description") == "x" else None)
    world.rep_updates(details="x")
    (edited,) = world.pending()
    assert isinstance(edited, ReminderTaskEvent)
    world.mark_delivered()
    save_link = world.state.save_link

    def dies_once_the_write_is_given_up(link: SyncLink) -> SyncLink:
        saved = save_link(link)
        if not link.unsent:
            monkeypatch.setattr(world.state, "save_link", save_link)
            raise _Crash("after save_link")
        return saved

    monkeypatch.setattr(world.state, "save_link", dies_once_the_write_is_given_up)
    with pytest.raises(_Crash):
        apply_reminder_event(edited, world.settings, world.services)
    apply_reminder_event(edited, world.settings, world.services)  # the queue's retry

    refusals = [e for e in world.state.errors if e.kind is SyncErrorKind.PERMANENT and e.sia_id == "task-1"]
    assert [e.code for e in refusals] == ["FIELD_CUSTOM_VALIDATION_EXCEPTION"]


def test_a_salesforce_change_after_a_refused_one_of_the_reps_is_a_conflict_it_wins() -> None:
    # The rep's details were refused by a validation rule; an hour later a Salesforce user changes Comments.
    # Both sides changed the field since it was last in step: the later change wins, and the rep is told.
    world = SyncWorld()
    world.rep_creates(details="bring pricing")
    world.sync()
    record = world.record_of()
    world.org.validation_rules.append(lambda before, after, by_api: "no" if after.get("Description") == "x" else None)
    world.rep_updates(details="x")
    world.sync()
    world.tick(3600)
    world.org.update(record.id, {"Description": "see notes"})
    world.sync()

    task = world.task()
    assert task is not None and task.details == "see notes"
    assert world.conflict_winners("details") == [Side.SALESFORCE]


def test_a_rename_refused_with_its_update_reaches_the_subject_with_the_reps_next_change() -> None:
    # Given a rule that refuses the rep's new name for a while
    world = SyncWorld()
    world.rep_creates()
    world.sync()

    def refuse(before: object, after: dict[str, object], by_api: bool) -> str | None:
        return "not that name" if after.get("Subject") == "Call Bob" else None

    world.org.validation_rules.append(refuse)
    world.rep_updates(name="Call Bob")
    world.sync()
    assert world.record_of().subject == "Call Alice back"

    # When the rule is lifted and the rep completes the task (the template does not show the status)
    world.org.validation_rules.remove(refuse)
    world.rep_updates(status=Status.COMPLETE)
    world.sync()

    # Then the rename, never agreed, goes with the completion (SPEC 3)
    record = world.record_of()
    assert (record.subject, record.status) == ("Call Bob", "Completed")


def test_a_rename_resent_with_a_refused_change_reaches_the_subject_once_the_change_is_fixed() -> None:
    # Given a rename whose update timed out (it may or may not have landed: it is resent by value)
    world = SyncWorld()
    world.rep_creates()
    world.sync()
    world.rep_updates_and_the_update_times_out(name="Call Bob")
    # and resent with details a validation rule refuses: neither lands
    world.org.validation_rules.append(lambda before, after, by_api: "no" if after.get("Description") == "x" else None)
    world.rep_updates(details="x")
    world.sync()
    record = world.record_of()
    assert record.subject == "Call Alice back"
    # and a read of the record since shows the Subject from before
    world.tick(60)
    world.deliver(SalesforceChange.of_record(record, world.now))

    # When the rep fixes the details
    world.rep_updates(details="y")
    world.sync()

    # Then the rename, which never reached Salesforce, goes with them (SPEC 3)
    record = world.record_of()
    assert (record.subject, record.description) == ("Call Bob", "y")
