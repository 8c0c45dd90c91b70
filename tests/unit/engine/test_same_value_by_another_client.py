"""SPEC 7: a Salesforce user's edit that happens to set the value the sync is writing is not that write.
A user completes the task in Salesforce, the rep completes it in SIA a minute later, and the user reopens
it in Salesforce a minute after that, while Salesforce's events wait: the sync's write of Completed lands
over the reopening unseen. The user's later change wins and the conflict is recorded. Before, the user's
Completed, named by another client, was taken as showing the sync's write, which then looked landed
before the reopening: the reopening was read as news after it, then the write's own echo as news after
that, and SIA kept complete in both places with no conflict."""

from __future__ import annotations

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Status
from tasksync.domain.sync_link import Side
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.from_reminders import decide_reminder_event
from tests.unit.builders import CLIENT_ID, SyncWorld, at, context, decide_sf, edited, event, linked, sf_updated, stored

LIGHTNING = "SfdcInternalAPI/"
"""The client a Lightning edit names in changeOrigin."""


def test_a_users_edit_equal_to_the_pending_write_does_not_show_it() -> None:
    world = SyncWorld()
    world.rep_creates()
    world.sync()
    record = world.record_of()
    world.org.update(record.id, {"Status": "Completed"})  # a user in Lightning: client=SfdcInternalAPI/
    world.tick(60)
    world.rep_updates(status=Status.COMPLETE)
    world.tick(60)
    world.org.update(record.id, {"Status": "Not Started"})  # the user reopens it, after the rep's change
    rep_completed, completed, reopened = world.pending()  # SIA's first, then Salesforce's
    world.mark_delivered()
    assert isinstance(completed, SalesforceChange) and isinstance(reopened, SalesforceChange)
    assert isinstance(rep_completed, ReminderTaskEvent)

    # Salesforce's events come late: the rep's change is applied first, its write lands over the reopening.
    world.deliver_in_order([rep_completed, completed, reopened])

    assert world.org.records[record.id].status == "Not Started"
    task = world.task()
    assert task is not None and task.status is Status.OPEN
    assert world.conflict_winners("status") == [Side.SALESFORCE]


def test_a_change_a_user_moved_on_from_to_the_pending_writes_value_is_not_taken_back() -> None:
    # The rep changed the details at :20; the write went, and landed late (:40, an outage). Meanwhile a
    # Salesforce user changed Comments at :25, then set them to the rep's value at :30; the event of :25 comes
    # last. Salesforce's latest change is the user's at :30, which agrees with the rep: nothing is taken back
    # (sim seed 5708: the :25 value was written back to both sides, as if the write had replaced it).
    task, link = linked(details="first")
    task = edited(task, at(minutes=20), details="mine")
    written = stored(
        decide_reminder_event(event(task), stored(link, at(minutes=3)), context(now=at(minutes=20))).link,
        at(minutes=20),
    )
    same = decide_sf(sf_updated(at(minutes=30), client_id=LIGHTNING, Description="mine"), written, task, minutes=31)
    told = stored(same.link or written, at(minutes=31))
    echo = decide_sf(sf_updated(at(minutes=40), client_id=CLIENT_ID, Description="mine"), told, task, minutes=41)
    shown = stored(echo.link or told, at(minutes=41))

    late = decide_sf(sf_updated(at(minutes=25), client_id=LIGHTNING, Description="theirs"), shown, task, minutes=50)

    assert late.reminder is None
    assert late.salesforce is None
