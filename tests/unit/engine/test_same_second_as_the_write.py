"""Salesforce's commit times are whole seconds (SPEC 7). A Salesforce user's change in the same second as a
write of the sync's that the write's own event showed landing: the record held the write after that
second, so the write came last, over the change. Delivered late, the change is a crossing the write
replaced unseen: the conflict is recorded, and the later of the two changes wins (here the rep's)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Priority
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_link import Side
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.settle import nothing_observed, settle
from tests.unit.builders import SyncWorld, context, linked


def test_a_change_in_the_second_of_a_write_that_replaced_it_is_a_recorded_conflict_when_it_comes_late() -> None:
    world = SyncWorld()
    world.rep_creates()
    world.sync()
    sf_id = world.record_of().id
    # The rep moves the due date; in that second a Salesforce user moves it too, and the sync writes the rep's
    world.rep_updates(due_date=date(2026, 4, 1))
    (moved,) = world.pending()
    assert isinstance(moved, ReminderTaskEvent)
    world.mark_delivered()
    world.org.update(sf_id, {"ActivityDate": "2026-05-01"})
    (theirs,) = world.pending()
    assert isinstance(theirs, SalesforceChange)
    world.mark_delivered()
    world.deliver(moved)
    world.sync()  # the write's own event shows it, in that second
    # An hour later the rep moves it again; the Salesforce user's event comes only after
    world.tick(3600)
    world.rep_updates(due_date=date(2026, 6, 1))
    world.sync()
    world.deliver(theirs)
    world.sync()

    task, record = world.task(), world.record_of()
    assert task is not None and (task.due_date, record.activity_date) == (date(2026, 6, 1), date(2026, 6, 1))
    assert world.conflict_winners("due_date") == [Side.SIA]


def test_a_synced_value_set_in_the_second_of_the_syncs_create_reaches_sia_before_an_unsynced_one() -> None:
    # The sync creates the record; in that second a Salesforce user sets High, then Low (SIA cannot hold it)
    world = SyncWorld()
    world.rep_creates()
    (created,) = world.pending()
    assert isinstance(created, ReminderTaskEvent)
    world.mark_delivered()
    world.deliver(created)
    sf_id = world.record_of().id
    world.org.update(sf_id, {"Priority": "High"})
    world.tick()
    world.org.update(sf_id, {"Priority": "Low"})
    world.sync()

    # The update came after the create, whose record it changed: in order, SIA took High and keeps it (SPEC 2)
    task = world.task()
    assert task is not None and task.priority is Priority.HIGH
    assert world.record_of().priority == "Low"


def test_a_value_won_back_that_salesforce_holds_already_writes_nothing() -> None:
    # An event of a crossing delivered again, long after (its key forgotten), wins the same value back (sim
    # seed 1110): Salesforce holds it, and writing it again would be a write with no change (SPEC 7).
    task, link = linked()
    held = link.salesforce.priority
    observed = dataclasses.replace(nothing_observed(link), restore={SalesforceField.PRIORITY: held})

    decision = settle(link, task, observed, context())

    assert decision.salesforce is None


def test_a_write_of_the_value_a_salesforce_change_had_set_replaced_nothing() -> None:
    # Salesforce's clock runs 70 seconds ahead. A Salesforce user sets Normal (its event late); the rep sets
    # Normal too, which the sync writes (the same value), then High, written over it
    world = SyncWorld()
    world.org.skew = timedelta(seconds=70)
    world.rep_creates(priority=Priority.HIGH)
    world.sync()
    sf_id = world.record_of().id
    world.tick()
    world.org.update(sf_id, {"Priority": "Normal"}, client_id="SfdcInternalAPI/")  # a user, in the UI
    (theirs,) = world.pending()
    assert isinstance(theirs, SalesforceChange)
    world.mark_delivered()
    world.tick()
    world.rep_updates(priority=Priority.NORMAL)
    world.sync()
    world.tick(3)
    world.rep_updates(priority=Priority.HIGH)
    world.sync()
    # When the user's event comes at last (or again, long after: sim seed 9823)
    world.deliver(theirs)
    world.sync()

    # Then nothing changes: the write of Normal left the field as the user had set it, so the user's change
    # crossed nothing the sync wrote; the rep's High, written after both, stands
    task = world.task()
    assert task is not None and (task.priority, world.record_of().priority) == (Priority.HIGH, "High")
