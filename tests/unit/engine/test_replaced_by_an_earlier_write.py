"""SPEC 7: a Salesforce change whose event comes late, after the sync wrote the field twice and both writes
showed: the first of those writes replaced it unseen (it came after what that write knew, before that write
showed), though the last write knew of a later Salesforce time (the first write's echo). The rep's later
change won, and the conflict is recorded (sim seeds 9063, 5032; observe placing it against that write)."""

from __future__ import annotations

from tasksync.domain.reminder_task import ReminderTask, TaskField
from tasksync.domain.sync_link import Side, SyncLink
from tasksync.engine.decisions import UpdateSalesforceTask
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import CLIENT_ID, at, context, decide_sf, edited, event, linked, sf_updated


def _written_and_shown(
    link: SyncLink, task: ReminderTask, minutes: float, details: str
) -> tuple[SyncLink, ReminderTask]:
    """The rep changes the details at ``minutes``; the sync writes them, and their echo shows the write."""
    task = edited(task, at(minutes=minutes), details=details)
    decided = decide_reminder_event(event(task), link, context(now=at(minutes=minutes)))
    assert isinstance(decided.salesforce, UpdateSalesforceTask)
    assert decided.link is not None
    echo = sf_updated(at(minutes=minutes + 1), client_id=CLIENT_ID, Description=details)
    shown = decide_sf(echo, decided.link, task, minutes=minutes + 1)
    assert shown.link is not None
    return shown.link, task


def test_a_late_salesforce_change_an_earlier_write_replaced_is_a_conflict_sia_won() -> None:
    task, link = linked(details="first")
    link, task = _written_and_shown(link, task, minutes=10, details="mine")
    link, task = _written_and_shown(link, task, minutes=20, details="mine, again")
    # Salesforce's user emptied Comments at minute 5 (before the rep's first change); its event comes now.
    late = sf_updated(at(minutes=5), Description=None)

    decided = decide_sf(late, link, task, minutes=30)

    # The rep's later change stands on both sides, and the rep sees the conflict it won
    assert decided.reminder is None
    assert decided.salesforce is None
    assert [(c.field, c.winner) for c in decided.conflicts] == [(TaskField.DETAILS.value, Side.SIA)]


def test_a_late_salesforce_change_newer_than_the_write_that_replaced_it_loses_to_the_reps_next() -> None:
    task, link = linked(details="first")
    link, task = _written_and_shown(link, task, minutes=10, details="mine")
    link, task = _written_and_shown(link, task, minutes=20, details="mine, again")
    # Salesforce's user changed Comments at minute 10.5, after the rep's first change and before the sync
    # wrote it (its echo, at 11, showed that write); the event comes now, after the rep's second change.
    late = sf_updated(at(minutes=10, seconds=30), Description="theirs")

    decided = decide_sf(late, link, task, minutes=30)

    # The rep's second change is later than Salesforce's: it won, and the rep sees that conflict (sim seed 5032)
    assert decided.reminder is None
    assert decided.salesforce is None
    assert [(c.field, c.winner) for c in decided.conflicts] == [(TaskField.DETAILS.value, Side.SIA)]
    assert "mine, again" in decided.conflicts[0].message
