"""SPEC sections 5.2 and 6: sync runs only while it is on; SIA tasks created before it was turned on stay
local."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tasksync.domain.reminder_events import ReminderEventKind
from tasksync.domain.reminder_task import Priority, Status
from tasksync.domain.settings import ConnectionStatus
from tasksync.engine.decisions import CreateSalesforceTask, SkipReason
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.engine.from_salesforce import decide_salesforce_change
from tests.unit.builders import (
    T0,
    SyncWorld,
    at,
    connection,
    context,
    deleted,
    edited,
    event,
    pushed,
    reminder,
    settings,
    sf_record,
    sf_updated,
)

OFF = [
    {"enabled": False},
    {"connection": None},
    {"connection": connection(status=ConnectionStatus.REVOKED)},
]
OFF_IDS = ["turned off", "never connected", "connection revoked"]


@pytest.mark.parametrize("off", OFF, ids=OFF_IDS)
def test_a_salesforce_change_while_sync_is_off_is_skipped(off):
    task = reminder()
    link = pushed(task, context(now=at(minutes=2)))

    decision = decide_salesforce_change(
        sf_updated(at(minutes=10), Status="Completed"), link, task, context(now=at(minutes=10), **off)
    )

    assert decision.skipped is SkipReason.SYNC_OFF
    assert (decision.reminder, decision.salesforce, decision.link) == (None, None, None)


@pytest.mark.parametrize("off", OFF, ids=OFF_IDS)
def test_a_salesforce_task_is_not_imported_while_sync_is_off(off):
    decision = decide_salesforce_change(sf_record(at(minutes=5)), None, None, context(**off))

    assert decision.skipped is SkipReason.SYNC_OFF
    assert decision.reminder is None


@pytest.mark.parametrize("off", OFF, ids=OFF_IDS)
def test_an_sia_event_while_sync_is_off_is_skipped(off):
    task = reminder()
    link = pushed(task, context(now=at(minutes=2)))
    changed = edited(task, at(minutes=10), priority=Priority.HIGH)

    decision = decide_reminder_event(event(changed), link, context(now=at(minutes=10), **off))

    assert decision.skipped is SkipReason.SYNC_OFF
    assert (decision.reminder, decision.salesforce, decision.link) == (None, None, None)


def test_a_new_sia_task_is_not_pushed_while_sync_is_off():
    decision = decide_reminder_event(event(reminder()), None, context(enabled=False))

    assert decision.skipped is SkipReason.SYNC_OFF
    assert decision.salesforce is None


def test_a_task_created_after_sync_was_turned_on_goes_to_salesforce():
    decision = decide_reminder_event(event(reminder(created_at=T0 + timedelta(seconds=1))), None, context())

    assert isinstance(decision.salesforce, CreateSalesforceTask)


def before_sync():
    return reminder("Old task", created_at=T0 - timedelta(days=3))


def test_a_task_created_before_sync_was_turned_on_stays_local():
    decision = decide_reminder_event(event(before_sync()), None, context())

    assert decision.skipped is SkipReason.CREATED_BEFORE_SYNC
    assert decision.salesforce is None
    assert decision.link is None


@pytest.mark.parametrize(
    ("kind", "changes"),
    [
        (ReminderEventKind.UPDATED, {"name": "Old task, renamed"}),
        (ReminderEventKind.COMPLETED, {"status": Status.COMPLETE}),
    ],
)
def test_a_task_created_before_sync_was_turned_on_stays_local_when_edited_later(kind, changes):
    later = edited(before_sync(), at(minutes=10), **changes)

    decision = decide_reminder_event(event(later, kind), None, context(now=at(minutes=10)))

    assert decision.skipped is SkipReason.CREATED_BEFORE_SYNC
    assert decision.salesforce is None


def test_deleting_a_task_created_before_sync_touches_nothing_in_salesforce():
    decision = decide_reminder_event(deleted(before_sync(), at(minutes=10)), None, context(now=at(minutes=10)))

    assert decision.salesforce is None


def test_turning_sync_off_stops_both_directions_end_to_end():
    # Given a task synced both ways
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    record = world.record_of()

    # When the rep turns sync off and edits on both sides
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    world.rep_updates(priority=Priority.HIGH)
    world.org.update(record.id, {"Status": "Completed"})
    world.sync()

    # Then neither side hears of the other's edit
    assert world.record_of().priority == "Normal"
    assert world.task().status is Status.OPEN


def test_an_existing_sia_task_never_reaches_salesforce_end_to_end():
    world = SyncWorld(settings(enabled=False, enabled_at=None))
    world.rep_creates("Old task", task_id="old")
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": world.tick(60)}))

    world.rep_updates("old", name="Old task, renamed")
    world.rep_updates("old", status=Status.COMPLETE)
    world.sync()

    assert world.org.records == {}
