"""The deletion sweep and the reconciliation: what the event path missed, applied record by record."""

from __future__ import annotations

from datetime import timedelta

from tasksync.ports.reminder_tasks import VersionConflict
from tasksync.use_cases.safety_nets import DELETED_CURSOR, UPDATED_CURSOR, reconcile_updates, sweep_deletions
from tests.unit.builders import USER, SyncWorld


def two_pushed_tasks_whose_changes_were_missed() -> SyncWorld:
    world = SyncWorld()
    world.rep_creates("Call Alice back", task_id="task-1")
    world.rep_creates("Send the deck", task_id="task-2")
    world.sync()
    world.tick(120)
    return world


def test_the_sweep_deletes_what_salesforce_deleted_while_its_events_were_lost():
    # Given two pushed tasks deleted in Salesforce, whose change events never arrived
    world = two_pushed_tasks_whose_changes_were_missed()
    for task_id in ("task-1", "task-2"):
        world.org.delete(world.record_of(task_id).id)
    world.mark_delivered()
    world.tick(120)

    # When the sweep runs
    result = sweep_deletions(world.settings, world.services, world.state)

    # Then both SIA tasks are gone, and the cursor moved on
    assert (result.removed, result.failed) == (2, ())
    assert world.task("task-1") is None and world.task("task-2") is None
    assert world.state.get_cursor(USER, DELETED_CURSOR) is not None


def test_one_records_transient_failure_does_not_stop_the_others_and_keeps_the_cursor():
    # Given two records changed in Salesforce while their events were lost
    world = two_pushed_tasks_whose_changes_were_missed()
    for task_id in ("task-1", "task-2"):
        world.org.update(world.record_of(task_id).id, {"Priority": "High"})
    world.mark_delivered()
    world.tick(120)
    update, busy = world.sia.update, [True]

    def contended_once(user_id, task_id, *args, **kwargs):
        # task-1 keeps changing under the sync during the first run (the rep is typing)
        if task_id == "task-1" and busy[0]:
            raise VersionConflict(task_id)
        return update(user_id, task_id, *args, **kwargs)

    world.sia.update = contended_once
    before = world.now - timedelta(minutes=10)
    world.state.put_cursor(USER, UPDATED_CURSOR, before)

    # When the reconciliation runs and one record's read fails once
    first = reconcile_updates(world.settings, world.services, world.state)
    cursor_after_first = world.state.get_cursor(USER, UPDATED_CURSOR)
    busy[0] = False
    second = reconcile_updates(world.settings, world.services, world.state)

    # Then the other is applied at once, the failed one on the next run, and only then the cursor moves
    assert (first.applied, first.failed, cursor_after_first) == (1, (world.record_of("task-1").id,), before)
    assert [world.task(task_id).priority.value for task_id in ("task-1", "task-2")] == ["high", "high"]
    assert not second.failed
    assert world.state.get_cursor(USER, UPDATED_CURSOR) > before


def test_an_old_reminder_undeleted_in_a_transaction_too_big_for_its_events_joins_on_the_reconciliation():
    """SPEC 6: an eligible task untouched for over 24 hours joins SIA the first time it changes while sync
    is on. An undelete does not move LastModifiedDate; its event lost in a GAP_OVERFLOW, the reconciliation
    that overflow starts must decide it as the event would have."""
    world = SyncWorld()
    now = world.now
    world.now = now - timedelta(days=3)
    record = world.org.create({"Subject": "Call Alice back"})
    world.now = now
    world.org.delete(record.id)
    world.org.undelete(record.id)
    world.mark_delivered()  # more than 100,000 changes in the transaction: one GAP_OVERFLOW instead
    overflow_at = world.org.records[record.id].system_modstamp
    world.tick(120)

    reconcile_updates(world.settings, world.services, world.state, since=overflow_at)

    assert [task.name for task in world.tasks()] == ["Call Alice back"]
