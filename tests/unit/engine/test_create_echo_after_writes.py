"""SPEC 7 (no echo): the rep moves a new task's due date and back before the create's own change event
arrives. That event shows the create's value, which the sync has just written again: it shows the create,
not that later write (made after the create answered), so the late echo of the write between is still the
sync's own: no change for SIA, no conflict (sim seeds 5638, 8575)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import SkipReason
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.engine.from_salesforce import decide_salesforce_change
from tests.unit.builders import (
    CLIENT_ID,
    SF_ID,
    at,
    context,
    edited,
    event,
    reminder,
    sent_fields,
    sf_created,
    sf_record,
    sf_updated,
    stored,
)

MOVED = date(2026, 3, 9)


def _moved_and_back_before_the_creates_echo() -> tuple[SyncLink, ReminderTask, SalesforceChange]:
    task = reminder(due_date=None)
    created = decide_reminder_event(event(task), None, context(now=at(minutes=2)))
    assert created.link is not None
    link = created.link.updated(sf_id=SF_ID)  # answered; its change event still on the way
    sent: dict[str, Any] = sent_fields(created)
    for second, due in ((10, MOVED), (12, None)):
        task = edited(task, at(minutes=2, seconds=second), due_date=due)
        decided = decide_reminder_event(event(task), link, context(now=at(minutes=2, seconds=second)))
        assert decided.link is not None
        link = decided.link
    echo = sf_created(at(minutes=2, seconds=1), client_id=CLIENT_ID, Tasksync_Id__c=task.id, **sent)
    return link, task, echo


@pytest.mark.parametrize("client_id", [CLIENT_ID, None], ids=["client id on the echo", "none"])
def test_the_echo_of_a_write_between_two_of_the_creates_value_is_the_syncs_own(client_id: str | None) -> None:
    link, task, create_echo = _moved_and_back_before_the_creates_echo()
    now = at(minutes=2, seconds=20)
    after_create = decide_salesforce_change(create_echo, link, task, context(now=now))
    link = stored(after_create.link or link, now)

    moved_echo = sf_updated(at(minutes=2, seconds=11), client_id=client_id, ActivityDate=MOVED.isoformat())
    decided = decide_salesforce_change(moved_echo, link, task, context(now=now + timedelta(seconds=1)))
    if decided.skipped is SkipReason.NEEDS_RECORD:
        # Salesforce holds the last write: the record read says so.
        read = sf_record(at(minutes=2, seconds=13), Subject=link.rendered_subject, ActivityDate=None)
        read = SalesforceChange.of_record(read.task, now + timedelta(seconds=2), moved_echo)
        decided = decide_salesforce_change(read, link, task, context(now=now + timedelta(seconds=2)))

    assert decided.conflicts == ()
    assert decided.reminder is None and decided.salesforce is None
