"""Builders for the domain and engine unit tests: a user with sync on, reminder tasks, SIA events,
Salesforce records and changes, links made the way the engine makes them, and a small world of fakes
for the use cases. Every builder has defaults a reader recognises and takes what a test varies."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from tasksync.domain.field_map import FieldMap
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent
from tasksync.domain.reminder_task import ReminderTask, TaskField, TaskValues
from tasksync.domain.salesforce_fields import SALESFORCE_FIELDS
from tasksync.domain.salesforce_task import Picklists, PriorityValue, SalesforceTask, StatusValue
from tasksync.domain.settings import SalesforceConnection, SyncSettings
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import Side, SyncLink
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.engine.context import SyncContext
from tasksync.engine.decisions import CreateReminder, Decision, SkipReason, UpdateReminder
from tasksync.engine.from_reminders import decide_reminder_event
from tasksync.engine.from_salesforce import decide_salesforce_change
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.use_cases.reminder_events import apply_reminder_event
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tasksync.use_cases.services import SyncServices
from tests.fakes.linked_task_writes import InMemoryLinkedTaskWrites
from tests.fakes.reminder_store import InMemoryReminderStore
from tests.fakes.salesforce import InMemoryOrg
from tests.fakes.sync_state import InMemorySyncState

USER = "user-1"
SF_USER = "005000000000001AAA"
SF_USER_15 = SF_USER[:15]
OTHER_SF_USER = "005000000000002AAA"
ORG = "00D000000000001AAA"
CLIENT_ID = "tasksync"
OTHER_CLIENT_ID = "someone-elses-integration"
SF_ID = "00T000000000001AAA"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
"""When the user turned sync on."""


def at(*, seconds: float = 0, minutes: float = 0, hours: float = 0, days: float = 0) -> datetime:
    """A moment after sync was turned on."""
    return T0 + timedelta(seconds=seconds, minutes=minutes, hours=hours, days=days)


# -- the user -------------------------------------------------------------------------------------------


def connection(**overrides: Any) -> SalesforceConnection:
    fields: dict[str, Any] = {
        "org_id": ORG,
        "sf_user_id": SF_USER,
        "instance_url": "https://acme.my.salesforce.com",
        "secret_name": "tasksync/test/salesforce/user-1",
    }
    return SalesforceConnection(**(fields | overrides))


def settings(**overrides: Any) -> SyncSettings:
    """A user with sync on since T0, connected to their org."""
    fields: dict[str, Any] = {
        "user_id": USER,
        "enabled": True,
        "enabled_at": T0,
        "ever_enabled": True,
        "time_zone": "Europe/Berlin",
        "connection": connection(),
    }
    return SyncSettings(**(fields | overrides))


def picklists(statuses: list[StatusValue] | None = None, priorities: list[PriorityValue] | None = None) -> Picklists:
    stock = Picklists.stock()
    return Picklists(
        statuses=tuple(statuses) if statuses is not None else stock.statuses,
        priorities=tuple(priorities) if priorities is not None else stock.priorities,
    )


STOCK_MAP = FieldMap.from_picklists(Picklists.stock())


def context(
    *, now: datetime | None = None, field_map: FieldMap | None = None, **settings_overrides: Any
) -> SyncContext:
    return SyncContext(
        settings=settings(**settings_overrides),
        field_map=field_map or STOCK_MAP,
        client_id=CLIENT_ID,
        now=now or at(minutes=30),
    )


# -- SIA ----------------------------------------------------------------------------------------------


def reminder(
    name: str = "Call Alice back",
    *,
    task_id: str = "task-1",
    version: int = 1,
    created_at: datetime | None = None,
    updated_at: datetime | None = None,
    **values: Any,
) -> ReminderTask:
    """A reminder task the rep created one minute after turning sync on."""
    created = created_at or at(minutes=1)
    return ReminderTask(
        id=task_id,
        user_id=USER,
        name=name,
        created_at=created,
        updated_at=updated_at or created,
        version=version,
        **values,
    )


def edited(task: ReminderTask, when: datetime, **changes: Any) -> ReminderTask:
    """``task`` after the rep changed it at ``when``: one version more, as the store records it."""
    return task.with_changes({TaskField(name): value for name, value in changes.items()}, when)


def event(
    task: ReminderTask,
    kind: ReminderEventKind | None = None,
    *,
    origin: Origin = Origin.USER,
    occurred_at: datetime | None = None,
) -> ReminderTaskEvent:
    if kind is None:
        kind = ReminderEventKind.CREATED if task.version == 1 else ReminderEventKind.UPDATED
    return ReminderTaskEvent(kind=kind, task=task, origin=origin, occurred_at=occurred_at or task.updated_at)


def deleted(task: ReminderTask, when: datetime) -> ReminderTaskEvent:
    """The rep deleted ``task`` at ``when``: the event carries the task as it was, one version on."""
    gone = task.model_copy(update={"updated_at": when, "version": task.version + 1})
    return ReminderTaskEvent(kind=ReminderEventKind.DELETED, task=gone, origin=Origin.USER, occurred_at=when)


# -- Salesforce ---------------------------------------------------------------------------------------


def sf_task(sf_id: str = SF_ID, **fields: Any) -> SalesforceTask:
    """A Task as the REST API returns it, by API field names; owned by the connected user."""
    values: dict[str, Any] = {
        "Id": sf_id,
        "OwnerId": SF_USER,
        "Subject": "Call Alice back",
        "Status": "Not Started",
        "Priority": "Normal",
        "TaskSubtype": "Task",
    }
    return SalesforceTask.model_validate(values | fields)


def sf_record(when: datetime, sf_id: str = SF_ID, **fields: Any) -> SalesforceChange:
    """The record as a read finds it, last modified at ``when``."""
    task = sf_task(sf_id, SystemModstamp=when, LastModifiedDate=when, **fields)
    return SalesforceChange.of_record(task, read_at=when)


def sf_created(when: datetime, sf_id: str = SF_ID, *, client_id: str | None = None, **fields: Any) -> SalesforceChange:
    task = sf_task(sf_id, **fields)
    carried = frozenset(name for name, value in task.model_dump(by_alias=True).items() if value is not None)
    return SalesforceChange(ChangeType.CREATE, task, carried, when, client_id)


def sf_updated(when: datetime, sf_id: str = SF_ID, *, client_id: str | None = None, **fields: Any) -> SalesforceChange:
    """A CDC UPDATE: carries only the fields it changed (a None value is a nulled field)."""
    task = SalesforceTask.model_validate({"Id": sf_id, **fields})
    return SalesforceChange(ChangeType.UPDATE, task, frozenset(fields) | {"LastModifiedDate"}, when, client_id)


def sf_deleted(when: datetime, sf_id: str = SF_ID, *, client_id: str | None = None) -> SalesforceChange:
    return SalesforceChange(ChangeType.DELETE, SalesforceTask(id=sf_id), frozenset(), when, client_id)


def sf_undeleted(when: datetime, sf_id: str = SF_ID, **fields: Any) -> SalesforceChange:
    task = sf_task(sf_id, **fields)
    carried = frozenset(name for name, value in task.model_dump(by_alias=True).items() if value is not None)
    return SalesforceChange(ChangeType.UNDELETE, task, carried, when)


# -- links, made the way the engine makes them --------------------------------------------------------


def pushed(task: ReminderTask, ctx: SyncContext, sf_id: str = SF_ID) -> SyncLink:
    """The link of an SIA task the sync created in Salesforce: the create answered with ``sf_id`` and
    the create's own CDC event (an echo) came back one second after the create."""
    created = decide_reminder_event(event(task), None, ctx)
    assert created.link is not None
    link = created.link.updated(sf_id=sf_id)
    assert created.salesforce is not None
    sent = {field.value: value for field, value in created.salesforce.create.values.items()}  # type: ignore[union-attr]
    echo = sf_created(ctx.now + timedelta(seconds=1), sf_id, client_id=CLIENT_ID, Tasksync_Id__c=task.id, **sent)
    settled = decide_salesforce_change(echo, link, task, ctx)
    return settled.link or link


