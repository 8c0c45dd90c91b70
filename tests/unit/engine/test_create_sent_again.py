"""SPEC 7: a create that Salesforce did not take (down, busy) is sent again with the rep's newer values; a
Flow that sets a field back to what the first attempt held, in the create's own transaction, is Salesforce's
change, not the first attempt's echo (sim seed 396: the rep's Normal stood in SIA, Salesforce kept High)."""

from __future__ import annotations

import dataclasses
from typing import Any

from tasksync.domain.reminder_task import Priority, TaskField
from tasksync.engine.decisions import CreateSalesforceTask, SkipReason, UpdateReminder
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import (
    CLIENT_ID,
    SF_ID,
    at,
    context,
    decide_sf,
    edited,
    event,
    reminder,
    sf_created,
    sf_record,
)


def test_automation_setting_the_first_attempts_value_in_the_create_sent_again_is_salesforces() -> None:
    task = reminder("Demo prep", priority=Priority.HIGH)
    first = decide_reminder_event(event(task), None, context(now=at(minutes=1)))
    assert first.link is not None  # staged with its create; Salesforce answered SERVER_UNAVAILABLE
    task = edited(task, at(minutes=2), priority=Priority.NORMAL)
    again = decide_reminder_event(event(task), first.link, context(now=at(minutes=3)))
    assert isinstance(again.salesforce, CreateSalesforceTask) and again.link is not None
    made = again.link.updated(sf_id=SF_ID)
    # The create's own event: a Flow set Priority to High in its transaction.
    sent: dict[str, Any] = {field.value: value for field, value in again.salesforce.create.values.items()}
    created = sf_created(at(minutes=3), client_id=CLIENT_ID, **(sent | {"Priority": "High", "Tasksync_Id__c": task.id}))

    assert decide_sf(created, made, task, 3.1).skipped is SkipReason.NEEDS_RECORD
    read = sf_record(at(minutes=3), **(sent | {"Priority": "High", "Tasksync_Id__c": task.id}))
    decided = decide_sf(
        dataclasses.replace(read, read_at=at(minutes=3.2)), made.updated(saved_at=at(minutes=3.1)), task, 3.2
    )
    assert isinstance(decided.reminder, UpdateReminder)
    assert decided.reminder.changes[TaskField.PRIORITY] is Priority.HIGH
