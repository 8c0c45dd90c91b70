"""The first sync at any size (SPEC 5, docs/decisions/0010): paged, idempotent, its progress saved as it
goes, in as many legs as it needs, one leg at a time, and its errors visible."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from tasksync.domain.salesforce_task import SalesforceTask
from tasksync.domain.settings import ConnectionStatus, FirstSyncProgress, FirstSyncState, SyncSettings
from tasksync.ports.salesforce import AuthRevoked, ErrorKind, OwnedTasks, SalesforceError
from tasksync.use_cases import first_sync
from tasksync.use_cases.first_sync import Invocation, run_first_sync
from tasksync.use_cases.safety_nets import reconcile_updates
from tests.fakes.salesforce import InMemoryGateway
from tests.unit.builders import CLIENT_ID, USER, SyncWorld, settings

ENOUGH = timedelta(minutes=14)
SHORT = timedelta(seconds=30)


def a_world(tasks: int, *, ever_enabled: bool = False, subject: str = "Task") -> SyncWorld:
    """A rep who just turned sync on for the first time (``ever_enabled`` False), with ``tasks`` Salesforce
    tasks changed over the last hour, a few to a second."""
    world = SyncWorld(settings(ever_enabled=ever_enabled))
    world.now -= timedelta(hours=1)
    for n in range(tasks):
        world.org.create({"Subject": f"{subject} {n}"})
        if n % 3 == 2:
            world.tick()
    world.now += timedelta(hours=1)
    world.mark_delivered()
    return world


class Clock:
    """An invocation's time left, asked before each row after the first: plenty until ``rows`` rows are
    applied, then too little (the leg hands over)."""

    def __init__(self, rows: int) -> None:
        self.rows = rows
        self.asked = 0

    def __call__(self) -> timedelta:
        self.asked += 1
        return ENOUGH if self.asked < self.rows else SHORT


@dataclasses.dataclass
class Relay:
    """The handler's self-invocation, kept: each hand-over is a resume waiting to run."""

    world: SyncWorld
    rows_per_leg: int
    waiting: int = 0
    legs: int = 0

    def invocation(self, request_id: str | None = None) -> Invocation:
        def hand_over() -> None:
            self.waiting += 1

        return Invocation(time_left=Clock(self.rows_per_leg), hand_over=hand_over, request_id=request_id)

    def run(self, **options: Any) -> FirstSyncProgress:
        self.legs += 1
        return run_first_sync(USER, self.world.services, self.world.state, invocation=self.invocation(), **options)

    def until_done(self) -> FirstSyncProgress:
        progress = self.run()
        while self.waiting:
            self.waiting -= 1
            progress = self.run(resume=True)
        return progress


def saved_progress(world: SyncWorld, monkeypatch: pytest.MonkeyPatch) -> list[FirstSyncProgress]:
    """Every first-sync progress the settings repository saves, in order."""
    saves: list[FirstSyncProgress] = []
    save = world.state.save_settings

    def recording(new: SyncSettings) -> SyncSettings:
        saved = save(new)
        saves.append(saved.first_sync)
        return saved

    monkeypatch.setattr(world.state, "save_settings", recording)
    return saves


def imported_names(world: SyncWorld) -> list[str]:
    return sorted(task.name for task in world.tasks())


# -- paged and idempotent --------------------------------------------------------------------------------


def test_a_first_sync_imports_each_task_once_counts_them_and_running_it_again_imports_nothing():
    world = a_world(7)

    first = run_first_sync(USER, world.services, world.state)
    again = run_first_sync(USER, world.services, world.state)

    assert (first.state, first.total, first.imported) == (FirstSyncState.DONE, 7, 7)
    assert (again.state, again.total, again.imported) == (FirstSyncState.DONE, 7, 0)
    assert imported_names(world) == sorted(f"Task {n}" for n in range(7))


def test_logged_calls_and_emails_are_neither_imported_nor_counted():
    world = a_world(3)
    world.org.create({"Subject": "Logged call", "TaskSubtype": "Call"})
    world.org.create({"Subject": "Series", "IsRecurrence": True})

    progress = run_first_sync(USER, world.services, world.state)

    assert (progress.total, progress.imported) == (3, 3)
    assert "Logged call" not in imported_names(world)