def imported(change: SalesforceChange, ctx: SyncContext) -> tuple[ReminderTask, SyncLink]:
    """The SIA task and link that importing the record ``change`` makes."""
    decision = decide_salesforce_change(change, None, None, ctx)
    assert isinstance(decision.reminder, CreateReminder), decision
    assert decision.link is not None
    create = decision.reminder
    task = ReminderTask(
        id=create.task_id,
        user_id=USER,
        created_at=ctx.now,
        updated_at=ctx.now,
        version=create.version,
        **create.values.model_dump(),
    )
    return task, decision.link.model_copy(update={"copy_version": create.version})


def stored(link: SyncLink | None, when: datetime) -> SyncLink:
    """``link`` as the sync saved it at ``when``: a record read later is the truth about it."""
    assert link is not None
    return link.updated(saved_at=when)


def applied(task: ReminderTask, decision: Decision, when: datetime) -> ReminderTask:
    """``task`` after the sync carried out the decision's SIA update."""
    assert isinstance(decision.reminder, UpdateReminder), decision
    changes = {TaskField(field).value: value for field, value in decision.reminder.changes.items()}
    return edited(task, when, **changes)


def sent_fields(decision: Decision) -> dict[str, object]:
    """The Salesforce fields a decision writes, by API name (a create's or an update's)."""
    action = decision.salesforce
    values = getattr(action, "create", None) or getattr(action, "update", None)
    assert values is not None, f"no Salesforce write in {decision}"
    return {field.value: value for field, value in values.values.items()}


