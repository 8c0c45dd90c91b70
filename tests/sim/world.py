"""The simulated world: SIA's store, a Salesforce org, the sync state, the queues between them, and the
faults injected where they happen in AWS (queues redeliver, reorder, delay and lose; a function can die
between two writes; Salesforce can fail, lose an answer, be down or refuse a revoked grant).

Deliveries run the handlers' own code: a Salesforce queue body is read by ``org_changes_of`` and routed
by ``apply_org_changes`` (``functions/salesforce_changes``), an SIA one by ``reminder_event_of`` and
applied a batch at a time by ``apply_reminder_batch`` (``functions/reminder_changes``); the scheduled
functions' rounds are ``run_round`` of their jobs. What happens is recorded in ``history`` where it
happens."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from types import MethodType
from typing import Any

from local.salesforce_org.cdc import ChangeEvent
from tasksync.adapters.salesforce.errors import Operation, error_from_response
from tasksync.change_events.conversion import OrgChanges, ReconcileOrg
from tasksync.change_events.queued import org_changes_of
from tasksync.domain.field_map import FieldMap
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent
from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.salesforce_task import Picklists
from tasksync.domain.settings import ConnectionStatus, SalesforceConnection, SyncSettings
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.changes import SalesforceChange
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.ports.salesforce_connector import Granted
from tasksync.queued_events import reminder_event_of
from tasksync.use_cases.attempts import StillConcurrent
from tasksync.use_cases.first_sync import Invocation, run_first_sync
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tasksync.use_cases.reminder_resync import SETTLING, resync_reminders
from tasksync.use_cases.routing import apply_org_changes
from tasksync.use_cases.safety_nets import reconcile_updates, sweep_deletions
from tasksync.use_cases.salesforce_connection import Connecting
from tasksync.use_cases.scheduled_rounds import BudgetGovernor, NotCoveredYet, RoundResult, reconcile_org, run_round
from tasksync.use_cases.services import SyncServices
from tasksync.use_cases.settings_saving import NotConnected, save_sync_settings
from tests.fakes.linked_task_writes import InMemoryLinkedTaskWrites
from tests.fakes.reminder_store import InMemoryReminderStore
from tests.fakes.salesforce import InMemoryOrg
from tests.fakes.salesforce_connector import NoPending, StoredGrants
from tests.fakes.sync_state import InMemorySyncState
from tests.sim.deliveries import SIDES, Delivery, DeliveryFaults, Queues, Side
from tests.sim.history import Actor, History, Shown, SiaWrite, Switch
from tests.sim.transport import change_event_body, reminder_event_body

REPS = {"user-1": "005000000000001AAA", "user-2": "005000000000003AAA"}
"""Two connected reps of one org (SIA user -> Salesforce user), so tasks move between synced lists."""
OTHER_SF_USER = "005000000000002AAA"
"""A Salesforce user with no sync."""
ORG = "00D000000000001AAA"
CLIENT_ID = "tasksync"
INSTANCE_URL = "https://example.my.salesforce.com"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
MAX_BATCH = 10
"""ReminderChangesFunction's BatchSize (template.yaml)."""
FIRST_SYNC_LEGS = 100
"""Legs of one first sync before it counts as never ending (a seed's few dozen records take a handful)."""
SCHEDULED_ODDS = 0.01
"""Each scheduled function fires with these odds a step: about once a seed, amid the event path."""


class NeverQuiet(Exception):
    """Deliveries kept making deliveries: a loop."""


class Crash(Exception):
    """The function died here; its message goes back to the queue."""


@dataclass(frozen=True)
class Faults:
    delivery: DeliveryFaults = field(default_factory=DeliveryFaults)
    crash: float = 0.03
    salesforce_error: float = 0.04
    lost_answer: float = 0.03
    gap: float = 0.02
    """A record change whose event Salesforce publishes as a GAP_ one."""
    whole_entity: float = 0.004
    """A transaction published as GAP_OVERFLOW; as often, an admin's field conversion (``00T*``)."""

    @classmethod
    def none(cls) -> Faults:
        return cls(DeliveryFaults.none(), crash=0, salesforce_error=0, lost_answer=0, gap=0, whole_entity=0)