def test_progress_is_saved_every_n_rows_so_the_count_moves(monkeypatch):
    monkeypatch.setattr(first_sync, "PROGRESS_EVERY", 2)
    world = a_world(5)
    saves = saved_progress(world, monkeypatch)

    run_first_sync(USER, world.services, world.state)

    running = [(p.total, p.imported) for p in saves if p.state is FirstSyncState.RUNNING]
    assert running == [(None, 0), (5, 0), (5, 2), (5, 4), (5, 5)]  # claimed, counted, every 2, read to the end
    assert saves[-1].state is FirstSyncState.DONE and saves[-1].imported == 5


# -- legs --------------------------------------------------------------------------------------------


def test_a_leg_short_of_time_saves_its_checkpoint_and_hands_over_and_the_next_goes_on_from_it():
    world = a_world(10)
    relay = Relay(world, rows_per_leg=4)

    first = relay.run()

    assert (first.state, first.imported, relay.waiting) == (FirstSyncState.RUNNING, 4, 1)
    assert first.checkpoint is not None
    stored = world.settings.first_sync
    assert stored.checkpoint == first.checkpoint and stored.imported == 4 and not stored.import_done

    relay.waiting = 0
    second = relay.run(resume=True)

    assert second.imported == 8 and relay.waiting == 1
    assert len(world.tasks()) == 8  # the second leg took the next four, none again


def test_a_run_in_legs_ends_as_one_run_would():
    world = a_world(10)
    relay = Relay(world, rows_per_leg=3)

    progress = relay.until_done()

    assert (progress.state, progress.total, progress.imported) == (FirstSyncState.DONE, 10, 10)
    assert relay.legs == 4
    assert imported_names(world) == sorted(f"Task {n}" for n in range(10))


def test_a_resume_asks_salesforce_only_for_the_rows_after_the_checkpoint():
    world = a_world(6)
    asked: list[Any] = []

    class Recording(InMemoryGateway):
        def owned_tasks_modified_since(self, owner_id: str, since: datetime, *, after: Any = None) -> OwnedTasks:
            owned = super().owned_tasks_modified_since(owner_id, since, after=after)
            asked.append((after, owned.total))
            return owned

    world.services = dataclasses.replace(world.services, salesforce=lambda s: Recording(world.org, CLIENT_ID))
    relay = Relay(world, rows_per_leg=4)
    relay.run()
    checkpoint = world.settings.first_sync.checkpoint
    relay.until_done()

    assert asked == [(None, 6), (checkpoint, 2)]
    fourth = sorted(world.org.records.values(), key=lambda t: (t.last_modified_date, t.id))[3]
    assert checkpoint is not None and (checkpoint.modified_at, checkpoint.sf_id) == (
        fourth.last_modified_date,
        fourth.id,
    )


def test_each_leg_moves_the_run_on_even_when_it_starts_short_of_time():
    world = a_world(3)
    relay = Relay(world, rows_per_leg=0)

    progress = relay.until_done()

    # A row a leg, and a last leg that finds no more
    assert (progress.state, progress.imported, relay.legs) == (FirstSyncState.DONE, 3, 4)


def test_the_catch_up_of_a_re_enable_runs_once_in_the_last_leg():
    world = a_world(5, ever_enabled=True)
    moments: list[str] = []
    world.fault = lambda moment: moments.append(moment)
    relay = Relay(world, rows_per_leg=2)

    relay.until_done()

    assert moments.count("before deleted") == 1
    assert moments.index("before deleted") > max(i for i, m in enumerate(moments) if m == "before query")


def test_a_catch_up_short_of_time_gets_a_leg_of_its_own():
    world = a_world(2, ever_enabled=True)
    moments: list[str] = []
    world.fault = lambda moment: moments.append(moment)
    late = Invocation(time_left=lambda: timedelta(minutes=3), hand_over=lambda: moments.append("handed over"))

    progress = run_first_sync(USER, world.services, world.state, invocation=late)

    assert progress.state is FirstSyncState.RUNNING and progress.import_done
    assert moments[-1] == "handed over" and "before deleted" not in moments
    done = run_first_sync(USER, world.services, world.state, resume=True)
    assert done.state is FirstSyncState.DONE and moments.count("before query") == 1


# -- one leg at a time ---------------------------------------------------------------------------------