# -- a world of fakes, for the use cases ---------------------------------------------------------------

Fault = Callable[[str], SalesforceError | None]


class SyncWorld:
    """SIA's store, an org, the sync state and the use cases wired as the handlers wire them. Nothing is
    delivered on its own: ``sync()`` delivers what is pending, in order, until both sides are quiet."""

    def __init__(self, user_settings: SyncSettings | None = None, org_picklists: Picklists | None = None) -> None:
        self.now = at(minutes=1)
        self.sia = InMemoryReminderStore()
        self.org = InMemoryOrg(lambda: self.now, user_id=SF_USER)
        self.state = InMemorySyncState()
        self.state.save_settings(user_settings or settings())
        self.fault: Fault | None = None
        field_map = FieldMap.from_picklists(org_picklists or Picklists.stock())
        self.services = SyncServices(
            settings=self.state,
            links=self.state,
            errors=self.state,
            reminders=self.sia,
            linked=InMemoryLinkedTaskWrites(self.sia, self.state),
            salesforce=lambda _settings: self.org.gateway(CLIENT_ID, self._fault),
            field_maps=lambda _settings: field_map,
            client_id=CLIENT_ID,
            clock=lambda: self.now,
        )
        self._sia_seen = 0
        self._sf_seen = 0

    @property
    def settings(self) -> SyncSettings:
        return self.settings_of(USER)

    def settings_of(self, user: str) -> SyncSettings:
        current = self.state.get_settings(user)
        assert current is not None, f"{user} has no settings"
        return current

    def tick(self, seconds: float = 1) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now

    def _fault(self, moment: str) -> SalesforceError | None:
        return self.fault(moment) if self.fault else None

    # -- the rep, in SIA
    def rep_creates(
        self, name: str = "Call Alice back", task_id: str = "task-1", *, user: str = USER, **values: Any
    ) -> ReminderTask:
        self.tick()
        return self.sia.create(user, task_id, TaskValues(name=name, **values), Origin.USER, self.now)

    def rep_updates(self, task_id: str = "task-1", *, user: str = USER, **changes: Any) -> ReminderTask:
        self.tick()
        return self.sia.update(user, task_id, {TaskField(k): v for k, v in changes.items()}, Origin.USER, self.now)

    def rep_deletes(self, task_id: str = "task-1", *, user: str = USER) -> ReminderTask:
        self.tick()
        return self.sia.delete(user, task_id, Origin.USER, self.now)

    def rep_creates_and_the_answer_is_lost(self, name: str = "Call Alice back") -> ReminderTaskEvent:
        """The rep creates a task; the sync's create lands in Salesforce but its answer times out, so the
        event goes back to its queue. Returns that event, for the test to deliver again."""
        self.rep_creates(name)
        (created,) = self.pending()
        self.mark_delivered()
        assert isinstance(created, ReminderTaskEvent)
        lost = iter([SalesforceError(ErrorKind.TRANSIENT, "TIMEOUT", "read timed out")])
        self.fault = lambda moment: next(lost, None) if moment == "after create_tasks" else None
        try:
            self.deliver(created)
        except SalesforceError as error:
            assert error.kind is ErrorKind.TRANSIENT  # back to the queue, to be retried
        else:
            raise AssertionError("the create's answer was not lost")
        return created

    def rep_updates_and_the_update_times_out(self, **changes: Any) -> ReminderTaskEvent:
        """The rep changes the task; the sync's update times out before it is sent (it did not land), so the
        event goes back to its queue and the link holds the write unsent. Returns that event."""
        self.rep_updates(**changes)
        (updated,) = self.pending()
        self.mark_delivered()
        assert isinstance(updated, ReminderTaskEvent)
        self.fault = lambda moment: (
            SalesforceError(ErrorKind.TRANSIENT, "TIMEOUT", "no answer") if moment == "before update_tasks" else None
        )
        try:
            self.deliver(updated)
        except SalesforceError as error:
            assert error.kind is ErrorKind.TRANSIENT  # back to the queue, to be retried
        else:
            raise AssertionError("the update did not time out")
        finally:
            self.fault = None
        return updated

    # -- delivery
    def deliver(self, message: ReminderTaskEvent | SalesforceChange) -> Decision:
        """An SIA event to its rep; a Salesforce change to the user (``deliver_to_org`` routes it)."""
        if isinstance(message, ReminderTaskEvent):
            return apply_reminder_event(message, self.settings_of(message.task.user_id), self.services)
        return apply_salesforce_change(message, self.settings, self.services)

    def conflict_winners(self, field: str) -> list[Side | None]:
        """The winning side of each conflict recorded for ``field`` (``details``, ...), in the order recorded."""
        return [e.winner for e in self.state.errors if e.kind is SyncErrorKind.CONFLICT and e.field == field]

    def link_of(self, sia_id: str = "task-1", user: str = USER) -> SyncLink:
        link = self.state.link_by_sia_id(user, sia_id)
        assert link is not None, f"{sia_id} of {user} has no link"
        return link

    def pending(self) -> list[ReminderTaskEvent | SalesforceChange]:
        return [*self.sia.events[self._sia_seen :], *self.org.feed[self._sf_seen :]]

    def sync(self) -> list[Decision]:
        """Deliver every pending SIA event and Salesforce change, in order, until none is left."""
        decisions: list[Decision] = []
        for _ in range(50):
            if self._sia_seen < len(self.sia.events):
                message: ReminderTaskEvent | SalesforceChange = self.sia.events[self._sia_seen]
                self._sia_seen += 1
            elif self._sf_seen < len(self.org.feed):
                message = self.org.feed[self._sf_seen]
                self._sf_seen += 1
            else:
                return decisions
            self.tick()
            decisions.append(self.deliver(message))
        raise AssertionError("the sync never went quiet: a loop")

    def deliver_in_order(self, messages: list[ReminderTaskEvent | SalesforceChange]) -> None:
        """``messages`` delivered in this order (a queue's reordering), then whatever they made pending."""
        self.mark_delivered()
        for message in messages:
            self.tick()
            self.deliver(message)
        self.sync()

    def mark_delivered(self) -> None:
        """Forget what is pending (it was delivered, or is tested by hand)."""
        self._sia_seen, self._sf_seen = len(self.sia.events), len(self.org.feed)

    # -- what the user sees
    def record_of(self, sia_id: str = "task-1", user: str = USER) -> SalesforceTask:
        link = self.link_of(sia_id, user)
        assert link.sf_id is not None, f"{sia_id} has no Salesforce record"
        return self.org.records[link.sf_id]

    def records_for(self, sia_id: str) -> list[SalesforceTask]:
        return [task for task in self.org.records.values() if task.external_id == sia_id]

    def task(self, task_id: str = "task-1") -> ReminderTask | None:
        return self.sia.get(USER, task_id)

    def tasks(self) -> list[ReminderTask]:
        return self.sia.list(USER)


