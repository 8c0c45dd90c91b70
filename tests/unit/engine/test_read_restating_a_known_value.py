"""A record read that shows a field at the value the sync knew tells no change of it: Salesforce may have
changed it and set it back meanwhile, each event still on its way. A write made then is based on the last
change the sync saw, so that such a change, coming late, is one the write replaced unseen: a crossing, the
later change winning, recorded (SPEC 7)."""

from __future__ import annotations

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Priority
from tasksync.domain.sync_link import Side
from tasksync.engine.changes import SalesforceChange
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tests.unit.builders import SyncWorld


def test_a_salesforce_change_back_to_the_known_value_after_the_reps_wins_when_its_event_comes_late() -> None:
    # Given a High task; a Salesforce user sets Low (its event lost)
    world = SyncWorld()
    world.rep_creates(priority=Priority.HIGH)
    world.sync()
    sf_id = world.record_of().id
    world.tick()
    world.org.update(sf_id, {"Priority": "Low"})
    world.mark_delivered()
    # the rep sets Normal (the event is late), and 7 minutes later the Salesforce user sets High again
    world.tick(20)
    world.rep_updates(priority=Priority.NORMAL)
    (normal,) = world.pending()
    assert isinstance(normal, ReminderTaskEvent)
    world.mark_delivered()
    world.tick(7 * 60)
    world.org.update(sf_id, {"Priority": "High"})
    (high,) = world.pending()
    assert isinstance(high, SalesforceChange)
    world.mark_delivered()
    # When the rep's late event reads the record (High, as the sync knew it) and writes Normal
    world.tick(10 * 60)
    apply_reminder_batch([normal], world.services)
    world.sync()
    assert world.record_of().priority == "Normal"
    # and the Salesforce user's event comes after that
    world.deliver(high)
    world.sync()

    # Then Salesforce's change, 7 minutes after the rep's, wins back, and the rep is told
    task = world.task()
    assert task is not None and (task.priority, world.record_of().priority) == (Priority.HIGH, "High")
    assert world.conflict_winners("priority") == [Side.SALESFORCE]
