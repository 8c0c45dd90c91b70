"""SPEC 3 cuts the rendered Subject to 255 characters: a field the template shows past the cut renders
nothing, so the rep's changes of it leave a Subject edited in Salesforce as it is."""

from __future__ import annotations

from datetime import date

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tests.unit.builders import SyncWorld, settings

TEMPLATE = "{{activity_subject}} due {{activity_due_date}}"
LONG_NAME = "L" * 255


def _moved_and_back_after_a_subject_edit(name: str) -> str | None:
    """The Subject once the rep moves the due date and back, both events in one batch, after a Salesforce
    user edited the Subject."""
    world = SyncWorld(settings(subject_template=TEMPLATE))
    world.rep_creates(name, due_date=date(2026, 1, 5))
    world.sync()
    world.tick(60)
    world.org.update(world.record_of().id, {"Subject": "Send deck"})
    world.sync()
    world.tick(60)
    world.rep_updates(due_date=date(2026, 1, 6))
    world.rep_updates(due_date=date(2026, 1, 5))
    events = [e for e in world.pending() if isinstance(e, ReminderTaskEvent)]
    world.mark_delivered()
    apply_reminder_batch(events, world.services)
    world.sync()
    return world.record_of().subject


def test_a_due_date_moved_and_back_past_the_cut_renders_no_subject_over_a_salesforce_edit() -> None:
    # A name so long that the due date is cut from the Subject: no change of the rep's rendered another.
    assert _moved_and_back_after_a_subject_edit(LONG_NAME) == "Send deck"


def test_a_due_date_moved_and_back_within_the_cut_renders_the_subject_again() -> None:
    # The change in between rendered another Subject over the edit: the one back renders over it in turn.
    assert _moved_and_back_after_a_subject_edit("Call Ana") == "Call Ana due 2026-01-05"
