"""One emulated org: its users, Task records (live and in the recycle bin), Status and Priority
picklists, API allowance, faults, change events and webhook, each guarded by the org's lock.

Stock picklist values (Object Reference, "Task"): Status ``Not Started`` (default), ``In Progress``,
``Completed`` (closed), ``Waiting on someone else``, ``Deferred``; Priority ``High`` (high priority),
``Normal`` (default), ``Low``. Orgs rename and add values: ``add_status``, ``rename_status`` and the
like. Renaming a value rewrites the records that hold it and publishes their UPDATE events (CDC
Developer Guide, "ChangeEventHeader Fields", ``recordIds``: "renaming or replacing a picklist value
that results in updating the field value in all affected records").

The recycle bin keeps deleted records 15 days (Salesforce Help, "Recycle Bin"); emptying it, or a record
ageing out, removes the record for good; emptying it moves the earliest date ``getDeleted`` can answer
for (``replication``).

The org stamps everything (CreatedDate, LastModifiedDate, SystemModstamp, commitTimestamp, replication
windows, recycle-bin ageing, event retention) by ``now()``: the emulator's shared clock plus the org's
``clock_skew`` (zero unless a test sets one), so a test can give Salesforce a clock that runs ahead of
or behind the sync's.

Upsert finds records by ``Tasksync_Id__c`` through ``external_ids``, an index of the live records kept
in step by ``store_task`` and the purge, so that a bulk load stays linear.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from local.salesforce_org import formats, ids
from local.salesforce_org.cdc import (
    WILDCARD_RECORD_ID,
    ChangeEvent,
    ChangeType,
    Commit,
    EventContent,
    EventLog,
    RecordChange,
    Shape,
    transaction_contents,
)
from local.salesforce_org.clock import Clock
from local.salesforce_org.faults import FaultPlan
from local.salesforce_org.limits import ApiUsage
from local.salesforce_org.odds import Odds
from local.salesforce_org.schema import EXTERNAL_ID_FIELD
from local.salesforce_org.webhook import WebhookDelivery

if TYPE_CHECKING:
    from local.salesforce_org.automation import AutomationRule

RECYCLE_BIN_DAYS = timedelta(days=15)


@dataclass
class PicklistEntry:
    id: str
    api_name: str
    label: str
    sort_order: int
    is_default: bool = False
    is_closed: bool = False
    """TaskStatus only."""
    is_high_priority: bool = False
    """TaskPriority only."""
    created: datetime = field(default_factory=lambda: formats.to_second(datetime.now().astimezone()))
    created_by: str = ""

    def status_row(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "ApiName": self.api_name,
            "MasterLabel": self.label,
            "SortOrder": self.sort_order,
            "IsClosed": self.is_closed,
            "IsDefault": self.is_default,
            **self._audit(),
        }

    def priority_row(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "ApiName": self.api_name,
            "MasterLabel": self.label,
            "SortOrder": self.sort_order,
            "IsDefault": self.is_default,
            "IsHighPriority": self.is_high_priority,
            **self._audit(),
        }

    def _audit(self) -> dict[str, Any]:
        return {
            "CreatedDate": self.created,
            "CreatedById": self.created_by,
            "LastModifiedDate": self.created,
            "LastModifiedById": self.created_by,
            "SystemModstamp": self.created,
        }


@dataclass
class User:
    id: str
    org_id: str
    username: str
    last_name: str
    first_name: str | None = None
    email: str | None = None
    is_active: bool = True
    time_zone: str = "UTC"
    """An IANA zone; SOQL date literals (TODAY, THIS_WEEK...) are evaluated in it."""
    created: datetime = field(default_factory=lambda: formats.to_second(datetime.now().astimezone()))

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}" if self.first_name else self.last_name

    def row(self) -> dict[str, Any]:
        return {
            "Id": self.id,
            "Username": self.username,
            "Name": self.name,
            "FirstName": self.first_name,
            "LastName": self.last_name,
            "Email": self.email,
            "IsActive": self.is_active,
            "TimeZoneSidKey": self.time_zone,
            "CreatedDate": self.created,
            "CreatedById": self.id,
            "LastModifiedDate": self.created,
            "LastModifiedById": self.id,
            "SystemModstamp": self.created,
        }

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "orgId": self.org_id,
            "username": self.username,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "email": self.email,
            "isActive": self.is_active,
            "timeZone": self.time_zone,
        }


@dataclass
class OrgSettings:
    session_timeout: timedelta = timedelta(hours=2)
    """Access token lifetime (Setup, Session Settings: 2 hours by default)."""
    merge_identical_changes: bool = True
    """Publish one change event for the same change to several records of one transaction, as
    Salesforce does (off: one event per record)."""
    bulk_polls_before_complete: int = 0
    """How many job-info reads answer ``InProgress`` before a Bulk API 2.0 query job is ``JobComplete``."""
    query_locator_idle: timedelta = timedelta(minutes=15)
    """A query locator unused this long is gone (SOAP API Developer Guide, "queryMore()")."""

    def describe(self) -> dict[str, Any]:
        return {
            "sessionTimeoutSeconds": self.session_timeout.total_seconds(),
            "mergeIdenticalChanges": self.merge_identical_changes,
            "bulkPollsBeforeComplete": self.bulk_polls_before_complete,
            "queryLocatorIdleSeconds": self.query_locator_idle.total_seconds(),
        }


class Org:
    def __init__(self, org_id: str, name: str, clock: Clock) -> None:
        self.id = org_id
        self.name = name
        self.clock = clock
        self.clock_skew = timedelta(0)
        """Added to the shared clock for everything this org stamps."""
        self.lock = threading.RLock()
        self.created = formats.to_second(clock.now())
        self.users: dict[str, User] = {}
        self.tasks: dict[str, dict[str, Any]] = {}
        """Every Task by id, the recycle bin's too (``IsDeleted`` true). Write through ``store_task``."""
        self.external_ids: dict[str, str] = {}
        """Tasksync_Id__c value (case-sensitive) -> id, of live records only."""
        self.delete_log: dict[str, datetime] = {}
        """Deleted records (in the recycle bin) and when they were deleted: what getDeleted reports."""
        self.purged_ids: set[str] = set()
        """Records removed from the recycle bin for good: they answer ENTITY_IS_DELETED, not NOT_FOUND."""
        self.emptied_at: datetime | None = None
        """When the recycle bin was last emptied (an administrator's purge)."""
        self.statuses: list[PicklistEntry] = []
        self.priorities: list[PicklistEntry] = []
        self.usage = ApiUsage()
        self.faults = FaultPlan()
        self.events = EventLog()
        self.webhook = WebhookDelivery(org_id, clock.now)
        self.settings = OrgSettings()
        self.gap_next = 0
        """The next this many record changes are published as GAP_ events (header only)."""
        self.collections_without_client = Odds()
        """Chance that an sObject Collections write publishes ``changeOrigin`` without ``;client=``."""
        self.pubsub_shape = Odds()
        """Chance that an event is published in the Pub/Sub shape instead of the CometD one."""
        self.automation: list[AutomationRule] = []
        """Rules run, in order, in the transaction of each save (``automation``)."""
        self.relay_channel_id = ids.new_id(ids.EVENT_CHANNEL)
        """The event channel an Event Relay would carry TaskChangeEvent on (``event_relay``)."""
        self._commit_numbers = itertools.count(10_000_000_000 + secrets.randbelow(10**12))
        self._stock_picklists()

    def now(self) -> datetime:
        """The org's time: the shared clock plus ``clock_skew``."""
        return self.clock.now() + self.clock_skew

    # -- picklists -------------------------------------------------------------------------------------

    def _stock_picklists(self) -> None:
        for order, (name, closed, default) in enumerate(
            [
                ("Not Started", False, True),
                ("In Progress", False, False),
                ("Completed", True, False),
                ("Waiting on someone else", False, False),
                ("Deferred", False, False),
            ],
            start=1,
        ):
            self.statuses.append(
                PicklistEntry(
                    ids.new_id(ids.TASK_STATUS), name, name, order, default, is_closed=closed, created=self.created
                )
            )
        for order, (name, high, default) in enumerate(
            [("High", True, False), ("Normal", False, True), ("Low", False, False)], start=1
        ):
            self.priorities.append(
                PicklistEntry(
                    ids.new_id(ids.TASK_PRIORITY),
                    name,
                    name,
                    order,
                    default,
                    is_high_priority=high,
                    created=self.created,
                )
            )

    def status(self, api_name: str) -> PicklistEntry | None:
        return next((s for s in self.statuses if s.api_name == api_name), None)

    def priority(self, api_name: str) -> PicklistEntry | None:
        return next((p for p in self.priorities if p.api_name == api_name), None)

    def default_status(self) -> PicklistEntry:
        return next((s for s in self.statuses if s.is_default), self.statuses[0])

    def default_priority(self) -> PicklistEntry:
        return next((p for p in self.priorities if p.is_default), self.priorities[0])

    # -- users -----------------------------------------------------------------------------------------

    def admin_user_id(self) -> str:
        """The user that setup changes (picklist renames) are made as: the org's first user."""
        return next(iter(self.users), "")

    # -- records ---------------------------------------------------------------------------------------

    def store_task(self, record: Mapping[str, Any]) -> None:
        """Save a Task (with the lock held), keeping ``external_ids`` in step."""
        record_id = record["Id"]
        self._unindex(record_id)
        self.tasks[record_id] = dict(record)
        value = record.get(EXTERNAL_ID_FIELD)
        if value is not None and not record["IsDeleted"]:
            self.external_ids[value] = record_id

    def _unindex(self, record_id: str) -> None:
        held = self.tasks.get(record_id, {}).get(EXTERNAL_ID_FIELD)
        if held is not None and self.external_ids.get(held) == record_id:
            del self.external_ids[held]

    # -- publishing ------------------------------------------------------------------------------------

    def publish(self, changes: Sequence[RecordChange], *, origin: str, user_id: str) -> list[ChangeEvent]:
        """Publish the change events of one committed transaction (call with the org's lock held)."""
        if not changes:
            return []
        commit = self._commit(origin, user_id)
        gaps = []
        for _ in changes:
            gaps.append(self.gap_next > 0)
            if self.gap_next > 0:
                self.gap_next -= 1
        contents = transaction_contents(
            changes, commit, merge_identical=self.settings.merge_identical_changes, gap_kinds=gaps
        )
        return self._publish_contents(contents)

    def publish_gap(
        self, change_type: ChangeType, record_ids: Sequence[str], user_id: str | None = None
    ) -> ChangeEvent:
        """A header-only gap event; GAP_OVERFLOW carries no record ids."""
        commit = self._commit("", user_id or self.admin_user_id())
        ids_ = () if change_type is ChangeType.GAP_OVERFLOW else tuple(record_ids)
        return self._publish_contents([EventContent(change_type, ids_, commit)])[0]

    def publish_field_conversion(self) -> ChangeEvent:
        """What converting a custom Task field to an incompatible type publishes (CDC Developer Guide,
        "Conversions That Generate a Change Event"): one UPDATE for all the records, ``recordIds``
        ``["00T*"]``, no record fields. A setup change, so ``changeOrigin`` is empty. The records are
        left as they are: field types are not modelled, only what a subscriber receives."""
        commit = self._commit("", self.admin_user_id())
        return self._publish_contents([EventContent(ChangeType.UPDATE, (WILDCARD_RECORD_ID,), commit)])[0]

    def _commit(self, origin: str, user_id: str) -> Commit:
        # A whole second, as the documented commitTimestamps are: commits in one second share it.
        return Commit(
            origin, user_id, formats.to_second(self.now()), next(self._commit_numbers), Commit.new_transaction_key()
        )

    def _publish_contents(self, contents: list[EventContent]) -> list[ChangeEvent]:
        events = []
        with self.lock:
            now = self.now()
            for content in contents:
                shape = Shape.PUBSUB if self.pubsub_shape.hit() else Shape.COMETD
                event = self.events.publish(content, shape, now)
                self.webhook.submit(event)
                events.append(event)
        return events

    # -- recycle bin -----------------------------------------------------------------------------------

    def expire_recycle_bin(self) -> None:
        """Remove for good the records deleted more than 15 days ago."""
        with self.lock:
            horizon = self.now() - RECYCLE_BIN_DAYS
            for record_id, deleted_at in list(self.delete_log.items()):
                if deleted_at < horizon:
                    self._purge(record_id)

    def empty_recycle_bin(self) -> list[str]:
        """Remove every deleted record for good (hard deletes publish no change event)."""
        with self.lock:
            purged = list(self.delete_log)
            for record_id in purged:
                self._purge(record_id)
            self.emptied_at = formats.to_second(self.now())
            return purged

    def _purge(self, record_id: str) -> None:
        self.delete_log.pop(record_id, None)
        self._unindex(record_id)
        self.tasks.pop(record_id, None)
        self.purged_ids.add(record_id)

    def stop(self) -> None:
        self.webhook.stop()
