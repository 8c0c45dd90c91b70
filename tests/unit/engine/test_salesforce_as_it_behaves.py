"""The core against Salesforce as it really behaves: per-rep grants, automation in the sync's own
transaction, a clock of its own with whole-second commits, deliveries in any order, and sync turned
off and on again. Each test is named after a way the core was found to break."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.reminder_task import Priority, Status
from tasksync.domain.settings import ConnectionStatus
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import Side, SyncLink
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import SkipReason
from tasksync.engine.from_salesforce import decide_salesforce_change
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.use_cases.attempts import StillConcurrent
from tasksync.use_cases.first_sync import run_first_sync
from tasksync.use_cases.safety_nets import DELETED_CURSOR, UPDATED_CURSOR, sweep_deletions
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tests.fakes.salesforce import high_priority_when_completed, prefix_subject, revert_api_writes_of
from tests.unit.builders import (
    OTHER_SF_USER,
    SF_USER,
    T0,
    USER,
    SyncWorld,
    at,
    connection,
    context,
    settings,
    sf_task,
)

USER_2 = "user-2"
SF_USER_2 = "005000000000003AAA"
CLIENT_ID_OR_NOT = pytest.mark.parametrize("client_id_on_writes", [True, False], ids=["client id", "no client id"])


def conflicts_of(world: SyncWorld, user: str = USER) -> list[tuple[str | None, Side | None]]:
    return [(e.field, e.winner) for e in world.state.errors_of(user) if e.kind is SyncErrorKind.CONFLICT]


def with_second_rep(world: SyncWorld) -> None:
    """Another rep of the same org, with sync on since T0."""
    world.state.save_settings(settings(user_id=USER_2, connection=connection(sf_user_id=SF_USER_2)))


# -- 1. The safety nets skipped reps: one cursor per org -----------------------------------------------


def test_each_syncing_reps_sweep_finds_the_deletes_of_their_own_tasks():
    # Given two reps of one org, each with a task the sync pushed to Salesforce
    world = SyncWorld()
    with_second_rep(world)
    world.rep_creates("Call Alice back", task_id="task-1")
    world.rep_creates("Send the deck", task_id="task-2", user=USER_2)
    world.sync()
    # ... both records deleted in Salesforce while the change events were lost
    for sia_id, user in (("task-1", USER), ("task-2", USER_2)):
        world.tick(60)
        world.org.delete(world.record_of(sia_id, user).id)
    world.mark_delivered()
    world.tick(120)

    # When each rep's sweep runs, one after the other
    first = sweep_deletions(world.settings_of(USER), world.services, world.state)
    second = sweep_deletions(world.settings_of(USER_2), world.services, world.state)

    # Then each removes their own task: the first rep's run did not use up the second rep's window
    assert (first.removed, second.removed) == (1, 1)
    assert world.task("task-1") is None and world.sia.get(USER_2, "task-2") is None


def test_a_reps_first_sync_resets_only_their_own_cursors():
    world = SyncWorld()
    with_second_rep(world)
    world.state.put_cursor(USER, DELETED_CURSOR, at(minutes=1))
    world.state.put_cursor(USER, UPDATED_CURSOR, at(minutes=1))
    world.tick(60)

    run_first_sync(USER_2, world.services, world.state)

    assert world.state.get_cursor(USER, DELETED_CURSOR) == at(minutes=1)
    assert world.state.get_cursor(USER, UPDATED_CURSOR) == at(minutes=1)
    assert world.state.get_cursor(USER_2, DELETED_CURSOR) == world.now


def test_a_revoked_rep_holds_nobody_up_and_is_caught_up_when_back():
    # Given two reps with a pushed task each; the second rep's grant is revoked
    world = SyncWorld()
    with_second_rep(world)
    world.rep_creates("Call Alice back", task_id="task-1")
    world.rep_creates("Send the deck", task_id="task-2", user=USER_2)
    world.sync()
    revoked = connection(sf_user_id=SF_USER_2, status=ConnectionStatus.REVOKED)
    world.state.save_settings(world.settings_of(USER_2).model_copy(update={"connection": revoked}))
    # ... and both records deleted in Salesforce with their events lost
    for sia_id, user in (("task-1", USER), ("task-2", USER_2)):
        world.org.delete(world.record_of(sia_id, user).id)
    world.mark_delivered()
    world.tick(120)

    # When the first rep's sweep runs, it is not held up
    assert sweep_deletions(world.settings_of(USER), world.services, world.state).removed == 1

    # And when the second rep reconnects and sync runs again (SPEC 5.5), their task goes too
    back = connection(sf_user_id=SF_USER_2)
    world.state.save_settings(
        world.settings_of(USER_2).model_copy(update={"connection": back, "enabled_at": world.tick()})
    )
    run_first_sync(USER_2, world.services, world.state)
    assert world.sia.get(USER_2, "task-2") is None


# -- 2. Salesforce automation in the sync's own transaction looped -------------------------------------


@CLIENT_ID_OR_NOT
def test_an_automation_that_stamps_the_subject_on_every_save_is_left_alone(client_id_on_writes):
    # Given a Flow that prefixes every Task's Subject
    world = SyncWorld()
    world.org.client_id_on_writes = client_id_on_writes
    world.org.automation.append(prefix_subject("[ACME] "))

    # When the rep creates and then renames a task (sync() fails on a loop)
    world.rep_creates("Call Alice back")
    world.sync()
    world.rep_updates(name="Call Bob")
    world.sync()

    # Then Salesforce keeps the Flow's Subject, SIA keeps the rep's name, and nothing is written back
    assert world.record_of().subject == "[ACME] Call Bob"
    assert world.task().name == "Call Bob"
    writes = world.org.writes_by_client
    world.tick(60)
    world.sync()
    assert world.org.writes_by_client == writes


@CLIENT_ID_OR_NOT
def test_an_automation_that_sets_a_field_when_another_changes_reaches_sia(client_id_on_writes):
    # Given a Flow that makes a Task High priority when it is completed
    world = SyncWorld()
    world.org.client_id_on_writes = client_id_on_writes
    world.org.automation.append(high_priority_when_completed())
    world.rep_creates("Call Alice back")
    world.sync()

    # When the rep completes the task in SIA
    world.rep_updates(status=Status.COMPLETE)
    world.sync()

    # Then the priority the Flow set is the task's in SIA too, and the sync did not write over it
    assert world.record_of().status == "Completed" and world.record_of().priority == "High"
    assert world.task().status is Status.COMPLETE and world.task().priority is Priority.HIGH


@CLIENT_ID_OR_NOT
def test_an_automation_that_reverts_the_syncs_write_wins_and_is_a_recorded_conflict(client_id_on_writes):
    # Given a Flow that puts the due date back whenever an integration changes it
    world = SyncWorld()
    world.org.client_id_on_writes = client_id_on_writes
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 27))
    world.sync()
    world.org.automation.append(revert_api_writes_of("ActivityDate"))

    # When the rep moves the due date in SIA
    world.rep_updates(due_date=date(2026, 3, 30))
    world.sync()

    # Then Salesforce's date stands on both sides, the rep is told, and nothing loops
    assert world.record_of().activity_date == date(2026, 3, 27)
    assert world.task().due_date == date(2026, 3, 27)
    assert conflicts_of(world) == [("due_date", Side.SALESFORCE)]


# -- 3. Clock skew: deletes the sync inferred were dated by AWS's clock --------------------------------


def test_an_undelete_after_a_delete_the_sync_inferred_brings_the_task_back_with_salesforce_behind():
    # Given Salesforce's clock 3 seconds behind AWS's, and a pushed task
    world = SyncWorld()
    world.org.skew = -timedelta(seconds=3)
    world.rep_creates("Call Alice back")
    world.sync()
    record = world.record_of()
    # ... deleted in Salesforce, its change event lost; the rep's next edit meets ENTITY_IS_DELETED
    world.org.delete(record.id)
    world.mark_delivered()
    world.rep_updates(details="bring the contract")
    world.sync()
    assert world.task() is None

    # When a Salesforce user undeletes it a second later
    world.tick()
    world.org.undelete(record.id)
    world.sync()

    # Then the task is back in SIA
    back = world.task()
    assert back is not None and back.name == "Call Alice back"


@pytest.mark.parametrize("skew", [timedelta(seconds=-90), timedelta(seconds=90)], ids=["behind", "ahead"])
def test_within_the_clock_margin_a_race_may_go_either_way_but_both_sides_agree_and_it_is_recorded(skew):
    world = SyncWorld()
    world.org.skew = skew
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 27))
    world.sync()

    # Both sides move the due date within a second of each other
    world.org.update(world.record_of().id, {"ActivityDate": date(2026, 3, 28)})
    world.rep_updates(due_date=date(2026, 3, 29))
    world.sync()

    assert world.record_of().activity_date == world.task().due_date
    assert [field for field, _ in conflicts_of(world)] == ["due_date"]


# -- 4. Later-wins depended on delivery order ----------------------------------------------------------


@pytest.mark.parametrize("salesforce_first", [True, False], ids=["Salesforce first", "SIA first"])
def test_the_reps_later_change_wins_whatever_the_delivery_order(salesforce_first):
    # Given a pushed task due on the 27th
    world = SyncWorld()
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 27))
    world.sync()
    # ... Salesforce moves it to the 28th; then the rep moves it to the 29th and back to the 27th
    world.org.update(world.record_of().id, {"ActivityDate": date(2026, 3, 28)})
    world.rep_updates(due_date=date(2026, 3, 29))
    world.rep_updates(due_date=date(2026, 3, 27))
    sia = [m for m in world.pending() if isinstance(m, ReminderTaskEvent)]
    salesforce = [m for m in world.pending() if isinstance(m, SalesforceChange)]

    # When the changes are delivered in one order or the other
    world.deliver_in_order(salesforce + sia if salesforce_first else sia + salesforce)

    # Then the rep's date, the later one, is on both sides, and the conflict is recorded
    assert world.task().due_date == date(2026, 3, 27)
    assert world.record_of().activity_date == date(2026, 3, 27)
    assert conflicts_of(world) == [("due_date", Side.SIA)]


# -- 5. The Subject was rewritten when SIA changed nothing ---------------------------------------------


def test_a_due_date_moved_in_salesforce_does_not_rewrite_a_subject_that_shows_it():
    world = SyncWorld(settings(subject_template="{{activity_subject}} due {{activity_due_date}}"))
    world.rep_creates("Call Alice back", due_date=date(2026, 3, 27))
    world.sync()
    world.org.update(world.record_of().id, {"Subject": "Alice: call back"})
    world.sync()
    writes = world.org.writes_by_client

    world.org.update(world.record_of().id, {"ActivityDate": date(2026, 3, 30)})
    world.sync()

    assert world.task().due_date == date(2026, 3, 30)
    assert world.record_of().subject == "Alice: call back"
    assert world.org.writes_by_client == writes


def test_a_task_first_created_in_salesforce_keeps_its_subject_when_its_due_date_moves_there():
    world = SyncWorld(settings(subject_template="[SIA] {{activity_subject}} {{activity_due_date}}"))
    world.org.create({"Subject": "Quarterly review", "ActivityDate": date(2026, 3, 27)})
    world.sync()
    (record,) = world.org.records.values()

    world.org.update(record.id, {"ActivityDate": date(2026, 3, 30)})
    world.sync()

    assert world.org.records[record.id].subject == "Quarterly review"
    assert world.task(f"sf-{record.id}").due_date == date(2026, 3, 30)
    assert world.org.writes_by_client == 0


def test_a_rename_in_sia_still_reaches_the_subject_of_a_task_first_created_in_salesforce():
    world = SyncWorld()
    record = world.org.create({"Subject": "Quarterly review"})
    world.sync()

    world.rep_updates(f"sf-{record.id}", name="Quarterly review with Bo")
    world.sync()

    assert world.org.records[record.id].subject == "Quarterly review with Bo"


# -- 6. The 24-hour rule read SystemModstamp -----------------------------------------------------------


def test_a_task_that_only_salesforce_itself_touched_lately_is_not_imported_by_the_first_sync():
    # Given a task last edited three days before sync was turned on, whose SystemModstamp Salesforce moved
    # an hour before (a renamed picklist value, archiving)
    world = SyncWorld(settings(enabled=False, enabled_at=None, ever_enabled=False))
    world.now = T0 - timedelta(days=3)
    record = world.org.create({"Subject": "Old call"})
    world.now = T0 - timedelta(hours=1)
    world.org.touch(record.id)
    world.mark_delivered()
    world.now = T0
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": T0}))

    progress = run_first_sync(USER, world.services, world.state)

    assert progress.imported == 0 and world.tasks() == []


def test_the_24_hour_rule_reads_last_modified_date_not_system_modstamp():
    touched = sf_task(
        SystemModstamp=T0 - timedelta(hours=1),
        LastModifiedDate=T0 - timedelta(days=3),
        CreatedDate=T0 - timedelta(days=3),
    )
    record = SalesforceChange.of_record(touched, read_at=T0)

    decision = decide_salesforce_change(record, None, None, context(now=T0))

    assert decision.skipped is SkipReason.BEFORE_SYNC_WINDOW


# -- 7. A first sync that started late took its window from its own start -----------------------------


def test_a_first_sync_that_starts_late_imports_the_24_hours_before_sync_was_turned_on():
    # Given a task last edited 23 hours before the rep turned sync on at T0
    world = SyncWorld(settings(enabled=False, enabled_at=None, ever_enabled=False))
    world.now = T0 - timedelta(hours=23)
    world.org.create({"Subject": "Yesterday's call"})
    world.mark_delivered()
    world.now = T0
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": T0}))

    # When the first sync only runs two hours later
    world.now = T0 + timedelta(hours=2)
    progress = run_first_sync(USER, world.services, world.state)

    # Then the task is imported all the same
    assert progress.imported == 1
    assert [task.name for task in world.tasks()] == ["Yesterday's call"]


# -- 8. Re-enabling left the sides apart ---------------------------------------------------------------


def test_re_enabling_brings_both_sides_into_agreement_on_every_linked_task():
    # Given four pushed tasks and one imported, then sync turned off
    world = SyncWorld()
    for number in range(1, 5):
        world.rep_creates(f"Task {number}", task_id=f"task-{number}")
    imported = world.org.create({"Subject": "From Salesforce"})
    world.sync()
    records = {number: world.record_of(f"task-{number}").id for number in range(1, 5)}
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))

    # While it is off: the rep edits one task and deletes another in SIA; in Salesforce one is
    # completed, one deleted, and the imported one renamed and moved
    world.rep_updates("task-1", details="bring the NDA")
    world.rep_deletes("task-2")
    world.org.update(records[3], {"Status": "Completed"})
    world.org.delete(records[4])
    world.org.update(imported.id, {"Subject": "Renamed there", "ActivityDate": date(2026, 3, 30)})
    world.rep_creates("Made while off", task_id="task-off")
    world.sync()  # every event meets sync off
    world.tick(3600)

    # When the rep turns sync on again
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": world.now}))
    run_first_sync(USER, world.services, world.state)
    world.sync()

    # Then each change made while off is applied as if sync had been on
    assert world.org.records[records[1]].description == "bring the NDA"
    assert records[2] not in world.org.records
    assert world.task("task-3").status is Status.COMPLETE
    assert world.task("task-4") is None
    from_salesforce = world.task(f"sf-{imported.id}")
    assert from_salesforce is not None and from_salesforce.due_date == date(2026, 3, 30)
    assert from_salesforce.name == "From Salesforce"  # Subject edits never rename the SIA task
    # ... and the task created while sync was off stays local
    assert all(task.external_id != "task-off" for task in world.org.records.values())


def test_a_link_whose_sia_task_is_gone_without_a_trace_counts_as_an_sia_delete_on_re_enabling():
    # Given a pushed task, sync turned off, and the task deleted in SIA so long ago that its tombstone
    # expired (the store keeps no trace of it)
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    record = world.record_of()
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    del world.sia.tasks[(USER, "task-1")]
    world.tick(86_400 * 40)

    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": world.now}))
    run_first_sync(USER, world.services, world.state)

    assert record.id not in world.org.records


def test_re_enabling_settles_a_create_whose_answer_was_lost_and_whose_record_went_to_another_rep():
    # Given a pushed task whose create landed but whose answer was lost, its record then reassigned to
    # another Salesforce user, and sync turned off before the create's retry came
    world = SyncWorld()
    retry = world.rep_creates_and_the_answer_is_lost()
    (record,) = world.records_for("task-1")
    world.org.update(record.id, {"OwnerId": OTHER_SF_USER})
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    assert world.deliver(retry).skipped is SkipReason.SYNC_OFF
    world.mark_delivered()
    world.tick(3600)

    # When the rep turns sync on again
    world.state.save_settings(world.settings.model_copy(update={"enabled": True, "enabled_at": world.now}))
    run_first_sync(USER, world.services, world.state)

    # Then the task has left the rep's list, as any task reassigned away does (SPEC 4), and the record
    # is the task's only one
    assert world.task("task-1") is None
    assert world.link_of().sf_id == record.id
    assert world.records_for("task-1") == [world.org.records[record.id]]


# -- 9. A conflict record was lost when the function died after saving the link -----------------------


def test_a_conflict_is_recorded_even_when_the_function_dies_right_after_saving_the_link():
    # Given both sides changed the details of a pushed task
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    world.org.update(world.record_of().id, {"Description": "from Salesforce"})
    (change,) = world.pending()
    world.mark_delivered()
    world.rep_updates(details="from SIA")
    world.mark_delivered()
    # ... and the function dies right after it saved the link, on the first try
    save, died = world.state.save_link, []

    def save_then_die(link: SyncLink) -> SyncLink:
        saved: SyncLink = save(link)
        if not died:
            died.append(True)
            raise RuntimeError("the function timed out")
        return saved

    world.services.links.save_link = save_then_die

    # When the Salesforce change is delivered, dies, and is delivered again by its queue
    with pytest.raises(RuntimeError):
        world.deliver(change)
    world.deliver(change)

    # Then the conflict is recorded, once
    assert conflicts_of(world) == [("details", Side.SIA)]


# -- 10. apply_salesforce_change's give-up path raised UnboundLocalError -------------------------------


def test_a_change_that_cannot_be_placed_gives_up_with_still_concurrent():
    # Given a task deleted in Salesforce and undeleted, whose link another function keeps saving (so each
    # read of the record is older than the link's last save)
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    record = world.record_of()
    world.org.delete(record.id)
    world.sync()
    world.org.undelete(record.id)
    (undelete,) = world.pending()
    find = world.state.link_by_sf_id

    def always_just_saved(user_id: str, sf_id: str) -> SyncLink | None:
        link = find(user_id, sf_id)
        return link.updated(saved_at=world.now + timedelta(hours=1)) if link else None

    world.state.link_by_sf_id = always_just_saved

    with pytest.raises(StillConcurrent):
        apply_salesforce_change(undelete, world.settings, world.services)


# -- deletes Salesforce can no longer list -------------------------------------------------------------


def test_deletes_lost_to_an_emptied_recycle_bin_are_found_by_a_delete_audit():
    # Given two pushed tasks, one deleted in Salesforce and purged from the recycle bin, its event lost
    world = SyncWorld()
    world.rep_creates("Call Alice back", task_id="task-1")
    world.rep_creates("Send the deck", task_id="task-2")
    world.sync()
    sweep_deletions(world.settings, world.services, world.state)
    world.tick(120)
    world.org.delete(world.record_of("task-1").id)
    world.org.empty_recycle_bin()
    world.mark_delivered()
    world.tick(120)

    # When the sweep runs and getDeleted can no longer list that delete
    result = sweep_deletions(world.settings, world.services, world.state)

    # Then the audit reads the links back and the task goes; the other stays
    assert not result.complete and result.removed == 1
    assert world.task("task-1") is None and world.task("task-2") is not None


# -- redeliveries ---------------------------------------------------------------------------------------


def test_a_redelivered_event_that_needed_a_read_costs_no_salesforce_call_the_second_time():
    world = SyncWorld()
    world.org.create({"Subject": "From Salesforce"})
    (created,) = world.pending()
    world.sync()
    calls = world.org.api_calls

    decision = world.deliver(created)

    assert decision.skipped is SkipReason.DUPLICATE
    assert world.org.api_calls == calls


def test_a_redelivered_event_whose_write_was_saved_but_never_sent_sends_it():
    # Given a rename that met the record deleted in Salesforce, then an undelete whose rename write fails
    # after its link was saved (the write on its way)
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    record = world.record_of()
    world.org.delete(record.id)
    world.mark_delivered()
    world.rep_updates(name="Call Bob")
    world.sync()
    world.tick()
    world.org.undelete(record.id)
    (undelete,) = world.pending()
    world.mark_delivered()
    failing = iter([SalesforceError(ErrorKind.TRANSIENT, "UNABLE_TO_LOCK_ROW", "busy")])
    world.fault = lambda moment: next(failing, None) if moment == "before update_tasks" else None
    with pytest.raises(SalesforceError):
        world.deliver(undelete)

    # When its queue delivers the undelete again
    world.deliver(undelete)
    world.sync()

    # Then the rename reaches Salesforce: the redelivery is the retry, not a duplicate
    assert world.org.records[record.id].subject == "Call Bob"
    assert world.task().name == "Call Bob"


def test_an_owner_change_arriving_after_a_later_one_that_changed_nothing_else_is_stale():
    # Given a task reassigned away and back a second later in Salesforce
    world = SyncWorld()
    record = world.org.create({"Subject": "Call Alice back"})
    world.sync()
    world.org.update(record.id, {"OwnerId": OTHER_SF_USER})
    world.tick()
    world.org.update(record.id, {"OwnerId": SF_USER})
    away, back = world.pending()

    # When the change back arrives first (it changes nothing else, yet its owner time must be kept)
    world.deliver_in_order([back, away])

    # Then the task stays in the rep's list
    assert [task.name for task in world.tasks()] == ["Call Alice back"]


def test_a_copy_brought_back_whose_link_save_dies_leaves_nothing_and_the_redelivery_brings_it_back():
    # Given a pushed task deleted in Salesforce (its SIA copy with it), then undeleted there
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    record = world.record_of()
    world.org.delete(record.id)
    world.sync()
    world.tick()
    world.org.undelete(record.id)
    (undelete,) = world.pending()
    world.mark_delivered()
    # ... the sync brings the copy back, and dies saving its link
    save, died = world.state.save_link, []

    def die_once(link: SyncLink) -> SyncLink:
        if not died:
            died.append(True)
            raise RuntimeError("the function timed out")
        saved: SyncLink = save(link)
        return saved

    world.state.save_link = die_once
    with pytest.raises(RuntimeError):
        world.deliver(undelete)

    # Then the copy and its link were one write: neither is there (no copy without its link)
    assert world.task() is None
    # ... and the undelete, delivered again, brings the task back once, linked to the record
    world.tick(5)
    world.deliver(undelete)
    world.sync()
    task = world.task()
    assert task is not None and task.name == "Call Alice back"
    assert world.state.link_by_sf_id(USER, record.id) is not None
    assert record.id in world.org.records
