"""A record read that shows a field other than the sync's last write of it, that write still unshown: the
value is automation's, in the write's own transaction, or a user's right after, unless the write had
landed well before the record last changed (beyond the clocks' margin). Then it is a later change like
any other, and the later change wins (SPEC 3 and 7)."""

from __future__ import annotations

from datetime import date
from typing import Any

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Priority
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tests.unit.builders import SyncWorld, settings

TEMPLATE = "{{activity_subject}} due {{activity_due_date}}"


def _written_and_unshown(world: SyncWorld, **changes: Any) -> None:
    """The rep's change written to Salesforce; its change event is late."""
    world.rep_updates(**changes)
    (edit,) = world.pending()
    assert isinstance(edit, ReminderTaskEvent)
    world.mark_delivered()
    apply_reminder_batch([edit], world.services)
    world.mark_delivered()


def _late(world: SyncWorld, **changes: Any) -> ReminderTaskEvent:
    """The rep's next change, whose event is delivered late."""
    world.rep_updates(**changes)
    (edit,) = world.pending()
    assert isinstance(edit, ReminderTaskEvent)
    world.mark_delivered()
    return edit


def test_a_subject_edited_long_after_the_syncs_write_landed_is_not_rendered_over_by_an_older_change() -> None:
    # Given a due date written to Salesforce, its event late, and the rep's next due date late too
    world = SyncWorld(settings(subject_template=TEMPLATE))
    world.rep_creates(due_date=date(2026, 1, 5))
    world.sync()
    sf_id = world.record_of().id
    _written_and_unshown(world, due_date=None)
    moved = _late(world, due_date=date(2026, 1, 6))
    # When a Salesforce user edits the Subject 39 minutes later, before that late event is applied
    world.tick(39 * 60)
    world.org.update(sf_id, {"Subject": "Send deck"})
    world.tick()
    apply_reminder_batch([moved], world.services)
    world.sync()

    # Then the edit, the later change, keeps the Subject; the due date still goes
    record = world.record_of()
    assert (record.subject, record.activity_date) == ("Send deck", date(2026, 1, 6))


def test_a_priority_changed_long_after_the_syncs_write_landed_is_no_conflict_with_it() -> None:
    # Given a priority written to Salesforce, its event late
    world = SyncWorld()
    world.rep_creates()
    world.sync()
    sf_id = world.record_of().id
    _written_and_unshown(world, priority=Priority.HIGH)
    moved = _late(world, due_date=date(2026, 1, 6))
    # When a Salesforce user sets it back 39 minutes later, before the rep's late due date is applied
    world.tick(39 * 60)
    world.org.update(sf_id, {"Priority": "Normal"})
    world.tick()
    apply_reminder_batch([moved], world.services)
    world.sync()

    # Then SIA takes the user's change: the rep's was agreed already, so nothing crossed
    task = world.task()
    assert task is not None and (task.priority, task.due_date) == (Priority.NORMAL, date(2026, 1, 6))
    assert [e for e in world.state.errors if e.kind is SyncErrorKind.CONFLICT] == []
