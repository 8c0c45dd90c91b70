"""SPEC 2 and 7: a value SIA cannot hold (``Low``) set in Salesforce after SIA's change of the field wins
in Salesforce, even when the sync's write of SIA's older change replaced it unseen: it is written back,
SIA keeps its own value, and the conflict is recorded with Salesforce as the winner."""

from __future__ import annotations

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Priority
from tasksync.domain.sync_link import Side
from tasksync.engine.changes import SalesforceChange
from tests.unit.builders import SyncWorld


def test_a_later_low_that_the_syncs_older_write_replaced_unseen_comes_back() -> None:
    world = SyncWorld()
    world.rep_creates()
    world.sync()
    record = world.record_of()
    world.rep_updates(priority=Priority.HIGH)
    (raised,) = world.pending()
    world.mark_delivered()
    world.tick(300)
    world.org.update(record.id, {"Priority": "Low"})  # five minutes later, in Salesforce
    (lowered,) = world.pending()
    world.mark_delivered()
    assert isinstance(raised, ReminderTaskEvent) and isinstance(lowered, SalesforceChange)

    world.deliver(raised)  # SIA's older change is applied first: it writes High over Low, unseen
    world.tick()
    world.deliver(lowered)  # then Salesforce's later change comes
    world.sync()

    assert world.org.records[record.id].priority == "Low"
    task = world.task()
    assert task is not None and task.priority is Priority.HIGH
    assert world.conflict_winners("priority") == [Side.SALESFORCE]
