"""SPEC 7 (stale-safe): a record read at a commit shows every Salesforce change up to it, so a write the sync
sends again after that read was decided over them all. The rep completes a task and the write goes
unanswered; Salesforce's user sets a status SIA cannot hold just after; a record read cannot date that
(a whole record's last modification may be any field's), so the rep's completion stands, the conflict is
recorded, and the write is sent again. The user's change event, delivered late, is older than that read:
it changes nothing. Before, the write sent again kept the base of its first sending, so the event was
taken for a change the write had replaced unseen, and Salesforce's value was written back, the conflict
recorded a second time with the other winner (sim seeds 5106 and 7284: replays that wrote)."""

from __future__ import annotations

import dataclasses

from tasksync.domain.reminder_task import Status, TaskField
from tasksync.domain.salesforce_task import SalesforceField
from tasksync.domain.sync_link import Side
from tasksync.engine.decisions import UpdateSalesforceTask
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import CLIENT_ID, at, context, decide_sf, edited, event, linked, sf_record, sf_updated, stored

WAITING = "Waiting on someone else"


def test_a_late_event_of_a_change_a_read_showed_before_the_write_went_again_changes_nothing() -> None:
    task, link = linked()
    task = edited(task, at(minutes=20), status=Status.COMPLETE)
    decided = decide_reminder_event(event(task), link, context(now=at(minutes=20)))
    assert decided.link is not None
    unanswered = stored(decided.link.updated(unsent=(SalesforceField.STATUS,)), at(minutes=20))
    record = sf_record(at(minutes=21), Status=WAITING, Priority="Normal")
    read = dataclasses.replace(record, read_at=at(minutes=25))
    resent = decide_sf(read, unanswered, task, minutes=25)
    assert isinstance(resent.salesforce, UpdateSalesforceTask)
    assert resent.salesforce.update.values == {SalesforceField.STATUS: "Completed"}
    assert [(c.field, c.winner) for c in resent.conflicts] == [(TaskField.STATUS.value, Side.SIA)]
    echo = sf_updated(at(minutes=26), client_id=CLIENT_ID, Status="Completed")
    landed = decide_sf(echo, stored(resent.link, at(minutes=25)), task, minutes=26).link
    assert landed is not None
    late = sf_updated(at(minutes=21), client_id="SfdcInternalAPI/", Status=WAITING)

    decided = decide_sf(late, stored(landed, at(minutes=26)), task, minutes=40)

    assert decided.salesforce is None
    assert decided.reminder is None
    assert Side.SALESFORCE not in [c.winner for c in decided.conflicts]