def test_a_resume_of_a_finished_run_changes_nothing():
    world = a_world(3)
    run_first_sync(USER, world.services, world.state)
    done = world.settings
    calls = world.org.api_calls

    progress = run_first_sync(USER, world.services, world.state, resume=True)

    assert progress == done.first_sync and world.settings == done
    assert world.org.api_calls == calls


def test_a_duplicate_leg_takes_the_run_on_and_the_one_it_replaced_stops_without_a_word(monkeypatch):
    # Given a leg under way, whose progress is saved every two rows
    monkeypatch.setattr(first_sync, "PROGRESS_EVERY", 2)
    world = a_world(9)
    duplicate: list[FirstSyncProgress] = []

    def time_left() -> timedelta:
        # When, after its first rows, a duplicate delivery of its event runs a whole leg meanwhile
        if not duplicate and world.tasks():
            duplicate.append(run_first_sync(USER, world.services, world.state, resume=True))
        return ENOUGH

    replaced = run_first_sync(
        USER, world.services, world.state, invocation=Invocation(time_left=time_left, hand_over=lambda: None)
    )

    # Then the duplicate finished the run, and the first leg stopped at its next save, leaving it be
    assert duplicate[0].state is FirstSyncState.DONE
    assert replaced.state is FirstSyncState.RUNNING
    assert world.settings.first_sync.state is FirstSyncState.DONE
    assert imported_names(world) == sorted(f"Task {n}" for n in range(9))


def test_saving_sync_on_again_while_a_run_is_under_way_goes_on_with_it():
    world = a_world(6)
    relay = Relay(world, rows_per_leg=4)
    relay.run()

    progress = run_first_sync(USER, world.services, world.state)  # the settings API's own invocation

    assert (progress.state, progress.imported, progress.total) == (FirstSyncState.DONE, 6, 6)


def test_turning_sync_off_and_on_again_starts_a_new_run_of_the_new_window():
    world = a_world(4)
    Relay(world, rows_per_leg=2).run()
    world.tick(600)
    world.state.save_settings(world.settings.model_copy(update={"enabled_at": world.now}))

    progress = run_first_sync(USER, world.services, world.state)

    assert progress.state is FirstSyncState.DONE and progress.started_at == world.now
    assert len(world.tasks()) == 4


def test_a_resume_after_sync_was_turned_off_ends_the_run():
    world = a_world(4)
    Relay(world, rows_per_leg=2).run()
    world.state.save_settings(world.settings.model_copy(update={"enabled": False}))

    progress = run_first_sync(USER, world.services, world.state, resume=True)

    assert (progress.state, progress.error_code) == (FirstSyncState.FAILED, "SYNC_OFF")
    assert len(world.tasks()) == 2


def turning_sync_off_after_the_first_rows(world: SyncWorld) -> Invocation:
    """An invocation during which, once a few tasks are in, the rep turns sync off."""
    done: list[bool] = []

    def time_left() -> timedelta:
        if not done and len(world.tasks()) >= 2:
            done.append(True)
            world.state.save_settings(world.settings.model_copy(update={"enabled": False}))
        return ENOUGH

    return Invocation(time_left=time_left, hand_over=lambda: None)


def test_turning_sync_off_stops_a_running_import_at_its_next_save(monkeypatch):
    monkeypatch.setattr(first_sync, "PROGRESS_EVERY", 3)
    world = a_world(9)

    progress = run_first_sync(
        USER, world.services, world.state, invocation=turning_sync_off_after_the_first_rows(world)
    )

    assert (progress.state, progress.error_code) == (FirstSyncState.FAILED, "SYNC_OFF")
    assert world.settings.first_sync == progress and len(world.tasks()) == 3


# -- errors ----------------------------------------------------------------------------------------------


class FailingStream(InMemoryGateway):
    """The gateway's rows fail with ``error`` after ``rows`` of them (a results page that cannot be read)."""

    def __init__(self, world: SyncWorld, rows: int, error: SalesforceError) -> None:
        super().__init__(world.org, CLIENT_ID)
        self.rows, self.error = rows, error

    def owned_tasks_modified_since(self, owner_id: str, since: datetime, *, after: Any = None) -> OwnedTasks:
        owned = super().owned_tasks_modified_since(owner_id, since, after=after)

        def failing() -> Iterator[SalesforceTask]:
            for n, task in enumerate(owned.tasks):
                if n == self.rows:
                    raise self.error
                yield task

        return OwnedTasks(owned.total, failing())


