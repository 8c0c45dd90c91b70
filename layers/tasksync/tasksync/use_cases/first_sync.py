"""Turning sync on (SPEC section 5): import the Salesforce tasks of the 24 hours before sync was turned
on; when sync had been on before, apply the deletes of the last 15 days and read every linked record
back so that both sides agree again (SPEC 5.5); report progress on the settings.

A run of any size takes as many legs (invocations) as it needs (docs/decisions/0010): the import reads
its rows in (LastModifiedDate, Id) order, page by page, and saves how far it got with the counts every
``PROGRESS_EVERY`` rows; a leg whose time runs short saves its checkpoint and hands over to the next,
which asks Salesforce for the rows after it. The catch-up of SPEC 5.3 and 5.5 runs once, in the last
leg. Every step is idempotent (imports are keyed by the Salesforce id), so a leg that dies is simply run
again from the last checkpoint saved.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from tasksync.domain.clocks import CLOCK_MARGIN
from tasksync.domain.settings import (
    FIRST_SYNC_WINDOW,
    FirstSyncProgress,
    FirstSyncState,
    ImportCheckpoint,
    SyncSettings,
)
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import CreateReminder
from tasksync.ports.salesforce import DELETED_RETENTION, ErrorKind, SalesforceError
from tasksync.ports.sync_state import ConcurrentUpdate, CursorRepository
from tasksync.use_cases.attempts import StillConcurrent
from tasksync.use_cases.reminder_resync import resend_unanswered_creates
from tasksync.use_cases.revoked_grant import pause_on_revoked_grant
from tasksync.use_cases.safety_nets import (
    DELETED_CURSOR,
    UPDATED_CURSOR,
    SweepResult,
    read_back_links,
    read_changed_since,
    reconcile_updates,
    sweep_deletions,
)
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tasksync.use_cases.services import SyncServices

PROGRESS_EVERY = 500
"""Rows between two progress saves: the settings API shows a moving count, for two DynamoDB requests
per 500 imported tasks."""
HAND_OVER_MARGIN = timedelta(minutes=3)
"""Time a leg keeps in hand when it stops: the row in flight may wait on one Salesforce call at worst
(a Bulk results page, a record read: 4 attempts of a 30-second read time-out and 3.5 s of back-off,
about 2 minutes), then the checkpoint is saved and the next leg invoked."""
CATCH_UP_TIME = timedelta(minutes=5)
"""A catch-up (SPEC 5.3, 5.5) starts in a leg of its own unless this much time is left."""
ASYNC_ATTEMPTS = 3
"""Lambda runs an asynchronous invocation that fails three times in all (template.yaml,
FirstSyncFunction's EventInvokeConfig: MaximumRetryAttempts 2); the last failure ends the run."""
SAVE_ATTEMPTS = 5


@dataclass(frozen=True)
class Invocation:
    """What a leg knows of the invocation running it (the handler's Lambda context, without Lambda)."""

    time_left: Callable[[], timedelta]
    hand_over: Callable[[], None]
    """Starts the next leg (asynchronously), after the checkpoint is saved."""
    request_id: str | None = None
    """The same for Lambda's retries of one invocation: how the last attempt is known."""


class Superseded(Exception):
    """Another invocation took the run on (a retry, a duplicate delivery): this leg stops, quietly."""


class SyncTurnedOff(Exception):
    """The rep turned sync off (or it was paused) while the import ran: it stops at once (SPEC 6)."""


SYNC_OFF_MESSAGE = "sync was turned off or paused before the first sync finished"


def run_first_sync(
    user_id: str,
    services: SyncServices,
    cursors: CursorRepository,
    *,
    resume: bool = False,
    invocation: Invocation | None = None,
) -> FirstSyncProgress:
    """Start a run (or take on the one running for the same window), or with ``resume`` go on with the
    running one: a resume of a run that ended is a no-op. Without ``invocation`` the leg runs to the
    end. Idempotent: running it again imports nothing twice. Returns the progress this leg left."""
    leg = _Leg.claim(user_id, services, resume=resume)
    if leg is None:
        settings = services.settings.get_settings(user_id)
        return settings.first_sync if settings else FirstSyncProgress()
    try:
        return leg.run(cursors, invocation)
    except Superseded:
        return leg.progress


def window_start(settings: SyncSettings, now: datetime) -> datetime:
    """The 24 hours before sync was turned on (not before this run, which may start late), on
    Salesforce's clock: widened by the clocks' margin."""
    return (settings.enabled_at or now) - FIRST_SYNC_WINDOW - CLOCK_MARGIN


class _Leg:
    """One invocation's share of a run: it owns the run while the stored ``leg`` is its number."""

    def __init__(self, settings: SyncSettings, services: SyncServices) -> None:
        self.settings = settings
        self.services = services
        self.progress = settings.first_sync
        self.number = settings.first_sync.leg

    @classmethod
    def claim(cls, user_id: str, services: SyncServices, *, resume: bool) -> _Leg | None:
        for _ in range(SAVE_ATTEMPTS):
            settings = services.settings.get_settings(user_id)
            if settings is None:
                raise ValueError(f"user {user_id} has no sync settings")
            progress, now = settings.first_sync, services.clock()
            running = progress.state is FirstSyncState.RUNNING
            if not settings.syncing:
                if not running:
                    return None
                claimed = progress.model_copy(
                    update={"state": FirstSyncState.FAILED, "error_code": "SYNC_OFF", "error": SYNC_OFF_MESSAGE}
                )
            elif running and (resume or progress.window_start == window_start(settings, now)):
                # A retry, the next leg, a duplicate, or sync saved again meanwhile: go on from the checkpoint.
                claimed = progress.model_copy(update={"leg": progress.leg + 1, "error": "", "error_code": ""})
            elif resume:
                return None  # the run it was to go on with has ended
            else:
                claimed = FirstSyncProgress(
                    state=FirstSyncState.RUNNING,
                    started_at=now,
                    window_start=window_start(settings, now),
                    leg=progress.leg + 1,
                )
            try:
                saved = services.settings.save_settings(settings.model_copy(update={"first_sync": claimed}))
            except ConcurrentUpdate:
                continue
            return cls(saved, services) if claimed.state is FirstSyncState.RUNNING else None
        raise ConcurrentUpdate(f"settings of {user_id} kept changing")

    def run(self, cursors: CursorRepository, invocation: Invocation | None) -> FirstSyncProgress:
        try:
            if not self.progress.import_done and not self._import(invocation):
                return self._hand_over(invocation)
            catching_up = self.settings.ever_enabled or self.settings.stopped_since() is not None
            if catching_up and invocation and invocation.time_left() < CATCH_UP_TIME:
                return self._hand_over(invocation)
            return self._catch_up(cursors)
        except SalesforceError as error:
            if error.kind is ErrorKind.TRANSIENT:
                self._failed_for_now(error, invocation)
                raise
            if error.kind is ErrorKind.AUTH:
                pause_on_revoked_grant(error, self.settings, self.services)
            return self._failed(error.code, error.message)
        except (StillConcurrent, ConcurrentUpdate) as error:
            self._failed_for_now(error, invocation)
            raise
        except SyncTurnedOff:
            return self._failed("SYNC_OFF", SYNC_OFF_MESSAGE)
        except ValueError as error:  # a record Salesforce answered that does not validate, a missing connection
            return self._failed(type(error).__name__, str(error))

    def _import(self, invocation: Invocation | None) -> bool:
        """Apply the rows after the checkpoint; False when the leg stopped for time (its place noted)."""
        connection, start = self.settings.connection, self.progress.window_start
        assert connection is not None and start is not None  # claimed runs are of syncing users
        gateway = self.services.salesforce(self.settings)
        read_at = self.services.clock()
        owned = gateway.owned_tasks_modified_since(connection.sf_user_id, start, after=self.progress.checkpoint)
        if self.progress.total is None:
            self.save(total=owned.total)
        applied = 0
        while True:
            # At least one row a leg, so that every leg moves the run on.
            if applied and invocation and invocation.time_left() < HAND_OVER_MARGIN:
                return False
            task = next(owned.tasks, None)
            if task is None:
                break
            decision = apply_salesforce_change(SalesforceChange.of_record(task, read_at), self.settings, self.services)
            applied += 1
            self._note(
                imported=self.progress.imported + isinstance(decision.reminder, CreateReminder),
                checkpoint=_checkpoint(task.last_modified_date, task.id) or self.progress.checkpoint,
            )
            if applied % PROGRESS_EVERY == 0 and not self.save_and_read().syncing:
                raise SyncTurnedOff()
        self.save(import_done=True)
        return True

    def _catch_up(self, cursors: CursorRepository) -> FirstSyncProgress:
        started = self.progress.started_at
        assert started is not None
        user, caught_up = self.settings.user_id, SweepResult(applied=0, removed=0, complete=True)
        if self.settings.ever_enabled:
            swept = sweep_deletions(self.settings, self.services, cursors, since=started - DELETED_RETENTION)
            caught_up = swept + read_back_links(self.settings, self.services)
            caught_up += resend_unanswered_creates(self.settings, self.services)
        else:
            cursors.put_cursor(user, DELETED_CURSOR, started - CLOCK_MARGIN)
        stopped = self.settings.stopped_since()
        if stopped is not None:
            caught_up += read_changed_since(self.settings, self.services, stopped)
        if self.settings.pause_to_read() is not None:
            # A revoked grant's pause skipped its events: what Salesforce changed meanwhile is read as
            # changed with sync on (an undelete joins, SPEC 5.5, 6); a later round reads what Salesforce
            # had not covered yet (its clock may be ahead), and then forgets the pause.
            caught_up += reconcile_updates(self.settings, self.services, cursors)
        if caught_up.failed:
            raise StillConcurrent(f"records {', '.join(caught_up.failed)} could not be applied")
        # The cursors are Salesforce times, ``started`` AWS's: widened by the clocks' margin, the next
        # rounds' windows miss nothing an org whose clock is behind committed meanwhile.
        cursors.put_cursor(user, UPDATED_CURSOR, started - CLOCK_MARGIN)
        return self.save(
            caught_up=True,
            state=FirstSyncState.DONE,
            deleted=caught_up.removed,
            error="",
            error_code="",
            finished_at=self.services.clock(),
        )

    def _hand_over(self, invocation: Invocation | None) -> FirstSyncProgress:
        assert invocation is not None
        progress = self.save()
        invocation.hand_over()
        return progress

    def _failed(self, code: str, message: str) -> FirstSyncProgress:
        return self.save(
            state=FirstSyncState.FAILED, error_code=code, error=message[:1_000], finished_at=self.services.clock()
        )

    def _failed_for_now(self, error: Exception, invocation: Invocation | None) -> None:
        """Saved before raising for Lambda's retry: the rows applied so far, and the error meanwhile."""
        request = invocation.request_id if invocation else None
        same = request is not None and self.progress.failed_invocation == request
        attempts = self.progress.failed_attempts + 1 if same else 1
        last = request is not None and attempts >= ASYNC_ATTEMPTS
        self.save(
            state=FirstSyncState.FAILED if last else FirstSyncState.RUNNING,
            error_code=getattr(error, "code", type(error).__name__),
            error=str(error)[:1_000],
            failed_invocation=request or "",
            failed_attempts=attempts,
            finished_at=self.services.clock() if last else None,
        )

    def _note(self, **changes: object) -> None:
        self.progress = self.progress.model_copy(update=changes)

    def save(self, *, caught_up: bool = False, **changes: object) -> FirstSyncProgress:
        self.save_and_read(caught_up=caught_up, **changes)
        return self.progress

    def save_and_read(self, *, caught_up: bool = False, **changes: object) -> SyncSettings:
        """Saves this leg's progress over whatever else changed meanwhile (the user may have saved other
        settings), unless another leg has taken the run on; returns the settings as saved. ``caught_up``:
        the run is done, so sync has been on, and the turn-off it read from is read (a later save with
        sync on starts a run that need not read it again)."""
        self._note(**changes)
        for _ in range(SAVE_ATTEMPTS):
            current = self.services.settings.get_settings(self.settings.user_id)
            if current is None or current.first_sync.leg != self.number:
                raise Superseded(f"leg {self.number} of {self.settings.user_id}'s first sync was replaced")
            update: dict[str, object] = {"first_sync": self.progress}
            if caught_up:
                update["ever_enabled"] = True
                if current.disabled_at == self.settings.disabled_at:
                    update["disabled_at"] = None
            try:
                return self.services.settings.save_settings(current.model_copy(update=update))
            except ConcurrentUpdate:
                continue
        raise ConcurrentUpdate(f"settings of {self.settings.user_id} kept changing")


def _checkpoint(modified_at: datetime | None, sf_id: str) -> ImportCheckpoint | None:
    return None if modified_at is None else ImportCheckpoint(modified_at=modified_at, sf_id=sf_id)
