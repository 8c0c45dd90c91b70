"""The simulated world: SIA's store, a Salesforce org, the sync state, the two delivery queues, and the
faults injected where they happen in AWS (queues redeliver, reorder and delay; a function can die
between two writes; Salesforce can fail or lose an answer)."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from tasksync.domain.field_map import FieldMap
from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.salesforce_task import Picklists
from tasksync.domain.settings import SalesforceConnection, SyncSettings
from tasksync.engine.changes import SalesforceChange
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.use_cases.attempts import StillConcurrent
from tasksync.use_cases.first_sync import Invocation, run_first_sync
from tasksync.use_cases.reminder_events import apply_reminder_event
from tasksync.use_cases.safety_nets import reconcile_updates, sweep_deletions
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tasksync.use_cases.services import SyncServices
from tests.fakes.linked_task_writes import InMemoryLinkedTaskWrites
from tests.fakes.reminder_store import InMemoryReminderStore
from tests.fakes.salesforce import InMemoryOrg
from tests.fakes.sync_state import InMemorySyncState

REPS = {"user-1": "005000000000001AAA", "user-2": "005000000000003AAA"}
"""Two connected reps of one org (SIA user -> Salesforce user), so tasks move between synced lists."""
OTHER_SF_USER = "005000000000002AAA"
"""A Salesforce user with no sync."""
ORG = "00D000000000001AAA"
CLIENT_ID = "tasksync"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


class NeverQuiet(Exception):
    """Deliveries kept making deliveries: a loop."""


class Crash(Exception):
    """The function died here; its message goes back to the queue."""


@dataclass(frozen=True)
class Faults:
    duplicate: float = 0.15
    max_delay_ms: int = 8_000
    crash: float = 0.03
    salesforce_error: float = 0.04
    lost_answer: float = 0.03

    @classmethod
    def none(cls) -> Faults:
        return cls(duplicate=0, max_delay_ms=0, crash=0, salesforce_error=0, lost_answer=0)


@dataclass(order=True)
class Delivery:
    due: datetime
    seq: int
    message: ReminderTaskEvent | SalesforceChange = field(compare=False)


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

        def call(*args: Any, **kwargs: Any) -> Any:
            if self._rng.random() < self._world.faults.crash / 2:
                raise Crash(f"before {name}")
            result = target(*args, **kwargs)
            if self._rng.random() < self._world.faults.crash / 2:
                raise Crash(f"after {name}")
            return result

        return call


class World:
    def __init__(self, seed: int, faults: Faults | None = None) -> None:
        self.rng = random.Random(seed)
        self.faults = faults or Faults()
        self.now = START
        self.sia = InMemoryReminderStore()
        # Salesforce's clock apart from the sync's by up to the margin, and the sync's client id on its
        # writes' change events or not (sObject Collections are not documented to carry it).
        self.org = InMemoryOrg(
            lambda: self.now,
            user_id=REPS["user-1"],
            skew=timedelta(seconds=self.rng.randint(-90, 90)),
            client_id_on_writes=self.rng.random() < 0.5,
        )
        self.state = InMemorySyncState()
        self.queue: list[Delivery] = []
        self._seq = itertools.count()
        self.deliveries = 0
        self.redeliveries = 0
        self.trace: list[str] = []
        self.sia.on_event = self._publish
        self.org.on_change = self._publish
        for user, sf_user in REPS.items():
            self.state.save_settings(
                SyncSettings(
                    user_id=user,
                    enabled=False,
                    time_zone="Europe/Berlin",
                    connection=SalesforceConnection(
                        org_id=ORG,
                        sf_user_id=sf_user,
                        instance_url="https://example.my.salesforce.com",
                        secret_name=f"tasksync/test/salesforce/{user}",
                    ),
                )
            )
        flaky: Callable[[Any], Any] = lambda inner: Flaky(inner, self.rng, self)  # noqa: E731
        field_map = FieldMap.from_picklists(Picklists.stock())
        self.services = SyncServices(
            settings=self.state,
            links=flaky(self.state),
            errors=self.state,
            reminders=flaky(self.sia),
            linked=flaky(InMemoryLinkedTaskWrites(self.sia, self.state)),
            salesforce=lambda _settings: self.org.gateway(CLIENT_ID, self._salesforce_fault),
            field_maps=lambda _settings: field_map,
            client_id=CLIENT_ID,
            clock=lambda: self.now,
        )

    # -- the scheduled and on-demand jobs, retried as their invokers retry them ---------------------
    def settings(self, user: str) -> SyncSettings:
        settings = self.state.get_settings(user)
        assert settings is not None
        return settings

    def turn_sync_on(self) -> None:
        """Each rep ticks the checkbox: sync is on from now, and their first sync runs."""
        for user in REPS:
            self.state.save_settings(self.settings(user).model_copy(update={"enabled": True, "enabled_at": self.now}))
            self._first_sync_in_legs(user)

    def _first_sync_in_legs(self, user: str) -> None:
        """The first sync as its handler runs it: legs of a seeded few rows, each saving its checkpoint and
        handing over to the next (a resume), each retried as Lambda retries an invocation."""
        waiting = [False]
        while waiting:
            resume = waiting.pop()
            budget = itertools.count(self.rng.randint(1, 2), -1)
            invocation = Invocation(time_left=partial(_time_left, budget), hand_over=partial(waiting.append, True))
            self._until_done(
                partial(run_first_sync, user, self.services, self.state, resume=resume, invocation=invocation)
            )

    def run_safety_nets(self) -> None:
        """Each syncing rep's scheduled sweep and reconciliation, twice, some minutes apart, as the schedule
        runs them: a change Salesforce dated ahead of the sync's clock falls in the second window."""
        for _ in range(2):
            for user in REPS:
                settings = self.settings(user)
                self._until_done(partial(sweep_deletions, settings, self.services, self.state))
                self._until_done(partial(reconcile_updates, settings, self.services, self.state))
            self.now += timedelta(minutes=5)

    def _until_done(self, job: Callable[[], object]) -> None:
        """A scheduled job, retried as a whole (its invoker's retry) until it finishes with nothing left for
        the next run. The crashes injected into adapters are for the event consumers: a job's crash-safety
        is that of the same use cases, and its records apply one by one."""
        faults, self.faults = self.faults, replace(self.faults, crash=0)
        try:
            for _ in range(50):
                try:
                    result = job()
                except (Crash, SalesforceError, StillConcurrent) as error:
                    self.trace.append(f"{self.now:%H:%M:%S.%f} job failed: {error!r}")
                else:
                    if not getattr(result, "failed", ()):
                        return
                    self.trace.append(f"{self.now:%H:%M:%S.%f} job left {result.failed} for its next run")  # type: ignore[attr-defined]
                self.tick()
            raise NeverQuiet("a scheduled job kept failing")
        finally:
            self.faults = faults

    # -- time and delivery ------------------------------------------------------------------------
    def tick(self, max_ms: int = 1_500) -> None:
        self.now += timedelta(milliseconds=self.rng.randint(1, max_ms))

    def _publish(self, message: ReminderTaskEvent | SalesforceChange) -> None:
        self._enqueue(message)
        if self.rng.random() < self.faults.duplicate:
            self._enqueue(message)

    def _enqueue(self, message: ReminderTaskEvent | SalesforceChange, at_least_ms: int = 0) -> None:
        delay = at_least_ms + self.rng.randint(0, self.faults.max_delay_ms)
        heapq.heappush(self.queue, Delivery(self.now + timedelta(milliseconds=delay), next(self._seq), message))

    def deliver_due(self) -> bool:
        """Deliver one message that is due; False when none is."""
        if not self.queue or self.queue[0].due > self.now:
            return False
        delivery = heapq.heappop(self.queue)
        self.deliveries += 1
        message = delivery.message
        decision: object
        try:
            if isinstance(message, ReminderTaskEvent):
                decision = apply_reminder_event(message, self.settings(message.task.user_id), self.services)
            else:
                # A change of the org concerns every connected rep of it: each decides with their own links.
                decision = [apply_salesforce_change(message, self.settings(user), self.services) for user in REPS]
        except (Crash, SalesforceError, StillConcurrent) as error:
            self.trace.append(f"{self.now:%H:%M:%S.%f} {describe(message)} -> failed: {error!r} ({error.__cause__!r})")
            self.redeliveries += 1
            self._enqueue(message, at_least_ms=1_000)
        else:
            self.trace.append(f"{self.now:%H:%M:%S.%f} {describe(message)} -> {decision}")
        return True

    def drain(self) -> None:
        """Run until every queue is empty: time moves to the next due message."""
        steps = 0
        while self.queue:
            steps += 1
            if steps > 20_000:
                raise NeverQuiet("the queues never drained: " + " | ".join(self.trace[-3:]))
            if not self.deliver_due():
                self.now = max(self.now, self.queue[0].due)

    def _salesforce_fault(self, moment: str) -> SalesforceError | None:
        if moment.startswith("after"):
            if self.rng.random() < self.faults.lost_answer:
                return SalesforceError(ErrorKind.TRANSIENT, "TIMEOUT", "read timed out; the write may have happened")
        elif self.rng.random() < self.faults.salesforce_error:
            return SalesforceError(ErrorKind.TRANSIENT, "UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access")
        return None


def _time_left(budget: Iterator[int]) -> timedelta:
    """A leg's time, asked before each row after its first: plenty while its budget of rows lasts, then
    less than the hand-over margin."""
    return timedelta(minutes=10) if next(budget) > 1 else timedelta(minutes=1)


def describe(message: ReminderTaskEvent | SalesforceChange) -> str:
    if isinstance(message, ReminderTaskEvent):
        task = message.task
        return f"SIA {message.kind} {task.id} v{task.version} {message.origin} {task.values.model_dump()}"
    fields = {
        name: getattr(message.task, name)
        for name in ("subject", "status", "priority", "activity_date", "description", "owner_id", "external_id")
    }
    return (
        f"SF {message.change_type} {message.sf_id} at {message.commit_at:%H:%M:%S.%f} client={message.client_id} "
        f"carried={sorted(message.carried)} {fields}"
    )