class Flaky:
    """Wraps an adapter: a call may crash before it runs, or after (the write done, the answer lost)."""

    def __init__(self, inner: Any, rng: random.Random, world: World) -> None:
        self._inner = inner
        self._rng = rng
        self._world = world

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target):
            return target
        rng, world = self._rng, self._world

        def call(*args: Any, **kwargs: Any) -> Any:
            # Read once a call: the faults change only between calls (a scheduled job's run, the replay).
            odds = world.faults.crash / 2
            if rng.random() < odds:
                raise Crash(f"before {name}")
            result = target(*args, **kwargs)
            if rng.random() < odds:
                raise Crash(f"after {name}")
            return result

        if isinstance(target, MethodType):  # a method of the adapter stays that method: wrap it once
            setattr(self, name, call)
        return call


class World:
    def __init__(self, seed: int, faults: Faults | None = None, *, tracing: bool = False) -> None:
        self.rng = random.Random(seed)
        self.faults = faults or Faults()
        self.tracing = tracing
        self.now = START
        self.history = History()
        self.outage_until: datetime | None = None
        """While ``now`` is before it, Salesforce's API answers SERVER_UNAVAILABLE and the relay holds
        its change events."""
        self.revoked: set[str] = set()
        self.refused_grant: set[str] = set()
        """The reps whose revoked grant a call of the sync's met since: their connection must say so (SPEC 7)."""
        self.unsaid: list[str] = []
        """Revoked grants met that the rep's connection did not show when they reconnected."""
        self.met_pause: set[str] = set()
        """SIA tasks whose event was delivered while the rep's grant was revoked: it met the pause."""
        self.sia = InMemoryReminderStore()
        # Salesforce's clock apart from the sync's by up to the margin, and the sync's client id on its
        # writes' change events or not (sObject Collections are not documented to carry it).
        self.org = InMemoryOrg(
            lambda: self.now,
            user_id=REPS["user-1"],
            skew=timedelta(seconds=self.rng.randint(-90, 90)),
            client_id_on_writes=self.rng.random() < 0.5,
            org_id=ORG,
        )
        self.org.history = self.history
        self.org.gap = lambda: self.rng.random() < self.faults.gap
        self.org.overflow = lambda: self.rng.random() < self.faults.whole_entity
        relayed_share = self.rng.choice([0.0, 0.5, 1.0])
        self.org.sent_as = lambda event: [self._wire(event, self.rng.random() < relayed_share)]
        self.state = InMemorySyncState()
        self.queues = Queues(self.rng, self.faults.delivery)
        self.org.on_change = lambda body: self.queues.send(Side.SALESFORCE, body, self.now)
        self.sia_sent: list[str] = []
        self.applied: set[str] = set()
        """The bodies delivered while the sync of every rep they concern ran: news to none of them since."""
        self.deliveries = 0
        self.redeliveries = 0
        self.trace: list[str] = []
        self._sia_values: dict[tuple[str, str], dict[str, object]] = {}
        self._creating_from: str | None = None
        self._reconciliations: set[tuple[str, str, str]] = set()
        self._read: dict[str, OrgChanges] = {}
        self._read_sia: dict[str, ReminderTaskEvent] = {}
        self.sia.on_event = self._sia_changed
        for user in REPS:
            self.state.save_settings(
                SyncSettings(user_id=user, enabled=False, time_zone="Europe/Berlin", connection=_connection(user))
            )
        flaky: Callable[[Any], Any] = lambda inner: Flaky(inner, self.rng, self)  # noqa: E731
        field_map = FieldMap.from_picklists(Picklists.stock())
        self.services = SyncServices(
            settings=self.state,
            links=flaky(self.state),
            errors=self.state,
            reminders=flaky(self.sia),
            linked=flaky(_CopiesTold(self, InMemoryLinkedTaskWrites(self.sia, self.state))),
            salesforce=lambda settings: self.org.gateway(
                CLIENT_ID, partial(self._salesforce_fault, settings.user_id), rep=settings.user_id
            ),
            field_maps=lambda _settings: field_map,
            client_id=CLIENT_ID,
            clock=lambda: self.now,
        )

    def settings(self, user: str) -> SyncSettings:
        settings = self.state.get_settings(user)
        assert settings is not None
        return settings

    def log(self, line: Callable[[], str]) -> None:
        """A trace line, formatted only when tracing (formatting every delivery is a fifth of a run)."""
        if self.tracing:
            self.trace.append(f"{self.now:%d %H:%M:%S.%f} {line()}")

    # -- the rep's switches, through the product's own use cases --------------------------------------
    def set_sync(self, user: str, on: bool) -> None:
        """The rep saves the settings page with sync on or off (``save_sync_settings``); on starts the
        first sync. Turning it on while the connection is revoked is refused, and nothing happens."""
        started: list[str] = []
        try:
            save_sync_settings(user, {"enabled": on}, self.state, self.now, start_first_sync=started.append)
        except NotConnected:
            self.log(lambda: f"{user} cannot turn sync on: not connected")
            return
        self.history.add(Switch(self.now, user, "on" if on else "off"))
        for started_user in started:
            self._first_sync_in_legs(started_user)

    def turn_sync_on(self) -> None:
        for user in REPS:
            self.set_sync(user, True)

    def revoke(self, user: str) -> None:
        """The rep's refresh token stops working (revoked, expired): every call answers ``invalid_grant``,
        and the product pauses the rep's sync when it meets that."""
        self.revoked.add(user)
        self.history.add(Switch(self.now, user, "revoked"))

    def reconnect(self, user: str) -> None:
        """The rep connects the same Salesforce user again (``Connecting.connect``): with sync on, that
        turns it on again and runs the first sync (SPEC 5.5). The rep reconnects from the settings page, which
        must have said the grant was revoked, once a call of the sync's met it (SPEC 7, 9)."""
        connection = self.settings(user).connection
        if user in self.refused_grant and (connection is None or connection.status is not ConnectionStatus.REVOKED):
            self.unsaid.append(f"{user}: a call met the revoked grant, yet the connection did not say it was revoked")
        self.revoked.discard(user)
        self.refused_grant.discard(user)
        started: list[str] = []
        connecting = Connecting(StoredGrants(), NoPending(), self.state, self.now, started.append)
        granted = Granted(ORG, REPS[user], f"{user}@example.com", user, INSTANCE_URL, credentials=None)
        connecting.connect(user, granted)
        self.history.add(Switch(self.now, user, "reconnected"))
        for started_user in started:
            self._first_sync_in_legs(started_user)

    # -- the scheduled and on-demand jobs, retried as their invokers retry them ---------------------
    def _first_sync_in_legs(self, user: str) -> None:
        """The first sync as its handler runs it: legs of a seeded few rows, each saving its checkpoint and
        handing over to the next (a resume), each retried as Lambda retries an invocation."""
        waiting = [False]
        for _ in range(FIRST_SYNC_LEGS):
            if not waiting:
                return
            resume = waiting.pop()
            budget = itertools.count(self.rng.randint(1, 2), -1)
            invocation = Invocation(time_left=partial(_time_left, budget), hand_over=partial(waiting.append, True))
            self._until_done(
                partial(run_first_sync, user, self.services, self.state, resume=resume, invocation=invocation)
            )
        raise NeverQuiet("the first sync kept handing over to a next leg")

    def _scheduled_jobs(self) -> list[Callable[[SyncSettings], Any]]:
        """The scheduled functions' jobs: the deletion sweep, the reconciliation, the SIA-side resync."""
        return [
            lambda settings: sweep_deletions(settings, self.services, self.state),
            lambda settings: reconcile_updates(settings, self.services, self.state),
            lambda settings: resync_reminders(settings, self.services),
        ]

    def scheduled_runs(self) -> None:
        """The scheduled functions firing while the event path runs (their schedules know nothing of it),
        with its faults: crashes and Salesforce's errors included. A rep whose part of a round fails waits
        for the next run (``run_round`` reports it, and the invocation succeeds, so Lambda retries nothing)."""
        for job in self._scheduled_jobs():
            if self.rng.random() < SCHEDULED_ODDS:
                result = run_round(job, self.services, BudgetGovernor())
                self.log(partial("scheduled run: done {}, failed {}".format, sorted(result.done), result.failed))

    def run_safety_nets(self) -> None:
        """The scheduled functions' rounds, as they run them, twice some minutes apart (a change Salesforce
        dated ahead of the sync's clock falls in the second window), once changes have had the resync's
        settling time: each until it leaves nothing for its next run."""
        self.now += SETTLING + timedelta(minutes=1)
        for _ in range(2):
            for job in self._scheduled_jobs():
                self._until_done(partial(run_round, job, self.services, BudgetGovernor()))
            self.now += timedelta(minutes=5)

    def _until_done(self, job: Callable[[], object]) -> None:
        """A job, retried as a whole (its invoker's retry) until it finishes with nothing left for the
        next run. The crashes injected into adapters are for the event consumers: a job's crash-safety is
        that of the same use cases, and its records apply one by one. A revoked grant ends it (nothing
        changes until the rep reconnects, which starts it again); an outage, it outwaits."""
        faults, self.faults = self.faults, replace(self.faults, crash=0)
        try:
            for _ in range(50):
                try:
                    result = job()
                except (Crash, SalesforceError, StillConcurrent, NotCoveredYet) as error:
                    if _revoked(error):
                        return
                    self.log(partial("job failed: {!r}".format, error))
                else:
                    left = _left_over(result)
                    if not left:
                        return
                    self.log(partial("job left {} for its next run".format, left))
                self.tick()
                if self.outage_until and self.now < self.outage_until:
                    self.now = self.outage_until
            raise NeverQuiet("a scheduled job kept failing")
        finally:
            self.faults = faults

    # -- time and delivery ------------------------------------------------------------------------
    def tick(self, max_ms: int = 1_500) -> None:
        self.now += timedelta(milliseconds=self.rng.randint(1, max_ms))
        if self.rng.random() < self.faults.whole_entity:
            self.org.convert_field()

    def _wire(self, event: ChangeEvent, relayed: bool) -> str:
        return change_event_body(event, ORG, relayed=relayed)

    def _sia_changed(self, event: ReminderTaskEvent) -> None:
        """A change of the SIA store: its fact, and (the rep's own only: the bus rule's ``origin: [user]``)
        its event on the way to the queue."""
        task, key = event.task, (event.task.user_id, event.task.id)
        values = task.values.model_dump()
        if event.kind is ReminderEventKind.CREATED:
            kind, written = "create", values
        elif event.kind is ReminderEventKind.DELETED:
            kind, written = "delete", {}
        else:
            before = self._sia_values.get(key, {})
            kind, written = "update", {name: value for name, value in values.items() if before.get(name) != value}
        if kind == "delete":
            self._sia_values.pop(key, None)
        else:
            self._sia_values[key] = values
        by_user = event.origin is Origin.USER
        from_sf = self._creating_from if kind == "create" and not by_user else None
        actor = Actor.USER if by_user else Actor.SYNC
        self.history.add(SiaWrite(self.now, task.user_id, task.id, kind, written, actor, from_sf))
        if by_user:
            body = reminder_event_body(event, len(self.sia_sent))
            self.sia_sent.append(body)
            self.queues.send(Side.SIA, body, self.now)

    def deliver_due(self) -> bool:
        """Deliver what is due on one queue (a batch, for the SIA one); False when nothing is."""
        side = self._due_side()
        if side is None:
            return False
        if side is Side.SIA:
            self._deliver_sia(self.queues.take(Side.SIA, self.now, self.rng.randint(1, MAX_BATCH)))
        else:
            for delivery in self.queues.take(side, self.now):
                self._deliver_one(delivery)
        return True

    def _due_side(self) -> Side | None:
        """The side whose next message is due soonest (the first in ``SIDES`` of a tie), if any is due."""
        found, soonest = None, self.now
        for side in SIDES:
            at = self._next_due(side)
            if at is not None and (at < soonest or (found is None and at == soonest)):
                found, soonest = side, at
        return found

    def _next_due(self, side: Side) -> datetime | None:
        at = self.queues.next_due(side)
        if at is not None and side is not Side.SIA and self.outage_until and at < self.outage_until:
            return self.outage_until  # the relay (and Salesforce) is down: its events wait
        return at

    def _deliver_sia(self, batch: list[Delivery]) -> None:
        self.deliveries += len(batch)
        events = [(delivery, self._reminder_event(delivery.body)) for delivery in batch]
        self.met_pause |= {event.task.id for _, event in events if event.task.user_id in self.revoked}
        try:
            outcome = apply_reminder_batch([event for _, event in events], self.services)
            failed: dict[str, Exception] = outcome.failed
        except (Crash, SalesforceError, StillConcurrent) as error:
            failed = {event.event_id: error for _, event in events}
        for delivery, event in events:
            failure = failed.get(event.event_id)
            if failure is None:
                if self._running(event.task.user_id):
                    self.applied.add(delivery.body)
                self.log(partial(_decided, event, outcome.decisions.get(event.event_id)))
                continue
            self.log(partial(_decided, event, failure))
            self.redeliveries += 1
            self.queues.again(delivery, self.now)

    def _reminder_event(self, body: str) -> ReminderTaskEvent:
        """As the parser's reading of a Salesforce body (``_apply_org_changes``): once per run."""
        event = self._read_sia.get(body)
        if event is None:
            event = self._read_sia[body] = reminder_event_of(body)
        return event

    def _deliver_one(self, delivery: Delivery) -> None:
        self.deliveries += 1
        try:
            if delivery.side is Side.RECONCILIATION:
                decision: object = self._reconcile(delivery.body)
            else:
                decision = self._apply_org_changes(delivery.body)
        except (Crash, SalesforceError, StillConcurrent, NotCoveredYet) as error:
            self.log(partial(_failed, delivery, error))
            self.redeliveries += 1
            self.queues.again(delivery, self.now)
        else:
            self.log(lambda: f"{_shown(delivery)} -> {decision}")
            if delivery.side is Side.SALESFORCE:
                self._shown_events(delivery.body)

    def _shown_events(self, body: str) -> None:
        """The history's ``Shown`` of change events applied: for each rep whose sync ran, what each carried."""
        running = [user for user in REPS if self._running(user)]
        if len(running) == len(REPS):
            self.applied.add(body)
        for change in self._read[body].changes:
            if isinstance(change, SalesforceChange):
                for user in running:
                    self.history.add(Shown(self.now, user, change.sf_id, change.commit_at, change.carried))

    def _apply_org_changes(self, body: str) -> object:
        """What ``functions/salesforce_changes`` does with one message. The parser is pure and its result
        immutable: a body delivered again (a duplicate, a retry, the replay) is read once per run."""
        changes = self._read.get(body)
        if changes is None:
            changes = self._read[body] = org_changes_of(body)
        applied = apply_org_changes(
            changes.org_id, [c for c in changes.changes if isinstance(c, SalesforceChange)], self.services
        )
        for signal in (c for c in changes.changes if isinstance(c, ReconcileOrg)):
            # The handler's idempotent start: a redelivered event starts no second reconciliation.
            key = (signal.org_id, signal.event_key or "", signal.commit_at.isoformat())
            if key not in self._reconciliations:
                self._reconciliations.add(key)
                request = {"orgId": signal.org_id, "commitAt": signal.commit_at.isoformat()}
                self.queues.send(Side.RECONCILIATION, json.dumps(request), self.now)
        return applied

    def _reconcile(self, body: str) -> RoundResult:
        """``functions/reconciliation`` for an org whose every Task changed: its failure (not covered yet,
        a rep's transient error) is retried as Lambda retries an asynchronous invocation."""
        request = json.loads(body)
        faults, self.faults = self.faults, replace(self.faults, crash=0)
        try:
            changed_at = datetime.fromisoformat(request["commitAt"])
            result = reconcile_org(request["orgId"], self.services, self.state, BudgetGovernor(), changed_at)
        finally:
            self.faults = faults
        transient = [e for e in result.failed.values() if not _revoked(e)]
        if transient:
            raise StillConcurrent(f"reconciliation failed for some reps: {transient!r}")
        return result

    def drain(self) -> None:
        """Run until every queue is empty: time moves to the next due message."""
        steps = 0
        while self.queues:
            steps += 1
            if steps > 20_000:
                raise NeverQuiet("the queues never drained: " + " | ".join(self.trace[-3:]))
            if not self.deliver_due():
                upcoming = [at for side in SIDES if (at := self._next_due(side)) is not None]
                if upcoming:
                    self.now = max(self.now, min(upcoming))

    def deliver_news(self) -> int:
        """The bodies no running sync of the reps they concern has applied, delivered now, faultless, for
        the first time as far as those reps know: those lost for good, and those delivered while a rep's
        sync was off or paused (a late retry, the relay replaying its stream). They may be news (a change
        a write of the sync's replaced unseen, whose conflict the later change wins, SPEC 7; a change made
        while sync was off, as if it had happened with sync on, SPEC 5.5): run.py judges the state again
        (what they showed the sync it must have acted on). How many there were."""
        self.log(lambda: "delivering what no running sync has applied")
        return self._deliver_again(lambda body: body not in self.applied)

    def replay(self) -> None:
        """Every body ever sent, delivered once more, faultless, after ``deliver_news``: each has been
        applied, so being idempotent (SPEC 7), none may write anything (run.py checks)."""
        self.log(lambda: "replaying every body")
        self._deliver_again(lambda _body: True)

    def _deliver_again(self, chosen: Callable[[str], bool]) -> int:
        self.faults = Faults.none()
        self.queues.faults = self.faults.delivery
        sia = [body for body in self.sia_sent if chosen(body)]
        salesforce = [body for body in self.org.feed if chosen(body)]
        for body in sia:
            self.queues.send(Side.SIA, body, self.now)
        for body in salesforce:
            self.queues.send(Side.SALESFORCE, body, self.now)
        self.drain()
        return len(sia) + len(salesforce)

    def _running(self, user: str) -> bool:
        return self.settings(user).syncing and user not in self.revoked

    def _salesforce_fault(self, user: str, moment: str) -> SalesforceError | None:
        if moment.startswith("after"):
            if self.rng.random() < self.faults.lost_answer:
                return SalesforceError(ErrorKind.TRANSIENT, "TIMEOUT", "read timed out; the write may have happened")
            return None
        if user in self.revoked:
            self.refused_grant.add(user)
            # The token refresh's OAuth answer (OAuth 2.0, RFC 6749 section 5.2), as the gateway sorts it.
            grant = {"error": "invalid_grant", "error_description": "expired access/refresh token"}
            return error_from_response(400, grant, Operation.QUERY)
        if self.outage_until and self.now < self.outage_until:
            unavailable = [{"errorCode": "SERVER_UNAVAILABLE", "message": "Server temporarily unavailable"}]
            return error_from_response(503, unavailable, Operation.QUERY)
        if self.rng.random() < self.faults.salesforce_error:
            busy = [{"errorCode": "UNABLE_TO_LOCK_ROW", "message": "unable to obtain exclusive access"}]
            return error_from_response(400, busy, Operation.QUERY)
        return None


