"""The scheduled jobs' round over the syncing reps, the budget governor, and the SIA-side resync."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import Priority, TaskValues
from tasksync.domain.settings import ConnectionStatus
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.ports.salesforce import ApiUsage, AuthRevoked, UpdatedWindow
from tasksync.use_cases.reminder_resync import SETTLING, resync_reminders
from tasksync.use_cases.safety_nets import SweepResult
from tasksync.use_cases.scheduled_rounds import BudgetGovernor, NotCoveredYet, reconcile_org, run_round
from tests.fakes.salesforce import InMemoryGateway
from tests.unit.builders import CLIENT_ID, ORG, USER, SyncWorld, connection, settings

USER_2, SF_USER_2 = "user-2", "005000000000003AAA"
OTHER_ORG = "00D000000000002AAA"


def two_reps(second_org: str = ORG) -> SyncWorld:
    world = SyncWorld()
    world.state.save_settings(settings(user_id=USER_2, connection=connection(org_id=second_org, sf_user_id=SF_USER_2)))
    return world


def nothing(_settings: object) -> SweepResult:
    return SweepResult(applied=0, removed=0, complete=True)


def test_a_round_visits_every_syncing_rep_of_every_org_and_skips_those_paused():
    world = two_reps(OTHER_ORG)
    world.state.save_settings(
        settings(user_id="user-3", enabled=False, connection=connection(sf_user_id="005000000000009AAA"))
    )
    seen: list[str] = []

    def job(rep):
        seen.append(rep.user_id)
        return nothing(rep)

    result = run_round(job, world.services, BudgetGovernor())

    assert sorted(seen) == [USER, USER_2]
    assert sorted(result.done) == [USER, USER_2]


def test_one_reps_failure_is_reported_and_the_round_goes_on():
    world = two_reps()

    def job(rep):
        if rep.user_id == USER:
            raise RuntimeError("DynamoDB throttled")
        return nothing(rep)

    result = run_round(job, world.services, BudgetGovernor())

    assert list(result.failed) == [USER] and list(result.done) == [USER_2]


def test_a_revoked_grant_met_by_a_scheduled_job_pauses_that_rep_and_says_so():
    world = two_reps()

    def job(rep):
        if rep.user_id == USER_2:
            raise AuthRevoked("expired access/refresh token")
        return nothing(rep)

    result = run_round(job, world.services, BudgetGovernor())

    assert list(result.failed) == [USER_2]
    paused = world.settings_of(USER_2).connection
    assert paused is not None and paused.status is ConnectionStatus.REVOKED
    assert [error.kind for error in world.state.errors_of(USER_2)] == [SyncErrorKind.AUTH]
    assert world.settings.syncing


def test_the_governor_puts_off_an_orgs_work_once_its_allowance_is_nearly_spent():
    world = two_reps()
    world.org.api_calls = 79_999  # the fake org's allowance is 100,000 a day
    ran: list[str] = []

    def job(rep):
        ran.append(rep.user_id)
        world.services.salesforce(rep).picklists()  # one more call: 80,000 used
        return nothing(rep)

    result = run_round(job, world.services, BudgetGovernor(threshold=0.8))

    assert ran == [USER]
    assert result.put_off == {USER_2: ApiUsage(used=80_000, limit=100_000)}


def test_the_governor_lets_an_org_with_room_run():
    governor = BudgetGovernor(threshold=0.8)
    governor.observe(ORG, ApiUsage(used=79_999, limit=100_000))
    assert governor.spent(ORG) is None
    governor.observe(ORG, ApiUsage(used=80_000, limit=100_000))
    assert governor.spent(ORG) == ApiUsage(used=80_000, limit=100_000)


def test_resync_sends_an_edit_whose_event_was_lost():
    world = SyncWorld()
    world.rep_creates("Call Alice", task_id="task-1")
    world.sync()
    world.rep_updates("task-1", due_date=date(2026, 4, 6))
    world.mark_delivered()  # the event never reached the queue
    world.tick(SETTLING.total_seconds() + 1)

    result = resync_reminders(world.settings, world.services)

    assert not result.failed
    assert world.record_of("task-1").activity_date == date(2026, 4, 6)


def test_resync_creates_a_task_whose_create_event_was_lost_and_deletes_one_whose_delete_was():
    world = SyncWorld()
    world.rep_creates("Call Bob", task_id="task-2")
    world.sync()
    world.rep_creates("Call Alice", task_id="task-1")
    world.rep_deletes("task-2")
    world.mark_delivered()
    world.tick(SETTLING.total_seconds() + 1)

    resync_reminders(world.settings, world.services)

    assert [task.subject for task in world.records_for("task-1")] == ["Call Alice"]
    assert world.records_for("task-2") == []


def test_a_task_edited_and_deleted_while_sync_was_off_comes_back_on_an_undelete_as_the_rep_left_it():
    # SPEC 5.5 with 2: the rep raised the priority, then deleted the task, while sync was off; on again, the
    # resync deletes the record. Salesforce's user undeletes it and sets it Low, which SIA cannot hold:
    # SIA keeps the rep's High, not the Normal of the last sync before the pause.
    world = SyncWorld()
    world.rep_creates("Call Alice back")
    world.sync()
    sf_id = world.record_of().id
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
    world.rep_updates(priority=Priority.HIGH)
    world.rep_deletes()
    world.sync()
    world.state.save_settings(world.settings.model_copy(update={"enabled": True}))
    world.tick(SETTLING.total_seconds() + 1)
    resync_reminders(world.settings, world.services)
    assert world.records_for("task-1") == []

    world.org.undelete(sf_id)
    world.org.update(sf_id, {"Priority": "Low"})
    world.sync()

    restored = world.task()
    assert restored is not None
    assert restored.priority is Priority.HIGH


def test_resync_leaves_what_is_in_sync_or_still_on_its_way_alone():
    world = SyncWorld()
    world.rep_creates("Call Alice", task_id="task-1")
    world.rep_creates("Old task", task_id="task-0")
    world.sync()
    calls = world.org.api_calls
    world.rep_updates("task-1", name="Call Alice now")  # its event is still in the queue
    world.mark_delivered()
    world.tick(SETTLING.total_seconds() - 60)

    result = resync_reminders(world.settings, world.services)

    assert result.applied == 0
    assert world.org.api_calls == calls
    assert world.record_of("task-1").subject == "Call Alice"


def test_resync_never_pushes_a_task_created_before_sync_was_turned_on():
    world = SyncWorld()
    before = world.settings.enabled_at
    assert before is not None
    world.sia.create(USER, "old-1", TaskValues(name="Made before sync"), Origin.USER, before - timedelta(hours=1))
    world.mark_delivered()
    world.tick(SETTLING.total_seconds() + 1)

    resync_reminders(world.settings, world.services)

    assert world.records_for("old-1") == []


def test_an_orgs_reconciliation_fails_until_get_updated_covers_the_moment_every_task_changed():
    world = SyncWorld()
    changed_at = world.now
    world.state.put_cursor(USER, "updated", changed_at - timedelta(seconds=30))

    class CoveredUntil(InMemoryGateway):
        covered = changed_at - timedelta(seconds=15)  # Salesforce's minute has not ended yet

        def updated_ids(self, start, end):
            return UpdatedWindow(ids=(), latest_date_covered=self.covered)

    gateway = CoveredUntil(world.org, CLIENT_ID)
    object.__setattr__(world.services, "salesforce", lambda _rep: gateway)

    with pytest.raises(NotCoveredYet):
        reconcile_org(ORG, world.services, world.state, BudgetGovernor(), changed_at)

    gateway.covered = changed_at + timedelta(seconds=45)
    world.tick(60)
    result = reconcile_org(ORG, world.services, world.state, BudgetGovernor(), changed_at)
    assert list(result.done) == [USER]


def test_a_records_change_in_a_gap_overflow_is_applied_though_a_later_write_stamped_it_ahead_of_the_syncs_clock():
    # Given an org whose clock is a minute ahead, a pushed task whose Comments changed in a transaction too big
    # for its events (one GAP_OVERFLOW instead), and a later change of the record, stamped by that clock past
    # the sync's present, just before the reconciliation the overflow started runs
    world = SyncWorld()
    world.org.skew = timedelta(seconds=60)
    world.rep_creates("Call Alice back")
    world.sync()
    world.tick(120)
    record = world.record_of()
    world.org.update(record.id, {"Description": "theirs"})
    changed_at = world.org.records[record.id].system_modstamp
    world.tick(90)
    world.org.update(record.id, {"Priority": "High"})
    world.mark_delivered()
    world.tick()

    # When the reconciliation runs
    reconcile_org(ORG, world.services, world.state, BudgetGovernor(), changed_at)

    # Then the overflow's change reached SIA: getUpdated stops at the sync's present, which the record's
    # stamp had left; a query reaches Salesforce's
    task = world.task()
    assert task is not None
    assert task.details == "theirs"
