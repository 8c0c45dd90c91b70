"""SPEC 7 (stale-safe; the later change wins): a whole record (an UNDELETE, a CREATE) restates every field,
changed or not, so a value in it was set by its last modification (``LastModifiedDate``) at the latest,
not at its commit. A Salesforce user changes Comments and deletes the record; the rep changes the details
after, and the record is undeleted; the sync's write of the rep's change lands over the undeleted record.
The UNDELETE event, delivered late, was taken as Salesforce changing Comments at the undelete, after the
rep: the old value was written back to both sides (sim seed 2288, a replay that wrote to both)."""

from __future__ import annotations

import dataclasses

from tasksync.domain.reminder_task import TaskField
from tasksync.domain.sync_link import Side
from tasksync.engine.decisions import UpdateSalesforceTask
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import (
    CLIENT_ID,
    at,
    context,
    decide_sf,
    edited,
    event,
    linked,
    sf_undeleted,
    sf_updated,
    stored,
)


def test_a_late_undelete_restating_a_value_older_than_the_reps_change_writes_nothing() -> None:
    task, link = linked(details="first")
    # Salesforce's user changed Comments at minute 5 (then deleted the record); the rep's change is at 10.
    task = edited(task, at(minutes=10), details="mine")
    decided = decide_reminder_event(event(task), link, context(now=at(minutes=10)))
    assert isinstance(decided.salesforce, UpdateSalesforceTask)
    # The write landed at minute 30, over the record undeleted at 25; its echo showed it.
    echo = sf_updated(at(minutes=30), client_id=CLIENT_ID, Description="mine")
    shown = decide_sf(echo, stored(decided.link, at(minutes=10)), task, minutes=31).link
    assert shown is not None
    undeleted = dataclasses.replace(
        sf_undeleted(at(minutes=25), Description="theirs", LastModifiedDate=at(minutes=5)), modified_at=at(minutes=5)
    )

    late = decide_sf(undeleted, stored(shown, at(minutes=31)), task, minutes=40)

    assert late.salesforce is None
    assert late.reminder is None
    assert [(c.field, c.winner) for c in late.conflicts] == [(TaskField.DETAILS.value, Side.SIA)]
