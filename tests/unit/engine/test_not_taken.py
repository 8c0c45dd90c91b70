"""SPEC 7: an update Salesforce answered it did not take (a server down, a row it could not lock) leaves
no trace of a write in the link. Two such answers for SIA's changes of one field, then a later edit of it
in Salesforce to SIA's first value: the Salesforce edit is the later change and wins, where a link still
counting both writes as sent read it as the second one not landed, and wrote SIA's older value over it."""

from __future__ import annotations

import contextlib
from typing import Any

from tasksync.adapters.salesforce.errors import Operation, error_from_response, transient_error
from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Priority
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_link import Side
from tasksync.ports.salesforce import SalesforceError
from tasksync.use_cases.reminder_events import apply_reminder_event
from tests.unit.builders import SyncWorld

DOWN = [{"errorCode": "SERVER_UNAVAILABLE", "message": "Server temporarily unavailable"}]


def _answered_down(moment: str) -> SalesforceError | None:
    return error_from_response(503, DOWN, Operation.UPDATE) if moment == "before update_tasks" else None


def _rep_changes_while_salesforce_is_down(world: SyncWorld, **changes: Any) -> None:
    world.rep_updates(**changes)
    (event,) = world.pending()
    assert isinstance(event, ReminderTaskEvent)
    world.mark_delivered()
    with contextlib.suppress(SalesforceError):  # back to its queue
        apply_reminder_event(event, world.settings, world.services)
    world.tick(120)


def test_a_later_salesforce_edit_wins_over_changes_salesforce_answered_it_did_not_take() -> None:
    world = SyncWorld()
    world.rep_creates(details="first")
    world.sync()
    record = world.record_of()
    world.fault = _answered_down
    _rep_changes_while_salesforce_is_down(world, details="second")
    _rep_changes_while_salesforce_is_down(world, details="third")
    world.fault = None
    link = world.link_of()
    assert link.salesforce.description == "first" and not link.unsent  # as Salesforce holds it

    world.tick(180)
    world.org.update(record.id, {"Description": "second"})  # in Salesforce, after both of SIA's changes
    world.sync()

    assert world.org.records[record.id].description == "second"
    task = world.task()
    assert task is not None and task.details == "second"
    assert world.conflict_winners("details") == [Side.SALESFORCE]


def test_a_time_out_leaves_the_write_unsent_for_the_next_read_to_settle() -> None:
    world = SyncWorld()
    world.rep_creates()
    world.sync()
    timed_out = transient_error(TimeoutError("read timed out"))
    world.fault = lambda moment: timed_out if moment == "before update_tasks" else None
    _rep_changes_while_salesforce_is_down(world, priority=Priority.HIGH)

    link = world.link_of()
    assert link.unsent == (SalesforceField.PRIORITY,)
    assert link.salesforce.priority == "High"  # it may have landed
