"""SPEC 7 (deletes stay deleted; every event may arrive late or more than once): the rep creates a task and
deletes it; its delete event is lost, and its create or an edit comes late. The store's tombstone says the
task is gone: nothing is pushed to Salesforce, and the link remembers the delete."""

from __future__ import annotations

import pytest

from tasksync.domain.reminder_events import ReminderEventKind, ReminderTaskEvent
from tasksync.domain.sync_link import LinkState
from tests.unit.builders import SyncWorld


@pytest.mark.parametrize("late", [ReminderEventKind.CREATED, ReminderEventKind.UPDATED])
def test_a_late_event_of_a_task_deleted_since_pushes_nothing(late: ReminderEventKind) -> None:
    world = SyncWorld()
    world.rep_creates()
    world.rep_updates(details="bring pricing")
    world.rep_deletes()
    events = [e for e in world.pending() if isinstance(e, ReminderTaskEvent)]
    world.mark_delivered()  # the delete event is lost for good
    (event,) = [e for e in events if e.kind is late]

    world.deliver(event)
    world.sync()

    assert world.org.writes_by_client == 0  # not a record made, then deleted again
    assert world.org.records == {}
    assert world.link_of().state is LinkState.DELETED


def test_a_tombstone_naming_another_writer_is_the_reps_delete(monkeypatch: pytest.MonkeyPatch) -> None:
    world = SyncWorld()
    world.rep_creates()
    world.rep_deletes()
    (created,) = [
        e for e in world.pending() if isinstance(e, ReminderTaskEvent) and e.kind is ReminderEventKind.CREATED
    ]
    world.mark_delivered()
    kept = world.sia.tombstone
    # Another app's store behind the port names its own writers (``Tombstone.deleted_by`` is its word).
    monkeypatch.setattr(
        world.sia,
        "tombstone",
        lambda user, task: (gone := kept(user, task)) and gone.model_copy(update={"deleted_by": "admin"}),
    )

    world.deliver(created)

    assert world.org.writes_by_client == 0
    assert world.link_of().state is LinkState.DELETED