class _CopiesTold:
    """The sync's linked writes, telling the world which Salesforce record each SIA copy it makes is of
    (the link it is made with names it): the history's ``from_sf_id``."""

    def __init__(self, world: World, inner: InMemoryLinkedTaskWrites) -> None:
        self._world = world
        self._inner = inner

    def create_with_link(self, task: ReminderTask, link: SyncLink, *, over: int | None = None) -> SyncLink:
        self._world._creating_from = link.sf_id
        try:
            return self._inner.create_with_link(task, link, over=over)
        finally:
            self._world._creating_from = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _connection(user: str) -> SalesforceConnection:
    return SalesforceConnection(
        org_id=ORG, sf_user_id=REPS[user], instance_url=INSTANCE_URL, secret_name=f"tasksync/test/salesforce/{user}"
    )


def _revoked(error: Exception) -> bool:
    return isinstance(error, SalesforceError) and error.kind is ErrorKind.AUTH


def _left_over(result: object) -> object:
    """What a job left for its next run: a round's failed reps (a revoked one waits for the rep) and the
    records its reps' jobs left, a sweep's failed records."""
    if isinstance(result, RoundResult):
        left: dict[str, object] = {user: error for user, error in result.failed.items() if not _revoked(error)}
        left.update({user: done.failed for user, done in result.done.items() if getattr(done, "failed", ())})
        return left
    return getattr(result, "failed", ())