def failing_after(world: SyncWorld, rows: int, error: SalesforceError) -> None:
    world.services = dataclasses.replace(world.services, salesforce=lambda s: FailingStream(world, rows, error))


def test_a_transient_failure_mid_stream_saves_what_was_applied_says_so_and_raises_for_the_retry():
    world = a_world(6)
    healthy = world.services
    failing_after(world, 4, SalesforceError(ErrorKind.TRANSIENT, "SERVER_UNAVAILABLE", "down"))

    with pytest.raises(SalesforceError):
        run_first_sync(USER, world.services, world.state, invocation=Relay(world, 100).invocation("req-1"))

    stored = world.settings.first_sync
    assert (stored.state, stored.imported, stored.error_code) == (FirstSyncState.RUNNING, 4, "SERVER_UNAVAILABLE")
    # And Lambda's retry goes on from there
    world.services = healthy
    done = run_first_sync(USER, world.services, world.state, invocation=Relay(world, 100).invocation("req-1"))
    assert (done.state, done.imported, done.error) == (FirstSyncState.DONE, 6, "")


def test_the_last_attempt_lambda_makes_ends_the_run_as_failed():
    world = a_world(3)
    failing_after(world, 0, SalesforceError(ErrorKind.TRANSIENT, "REQUEST_LIMIT_EXCEEDED", "slow down"))
    states = []
    for _ in range(first_sync.ASYNC_ATTEMPTS):
        with pytest.raises(SalesforceError):
            run_first_sync(USER, world.services, world.state, invocation=Relay(world, 100).invocation("req-7"))
        states.append(world.settings.first_sync.state)

    assert states == [FirstSyncState.RUNNING, FirstSyncState.RUNNING, FirstSyncState.FAILED]
    assert world.settings.first_sync.error_code == "REQUEST_LIMIT_EXCEEDED"


def test_a_permanent_salesforce_error_ends_the_run_as_failed_without_a_retry():
    world = a_world(3)
    failing_after(world, 1, SalesforceError(ErrorKind.PERMANENT, "INSUFFICIENT_ACCESS", "no access to Task"))

    progress = run_first_sync(USER, world.services, world.state)

    assert (progress.state, progress.error_code, progress.imported) == (FirstSyncState.FAILED, "INSUFFICIENT_ACCESS", 1)
    assert world.settings.first_sync == progress
    assert "no access to Task" in progress.error


def test_a_revoked_grant_ends_the_run_as_failed_and_pauses_the_reps_sync():
    world = a_world(3)
    failing_after(world, 2, AuthRevoked("expired access/refresh token"))

    progress = run_first_sync(USER, world.services, world.state)

    assert (progress.state, progress.error_code) == (FirstSyncState.FAILED, "invalid_grant")
    assert world.settings.connection is not None and world.settings.connection.status is ConnectionStatus.REVOKED
    assert world.state.errors_of(USER)  # the rep is told


# -- stored progress -----------------------------------------------------------------------------------


def test_progress_saved_before_legs_existed_still_loads():
    old = (
        '{"user_id": "user-1", "enabled": true, "first_sync": {"state": "done", "imported": 3, "deleted": 1, '
        '"error": "", "started_at": "2026-03-02T09:00:00Z", "finished_at": "2026-03-02T09:01:00Z"}}'
    )

    loaded = SyncSettings.model_validate_json(old).first_sync

    assert (loaded.state, loaded.imported, loaded.total, loaded.checkpoint, loaded.leg) == (
        FirstSyncState.DONE,
        3,
        None,
        None,
        0,
    )


def test_a_change_an_org_whose_clock_is_behind_commits_just_after_the_first_sync_is_reconciled():
    """The safety nets' cursors are Salesforce times, the first sync's start AWS's: with Salesforce's
    clock 90 seconds behind, a record committed moments after the first sync is stamped before its
    start, and the reconciliation must still read it when its event is lost (SPEC 6, 7)."""
    world = SyncWorld(settings(ever_enabled=False))
    world.org.skew = -timedelta(seconds=90)
    run_first_sync(USER, world.services, world.state)
    world.tick(5)
    world.org.create({"Subject": "Made just after"})
    world.mark_delivered()  # its event was lost
    world.tick(300)

    reconcile_updates(world.settings, world.services, world.state)

    assert imported_names(world) == ["Made just after"]