def linked(name: str = "Call Alice back", **values: Any) -> tuple[ReminderTask, SyncLink]:
    """A task the rep created after sync was on, pushed to Salesforce at minute 2."""
    task = reminder(name, **values)
    return task, pushed(task, context(now=at(minutes=2)))


def decide_sf(change: SalesforceChange, link: SyncLink | None, task: ReminderTask | None, minutes: float) -> Decision:
    """The engine's decision on ``change`` at ``minutes`` after sync was turned on."""
    return decide_salesforce_change(change, link, task, context(now=at(minutes=minutes)))


def decide_read_if_asked(change: SalesforceChange, link: SyncLink, task: ReminderTask, ctx: SyncContext) -> Decision:
    """The decision on ``change`` as ``apply_salesforce_change`` reaches it: where the engine asks for the record
    first, the record as Salesforce holds it then (what the link knows, with the fields ``change`` is the newest
    change of), read at ``ctx.now`` after the link was saved, and prompted by ``change``."""
    decided = decide_salesforce_change(change, link, task, ctx)
    if decided.skipped is not SkipReason.NEEDS_RECORD:
        return decided
    held = {field.value: link.salesforce.get(field) for field in SALESFORCE_FIELDS}
    newer = {
        field.value: change.task.value(field)
        for field in SALESFORCE_FIELDS
        if field.value in change.carried and change.commit_at > link.salesforce_seen_at.get(field, change.commit_at)
    }
    record = sf_task(link.sf_id or SF_ID, **(held | newer), LastModifiedDate=change.commit_at)
    read = SalesforceChange.of_record(record.model_copy(update={"system_modstamp": change.commit_at}), ctx.now, change)
    return decide_salesforce_change(read, stored(link, ctx.now), task, ctx)
