"""SPEC 7 (deletes stay deleted; every event may arrive late or more than once): the rep creates a task and
deletes it; its delete event is lost, and its create or an edit comes late. The create's pending link is
saved only while the task lives (one write, as before): the task is gone, so nothing is pushed to
Salesforce, and the link remembers the delete. Before, the record was made, then deleted again at its own
change event (sim seeds 692, 1147, 3718: the replay of old events wrote twice)."""

from __future__ import annotations

import pytest

from tasksync.domain.reminder_events import ReminderEventKind, ReminderTaskEvent
from tasksync.domain.sync_link import LinkState
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tests.unit.builders import SyncWorld


def _created_edited_and_deleted(world: SyncWorld) -> list[ReminderTaskEvent]:
    world.rep_creates()
    world.rep_updates(details="bring pricing")
    world.rep_deletes()
    events = [e for e in world.pending() if isinstance(e, ReminderTaskEvent)]
    world.mark_delivered()  # the delete event is lost for good
    return events


@pytest.mark.parametrize("late", [ReminderEventKind.CREATED, ReminderEventKind.UPDATED])
def test_a_late_event_of_a_task_deleted_since_pushes_nothing(late: ReminderEventKind) -> None:
    world = SyncWorld()
    (event,) = [e for e in _created_edited_and_deleted(world) if e.kind is late]

    world.deliver(event)
    world.sync()

    assert world.org.writes_by_client == 0  # not a record made, then deleted again
    assert world.org.records == {}
    assert world.link_of().state is LinkState.DELETED


def test_a_batch_with_a_late_create_of_a_task_deleted_since_pushes_nothing() -> None:
    world = SyncWorld()
    (created,) = [e for e in _created_edited_and_deleted(world) if e.kind is ReminderEventKind.CREATED]

    outcome = apply_reminder_batch([created], world.services)
    world.sync()

    assert outcome.failed == {}
    assert world.org.writes_by_client == 0
    assert world.link_of().state is LinkState.DELETED


def test_a_create_sent_again_for_a_task_deleted_since_pushes_nothing() -> None:
    world = SyncWorld()
    world.rep_creates()
    (created,) = world.pending()
    world.mark_delivered()
    assert isinstance(created, ReminderTaskEvent)
    down = iter([SalesforceError(ErrorKind.TRANSIENT, "SERVER_UNAVAILABLE", "Server temporarily unavailable")])
    world.fault = lambda moment: next(down, None) if moment == "before create_tasks" else None
    with pytest.raises(SalesforceError):
        world.deliver(created)  # its pending link saved, the create not made: the event goes back to its queue
    world.rep_deletes()
    world.mark_delivered()  # the delete event is lost for good

    world.deliver(created)
    world.sync()

    assert world.org.writes_by_client == 0
    assert world.link_of().state is LinkState.DELETED
