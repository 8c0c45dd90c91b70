"""A record read dates a Salesforce change it alone shows by the record's last modification when that change
is the only field that differs from what the link knows; among several, only as the earliest it can have
been made (record 0018). A field that differs because the sync's own write of it never landed (its answer
lost) is no Salesforce change: it does not make the read's one change undatable."""

from __future__ import annotations

from datetime import date

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tests.unit.builders import SyncWorld


def test_a_salesforce_change_half_an_hour_after_the_reps_wins_though_a_rename_of_the_syncs_never_landed() -> None:
    # Given a rename whose update timed out and did not land (the link holds it unsent)
    world = SyncWorld()
    world.rep_creates()
    world.sync()
    sf_id = world.record_of().id
    world.rep_updates_and_the_update_times_out(name="Call Bob")
    # and the rep's due date, whose event is late
    world.rep_updates(due_date=date(2026, 4, 1))
    (moved,) = world.pending()
    assert isinstance(moved, ReminderTaskEvent)
    world.mark_delivered()
    # When a Salesforce user moves the due date half an hour later (its event lost), before the rep's comes
    world.tick(30 * 60)
    world.org.update(sf_id, {"ActivityDate": "2026-05-01"})
    world.mark_delivered()
    world.tick()
    apply_reminder_batch([moved], world.services)
    world.sync()

    # Then the read dates the due date by the record's last change: Salesforce's, the later, wins; the rename
    # still goes
    task, record = world.task(), world.record_of()
    assert task is not None and task.due_date == date(2026, 5, 1)
    assert (record.activity_date, record.subject) == (date(2026, 5, 1), "Call Bob")
