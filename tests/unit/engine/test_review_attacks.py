"""Adversarial scenarios from the review of issue 6: what a user would notice."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Priority, Status
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import LinkState, Side
from tasksync.engine.changes import SalesforceChange
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.use_cases.first_sync import run_first_sync
from tasksync.use_cases.routing import apply_org_change
from tasksync.use_cases.safety_nets import reconcile_updates
from tests.fakes.salesforce import high_priority_when_completed, prefix_subject, revert_api_writes_of
from tests.unit.builders import ORG, T0, USER, SyncWorld, connection, settings

USER_2 = "user-2"
SF_USER_2 = "005000000000003AAA"
CLIENT_ID_OR_NOT = pytest.mark.parametrize("client_id_on_writes", [True, False], ids=["client id", "no client id"])
SKEWS = pytest.mark.parametrize(
    "skew", [timedelta(0), timedelta(seconds=-90), timedelta(seconds=90)], ids=["no skew", "behind", "ahead"]
)


def conflicts_of(world: SyncWorld, user: str = USER) -> list[tuple[str | None, Side | None]]:
    return [(e.field, e.winner) for e in world.state.errors_of(user) if e.kind is SyncErrorKind.CONFLICT]


def pending_sf(world: SyncWorld) -> list[SalesforceChange]:
    return [m for m in world.pending() if isinstance(m, SalesforceChange)]


def pending_sia(world: SyncWorld) -> list[ReminderTaskEvent]:
    return [m for m in world.pending() if isinstance(m, ReminderTaskEvent)]


def a_pushed_task(client_id_on_writes: bool = True, **values: Any) -> SyncWorld:
    """A world with one task the rep created and the sync pushed, the client id passed on or not."""
    world = SyncWorld()
    world.org.client_id_on_writes = client_id_on_writes
    world.rep_creates("Call Alice back", **values)
    world.sync()
    return world


def the_reps_edit(world: SyncWorld, **changes: Any) -> ReminderTaskEvent:
    """The rep edits the task; its event is held back for the test to deliver."""
    world.rep_updates(**changes)
    (edit,) = pending_sia(world)
    world.mark_delivered()
    return edit


def lose_next(world: SyncWorld, moment: str) -> None:
    errors = iter([SalesforceError(ErrorKind.TRANSIENT, "TIMEOUT", "read timed out")])
    world.fault = lambda m: next(errors, None) if m == moment else None


def route_all(world: SyncWorld) -> None:
    """Deliver every pending message, Salesforce changes through the org router (as the handler will)."""
    for _ in range(50):
        pending = world.pending()
        if not pending:
            return
        message = pending[0]
        if isinstance(message, ReminderTaskEvent):
            world._sia_seen += 1
            world.tick()
            world.deliver(message)
        else:
            world._sf_seen += 1
            world.tick()
            apply_org_change(ORG, message, world.services)
    raise AssertionError("the sync never went quiet: a loop")


def with_second_rep(world: SyncWorld, **overrides: object) -> None:
    world.state.save_settings(settings(user_id=USER_2, connection=connection(sf_user_id=SF_USER_2), **overrides))


# -- whole-second ties between the echo of a rep's edit and a Salesforce user's edit ----------------------


@CLIENT_ID_OR_NOT
@pytest.mark.parametrize("sf_value", [date(2026, 3, 29), date(2026, 3, 27)], ids=["new date", "old date back"])
def test_a_salesforce_edit_in_the_same_second_as_the_syncs_write_leaves_both_sides_agreeing(
    client_id_on_writes, sf_value
):
    world = a_pushed_task(client_id_on_writes, due_date=date(2026, 3, 27))
    # The rep moves the date; the sync writes it; a Salesforce user saves the date in the same second
    edit = the_reps_edit(world, due_date=date(2026, 3, 28))
    world.deliver(edit)
    world.org.update(world.record_of().id, {"ActivityDate": sf_value})
    world.sync()

    assert world.record_of().activity_date == sf_value  # Salesforce's save came last
    assert world.task().due_date == world.record_of().activity_date


# -- automation, no client id and a skewed clock, together ----------------------------------------------


@SKEWS
@CLIENT_ID_OR_NOT
def test_automation_without_client_id_and_with_a_skewed_clock_neither_loops_nor_diverges(client_id_on_writes, skew):
    world = SyncWorld()
    world.org.skew = skew
    world.org.client_id_on_writes = client_id_on_writes
    world.org.automation += [prefix_subject("[ACME] "), high_priority_when_completed()]
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 27))
    world.sync()
    world.rep_updates(name="Call Bob", due_date=date(2026, 3, 28))
    world.sync()
    world.rep_updates(status=Status.COMPLETE)
    world.sync()
    world.org.update(world.record_of().id, {"Description": "left a voicemail"})
    world.sync()

    record, task = world.record_of(), world.task()
    assert record.subject == "[ACME] Call Bob" and task.name == "Call Bob"
    assert record.status == "Completed" and task.status is Status.COMPLETE
    assert record.priority == "High" and task.priority is Priority.HIGH
    assert record.activity_date == task.due_date == date(2026, 3, 28)
    assert task.details == "left a voicemail"
    writes = world.org.writes_by_client
    world.tick(60)
    world.sync()
    assert world.org.writes_by_client == writes


@SKEWS
@CLIENT_ID_OR_NOT
def test_a_reverting_automation_with_a_skewed_clock_and_no_client_id_settles_on_salesforces_value(
    client_id_on_writes, skew
):
    world = SyncWorld()
    world.org.skew = skew
    world.org.client_id_on_writes = client_id_on_writes
    world.rep_creates("Call Alice back", details="first")
    world.sync()
    world.org.automation.append(revert_api_writes_of("Description"))
    world.rep_updates(details="second")
    world.sync()
    world.rep_updates(details="third")
    world.sync()

    assert world.record_of().description == "first"
    assert world.task().details == "first"
    assert [field for field, _ in conflicts_of(world)] == ["details", "details"]


# -- a Salesforce delete and undelete within one second -------------------------------------------------


@pytest.mark.parametrize("order", ["in order", "reversed"])
def test_a_delete_and_undelete_in_one_second_leave_the_task_in_sia(order):
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.org.delete(sf_id)
    world.org.undelete(sf_id)
    changes = pending_sf(world)
    world.mark_delivered()
    for change in changes if order == "in order" else reversed(changes):
        world.tick()
        world.deliver(change)
    world.sync()

    assert sf_id in world.org.records
    assert world.task() is not None and world.link_of().state is LinkState.ACTIVE


@pytest.mark.parametrize("order", ["in order", "reversed", "undelete first"])
def test_delete_undelete_delete_in_one_second_leave_the_task_deleted(order):
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.org.delete(sf_id)
    world.org.undelete(sf_id)
    world.org.delete(sf_id)
    d1, u, d2 = pending_sf(world)
    world.mark_delivered()
    messages = {"in order": [d1, u, d2], "reversed": [d2, u, d1], "undelete first": [u, d1, d2]}[order]
    for change in messages:
        world.tick()
        world.deliver(change)
    world.sync()

    assert sf_id not in world.org.records
    assert world.task() is None


# -- reassignment between two reps, one of them paused -------------------------------------------------


def test_a_task_reassigned_to_a_paused_rep_leaves_the_first_and_joins_the_second_when_back():
    world = SyncWorld()
    with_second_rep(world, enabled=False)
    world.rep_creates("Call Alice back")
    route_all(world)
    sf_id = world.record_of().id
    world.tick(60)
    world.org.update(sf_id, {"OwnerId": SF_USER_2})
    route_all(world)
    assert world.task() is None and sf_id in world.org.records

    world.tick(3600)
    back = world.settings_of(USER_2).model_copy(update={"enabled": True, "enabled_at": world.now})
    world.state.save_settings(back)
    run_first_sync(USER_2, world.services, world.state)
    route_all(world)

    assert sf_id in world.org.records
    assert [t.name for t in world.sia.list(USER_2)] == ["Call Alice back"]
    assert world.task() is None


def test_a_task_reassigned_away_from_a_paused_rep_who_edited_it_leaves_them_on_re_enabling():
    world = SyncWorld()
    with_second_rep(world)
    world.rep_creates("Call Alice back")
    route_all(world)
    sf_id = world.record_of().id
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    world.rep_updates(details="my notes")
    world.tick(60)
    world.org.update(sf_id, {"OwnerId": SF_USER_2})
    route_all(world)
    assert [t.name for t in world.sia.list(USER_2)] == ["Call Alice back"]

    world.tick(3600)
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": world.now}))
    run_first_sync(USER, world.services, world.state)
    route_all(world)

    assert sf_id in world.org.records
    assert world.org.records[sf_id].owner_id == SF_USER_2
    assert world.task() is None
    assert world.sia.list(USER_2) != []


def test_a_task_reassigned_between_two_syncing_reps_moves_and_is_not_deleted():
    world = SyncWorld()
    with_second_rep(world)
    world.rep_creates("Call Alice back")
    route_all(world)
    sf_id = world.record_of().id
    world.tick(60)
    world.org.update(sf_id, {"OwnerId": SF_USER_2})
    route_all(world)

    assert sf_id in world.org.records
    assert world.task() is None
    assert [t.name for t in world.sia.list(USER_2)] == ["Call Alice back"]
    # and back again
    world.tick(60)
    world.org.update(sf_id, {"OwnerId": world.org.user_id})
    route_all(world)
    assert sf_id in world.org.records
    assert world.task() is not None and world.sia.list(USER_2) == []


# -- re-enabling after a long pause where both sides changed the same field ------------------------------


@SKEWS
@pytest.mark.parametrize("later", ["sia", "salesforce"])
def test_after_a_long_pause_the_later_of_two_edits_of_one_field_wins_on_both_sides(later, skew):
    world = SyncWorld()
    world.org.skew = skew
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 27))
    world.sync()
    sf_id = world.record_of().id
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    world.tick(86_400 * 3)
    if later == "sia":
        world.org.update(sf_id, {"ActivityDate": date(2026, 3, 28)})
        world.tick(86_400)
        world.rep_updates(due_date=date(2026, 3, 29))
    else:
        world.rep_updates(due_date=date(2026, 3, 29))
        world.tick(86_400)
        world.org.update(sf_id, {"ActivityDate": date(2026, 3, 28)})
    world.sync()  # meets sync off
    world.tick(86_400 * 10)
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": world.now}))
    run_first_sync(USER, world.services, world.state)
    world.sync()

    expected = date(2026, 3, 29) if later == "sia" else date(2026, 3, 28)
    assert world.task().due_date == expected
    assert world.org.records[sf_id].activity_date == expected
    assert conflicts_of(world) == [("due_date", Side.SIA if later == "sia" else Side.SALESFORCE)]


def test_after_a_pause_longer_than_the_recycle_bin_keeps_a_salesforce_delete_still_reaches_sia():
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    world.tick(86_400)
    world.org.delete(sf_id)
    world.tick(86_400 * 20)
    world.org.empty_recycle_bin()
    world.sync()
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": world.now}))
    run_first_sync(USER, world.services, world.state)
    world.sync()

    assert world.task() is None


# -- a lost answer, then a Salesforce edit of the same field --------------------------------------------


@CLIENT_ID_OR_NOT
@pytest.mark.parametrize("retry_first", [True, False], ids=["retry first", "events first"])
def test_a_lost_update_answer_and_its_retry_do_not_overwrite_a_later_salesforce_edit(client_id_on_writes, retry_first):
    world = a_pushed_task(client_id_on_writes, due_date=date(2026, 3, 27))
    edit = the_reps_edit(world, due_date=date(2026, 3, 28))
    lose_next(world, "after update_tasks")
    with pytest.raises(SalesforceError):
        world.deliver(edit)
    world.fault = None
    # A Salesforce user moves the date once more, after the sync's write landed
    world.tick(30)
    world.org.update(world.record_of().id, {"ActivityDate": date(2026, 3, 29)})
    world.tick(30)
    if retry_first:
        world.deliver(edit)  # the queue redelivers the SIA event
        world.sync()
    else:
        world.sync()
        world.deliver(edit)
        world.sync()

    assert world.record_of().activity_date == date(2026, 3, 29)
    assert world.task().due_date == date(2026, 3, 29)


# -- deletes are never resurrected ----------------------------------------------------------------------


@pytest.mark.parametrize("order", ["SIA first", "Salesforce first"])
def test_an_sia_delete_beats_a_salesforce_edit_made_before_it_arrived(order):
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.org.update(sf_id, {"Description": "edited in Salesforce"})
    world.rep_deletes()
    sia, sf = pending_sia(world), pending_sf(world)
    world.deliver_in_order(sia + sf if order == "SIA first" else sf + sia)

    assert sf_id not in world.org.records and world.task() is None


@pytest.mark.parametrize("order", ["SIA first", "Salesforce first"])
def test_a_salesforce_delete_beats_an_sia_edit_made_before_it_arrived(order):
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.org.delete(sf_id)
    world.rep_updates(details="late edit")
    sia, sf = pending_sia(world), pending_sf(world)
    world.deliver_in_order(sia + sf if order == "SIA first" else sf + sia)

    assert sf_id not in world.org.records and world.task() is None
    # ... and a redelivery of anything old changes nothing
    world.deliver_in_order(sia + sf)
    assert sf_id not in world.org.records and world.task() is None


def test_a_stale_delete_redelivered_after_an_undelete_does_not_delete_again():
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.tick()
    world.org.delete(sf_id)
    (delete,) = pending_sf(world)
    world.sync()
    world.tick()
    world.org.undelete(sf_id)
    world.sync()
    assert world.task() is not None

    world.tick()
    world.deliver(delete)
    world.sync()

    assert world.task() is not None and sf_id in world.org.records


# -- duplicates never write twice -----------------------------------------------------------------------


def test_every_event_delivered_twice_writes_each_side_once():
    world = SyncWorld()
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 27))
    world.sync()
    world.rep_updates(details="from SIA")
    world.org.update(world.record_of().id, {"Description": "from Salesforce", "Priority": "High"})
    messages = world.pending()
    world.deliver_in_order(messages)
    writes, sia_events = world.org.writes_by_client, len(world.sia.events)
    conflicts = conflicts_of(world)

    world.deliver_in_order(messages + messages)

    assert world.org.writes_by_client == writes
    assert len(world.sia.events) == sia_events
    assert conflicts_of(world) == conflicts
    assert len(world.records_for("task-1")) == 1


def test_a_retried_create_after_the_rep_edited_makes_no_duplicate_record():
    world = SyncWorld()
    created = world.rep_creates_and_the_answer_is_lost()
    world.fault = None
    world.rep_updates(details="more")
    world.deliver(created)
    world.sync()
    world.deliver(created)
    world.sync()

    assert len(world.records_for("task-1")) == 1
    assert world.record_of().description == "more"


# -- ENTITY_IS_DELETED on update, then an undelete ------------------------------------------------------


@SKEWS
@pytest.mark.parametrize("gap", [0, 1, 5], ids=["same second", "1 s", "5 s"])
def test_an_undelete_after_entity_is_deleted_brings_the_task_back(skew, gap):
    world = SyncWorld()
    world.org.skew = skew
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.org.delete(sf_id)
    world.mark_delivered()  # the DELETE event is lost
    edit = the_reps_edit(world, details="bring the contract")
    world.deliver(edit)
    assert world.task() is None
    world.tick(gap)
    world.org.undelete(sf_id)
    world.sync()

    back = world.task()
    assert back is not None and back.name == "Call Alice back"
    assert sf_id in world.org.records


@SKEWS
def test_an_undelete_whose_event_comes_before_the_late_delete_event_keeps_the_task(skew):
    world = SyncWorld()
    world.org.skew = skew
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.org.delete(sf_id)
    (delete,) = pending_sf(world)
    world.mark_delivered()
    world.rep_updates(details="bring the contract")
    world.sync()  # meets ENTITY_IS_DELETED
    world.tick(3)
    world.org.undelete(sf_id)
    world.sync()
    world.tick()
    world.deliver(delete)  # the late DELETE event
    world.sync()

    assert world.task() is not None and sf_id in world.org.records


# -- the first sync's window, with Salesforce's clock behind -------------------------------------------


def test_a_task_edited_just_inside_the_24_hours_is_imported_when_salesforces_clock_is_behind():
    world = SyncWorld(settings(enabled=False, enabled_at=None, ever_enabled=False))
    world.org.skew = -timedelta(seconds=90)
    world.now = T0 - timedelta(hours=23, minutes=59, seconds=30)
    world.org.create({"Subject": "Just inside"})
    world.mark_delivered()
    world.now = T0
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": T0}))

    progress = run_first_sync(USER, world.services, world.state)

    assert progress.imported == 1


# -- a Salesforce user setting a field back to a value the sync once wrote ------------------------------


@CLIENT_ID_OR_NOT
@pytest.mark.parametrize(
    "field,first,second,sia_field",
    [
        ("ActivityDate", date(2026, 3, 27), date(2026, 3, 28), "due_date"),
        ("Description", "first", "second", "details"),
    ],
)
def test_a_salesforce_user_putting_a_field_back_to_an_earlier_synced_value_reaches_sia(
    client_id_on_writes, field, first, second, sia_field
):
    world = a_pushed_task(client_id_on_writes, **{sia_field: first})
    world.rep_updates(**{sia_field: second})
    world.sync()
    world.tick(600)  # ten minutes later, no race
    world.org.update(world.record_of().id, {field: first})
    world.sync()

    assert getattr(world.record_of(), {"ActivityDate": "activity_date", "Description": "description"}[field]) == first
    assert getattr(world.task(), sia_field) == first


@CLIENT_ID_OR_NOT
def test_a_task_completed_in_sia_and_reopened_in_salesforce_is_open_on_both_sides(client_id_on_writes):
    world = a_pushed_task(client_id_on_writes)
    world.rep_updates(status=Status.COMPLETE)
    world.sync()
    world.tick(600)
    world.org.update(world.record_of().id, {"Status": "Not Started"})  # a colleague reopens it
    world.sync()

    assert world.record_of().status == "Not Started"
    assert world.task().status is Status.OPEN


def test_an_sia_delete_made_while_paused_does_not_delete_a_record_reassigned_to_another_rep_meanwhile():
    world = SyncWorld()
    with_second_rep(world)
    world.rep_creates("Call Alice back")
    route_all(world)
    sf_id = world.record_of().id
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    world.rep_deletes()
    world.tick(60)
    world.org.update(sf_id, {"OwnerId": SF_USER_2})
    route_all(world)
    world.tick(3600)
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": world.now}))
    run_first_sync(USER, world.services, world.state)
    route_all(world)

    assert sf_id in world.org.records
    assert [t.name for t in world.sia.list(USER_2)] == ["Call Alice back"]


def test_a_salesforce_edit_later_than_the_reps_wins_even_when_its_event_arrives_after_the_sync_wrote():
    # Salesforce moves the date (t0), the rep moves it (t1), a Salesforce user moves it again (t2), minutes apart
    world = SyncWorld()
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 27))
    world.sync()
    sf_id = world.record_of().id
    world.org.update(sf_id, {"ActivityDate": date(2026, 3, 28)})
    world.tick(300)
    world.rep_updates(due_date=date(2026, 3, 29))
    world.tick(300)
    world.org.update(sf_id, {"ActivityDate": date(2026, 3, 30)})
    world.sync()

    assert world.task().due_date == world.record_of().activity_date
    assert world.record_of().activity_date == date(2026, 3, 30)


@CLIENT_ID_OR_NOT
@pytest.mark.parametrize("gap", [0, 1, 60], ids=["same second", "1 s", "1 min"])
def test_an_undelete_right_after_the_syncs_own_delete_brings_the_task_back_and_a_redelivered_delete_does_not_undo_it(
    client_id_on_writes, gap
):
    world = a_pushed_task(client_id_on_writes)
    sf_id = world.record_of().id
    world.rep_deletes()
    (delete,) = pending_sia(world)
    world.mark_delivered()
    world.deliver(delete)  # the sync deletes the record
    world.tick(gap)
    world.org.undelete(sf_id)  # a Salesforce user restores it
    world.sync()
    assert sf_id in world.org.records
    assert world.task() is not None

    world.tick()
    world.deliver(delete)  # the SIA delete event redelivered
    world.sync()
    assert sf_id in world.org.records and world.task() is not None


def test_an_undelete_after_a_delete_whose_answer_was_lost_is_not_undone_by_the_retry():
    # (When the delete's retry is delivered before the undelete's event, the retry deletes again: a known
    # limit, written down in decision record 0006.)
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.rep_deletes()
    (delete,) = pending_sia(world)
    world.mark_delivered()
    lose_next(world, "after delete_tasks")
    with pytest.raises(SalesforceError):
        world.deliver(delete)  # the delete lands, its answer is lost
    world.fault = None
    world.tick(30)
    world.org.undelete(sf_id)  # a Salesforce user restores it
    world.tick(30)
    world.sync()
    world.deliver(delete)
    world.sync()

    assert sf_id in world.org.records
    assert world.task() is not None


def test_each_reps_reconciliation_finds_the_changes_of_their_own_tasks():
    world = SyncWorld()
    with_second_rep(world)
    world.rep_creates("Call Alice back", task_id="task-1")
    world.rep_creates("Send the deck", task_id="task-2", user=USER_2)
    world.sync()
    reconcile_updates(world.settings_of(USER), world.services, world.state)
    reconcile_updates(world.settings_of(USER_2), world.services, world.state)
    world.tick(120)
    for sia_id, user in (("task-1", USER), ("task-2", USER_2)):
        world.org.update(world.record_of(sia_id, user).id, {"Description": "changed while events were lost"})
    world.mark_delivered()
    world.tick(120)

    reconcile_updates(world.settings_of(USER), world.services, world.state)
    reconcile_updates(world.settings_of(USER_2), world.services, world.state)

    assert world.task("task-1").details == "changed while events were lost"
    assert world.sia.get(USER_2, "task-2").details == "changed while events were lost"
