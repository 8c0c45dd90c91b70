"""SPEC 7 (stale-safe): the sync's create writes every field when the record is made, so it replaced no
Salesforce change made after. A Salesforce user moves the due date of a record the sync made and moves it
back; the create's CDC event is lost, and a record read shows the create's value (the user's move back).
The first move's event, delivered late, is older than that read: it changes nothing. Before, it was taken
for a change the create's write had replaced unseen (a create's write has no base), and the old date was
written back to both sides (sim seed 6426: replaying old events wrote to Salesforce and SIA)."""

from __future__ import annotations

from datetime import date

from tasksync.engine.changes import SalesforceChange
from tests.unit.builders import SyncWorld

DUE = date(2026, 3, 30)
MOVED = date(2026, 3, 2)


def test_a_late_event_of_a_change_made_after_the_create_and_undone_changes_nothing() -> None:
    world = SyncWorld()
    world.rep_creates(due_date=DUE)
    (created,) = world.pending()
    world.deliver(created)
    sf_id = world.record_of().id
    world.mark_delivered()  # the create's own CDC event is lost
    world.tick(10)
    world.org.update(sf_id, {"ActivityDate": MOVED}, "SfdcInternalAPI/")
    (moved,) = world.pending()
    world.tick(10)
    world.org.update(sf_id, {"ActivityDate": DUE}, "SfdcInternalAPI/")
    world.mark_delivered()  # both events late
    world.tick(10)
    world.deliver(SalesforceChange.of_record(world.org.records[sf_id], world.now))  # the create's value
    writes = world.org.writes_by_client

    world.deliver(moved)
    world.sync()

    assert world.org.writes_by_client == writes
    assert world.org.records[sf_id].activity_date == DUE
    task = world.task()
    assert task is not None and task.due_date == DUE