def _time_left(budget: Iterator[int]) -> timedelta:
    """A leg's time, asked before each row after its first: plenty while its budget of rows lasts, then
    less than the hand-over margin."""
    return timedelta(minutes=10) if next(budget) > 1 else timedelta(minutes=1)


def _decided(event: ReminderTaskEvent, outcome: object) -> str:
    if isinstance(outcome, Exception):
        return f"{describe(event)} -> failed: {outcome!r} ({outcome.__cause__!r})"
    return f"{describe(event)} -> {outcome}"


def _failed(delivery: Delivery, error: Exception) -> str:
    return f"{_shown(delivery)} -> failed: {error!r} ({error.__cause__!r})"


def _shown(delivery: Delivery) -> str:
    if delivery.side is Side.RECONCILIATION:
        return f"reconciliation {delivery.body}"
    return " ; ".join(describe(change) for change in org_changes_of(delivery.body).changes)


def describe(message: ReminderTaskEvent | SalesforceChange | ReconcileOrg) -> str:
    if isinstance(message, ReminderTaskEvent):
        task = message.task
        return f"SIA {message.kind} {task.id} v{task.version} {message.origin} {task.values.model_dump()}"
    if isinstance(message, ReconcileOrg):
        return f"SF {message.reason} at {message.commit_at:%H:%M:%S}: reconcile the org"
    carried = {
        name: getattr(message.task, _FIELD_NAMES[name]) for name in sorted(message.carried) if name in _FIELD_NAMES
    }
    return (
        f"SF {message.change_type} {message.sf_id} at {message.commit_at:%H:%M:%S} client={message.client_id} {carried}"
    )


_FIELD_NAMES = {
    "Subject": "subject",
    "Status": "status",
    "Priority": "priority",
    "ActivityDate": "activity_date",
    "Description": "description",
    "OwnerId": "owner_id",
    "Tasksync_Id__c": "external_id",
}
