"""An in-memory Salesforce org with a CDC-like change feed, and a gateway over it.

As harsh as Salesforce where the sync depends on it: commit timestamps are whole seconds (two changes
of a record may share one), the org's clock may be skewed from the sync's, an UPDATE carries only the
fields it changed, automation rules change fields in the writer's own transaction, a write through the
gateway carries the gateway's client id only when the org passes it on (sObject Collections are not
documented to), creates upsert on the external id, a deleted record answers ENTITY_IS_DELETED, and
getDeleted answers for no start before the recycle bin was last emptied. The HTTPS org emulator
(local/salesforce_org) is the faithful one; this fake is for fast seeded runs and unit tests.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta

from tasksync.domain.eligibility import REMINDER_SUBTYPES
from tasksync.domain.salesforce_task import EXTERNAL_ID_FIELD, Picklists, SalesforceField, SalesforceTask
from tasksync.domain.salesforce_writes import TaskCreate, TaskUpdate
from tasksync.domain.settings import ImportCheckpoint
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.ports.salesforce import (
    ApiUsage,
    DeletedRecord,
    DeletedWindow,
    ErrorKind,
    OwnedTasks,
    SalesforceError,
    UpdatedWindow,
    WriteResult,
)

Fault = Callable[[str], SalesforceError | None]
"""Called with ``before <operation>`` and, for writes, ``after <operation>``: an error to raise instead
(after a write: the write is done and its answer lost, as in a time-out), or None."""

Automation = Callable[[Mapping[str, object] | None, dict[str, object], bool], Mapping[str, object]]
"""A Flow, trigger or workflow field update: given the record before (None on create), the record after
the write (by API names) and whether an API client wrote it, the fields it sets in the same transaction."""

_ALIASES = {field.alias: name for name, field in SalesforceTask.model_fields.items() if field.alias}


def prefix_subject(prefix: str) -> Automation:
    """Stamps a synced field on every save: the Subject gets ``prefix`` when it lacks it."""

    def rule(before: Mapping[str, object] | None, after: dict[str, object], by_api: bool) -> Mapping[str, object]:
        subject = str(after.get("Subject") or "")
        return {} if subject.startswith(prefix) else {"Subject": prefix + subject}

    return rule


def high_priority_when_completed() -> Automation:
    """Sets a field when another changes: Priority High when Status becomes Completed."""

    def rule(before: Mapping[str, object] | None, after: dict[str, object], by_api: bool) -> Mapping[str, object]:
        became = after.get("Status") == "Completed" and (before is None or before.get("Status") != "Completed")
        return {"Priority": "High"} if became else {}

    return rule


def revert_api_writes_of(field: str) -> Automation:
    """Reverts a field an API client just wrote: the field goes back to its value before the write."""

    def rule(before: Mapping[str, object] | None, after: dict[str, object], by_api: bool) -> Mapping[str, object]:
        if not by_api or before is None or before.get(field) == after.get(field):
            return {}
        return {field: before.get(field)}

    return rule


class InMemoryOrg:
    def __init__(
        self,
        clock: Callable[[], datetime],
        user_id: str = "005000000000001AAA",
        *,
        skew: timedelta = timedelta(0),
        client_id_on_writes: bool = True,
    ) -> None:
        self.clock = clock
        self.user_id = user_id
        self.skew = skew
        """Salesforce's clock minus the sync's: what the org stamps is the sync's time plus this."""
        self.client_id_on_writes = client_id_on_writes
        """Whether the gateway's writes show its client id in ``changeOrigin``."""
        self.automation: list[Automation] = []
        self.records: dict[str, SalesforceTask] = {}
        self.recycle_bin: dict[str, tuple[SalesforceTask, datetime]] = {}
        self.purged_until: datetime | None = None
        self.feed: list[SalesforceChange] = []
        self.on_change: Callable[[SalesforceChange], None] | None = None
        self.api_calls = 0
        self.writes_by_client = 0
        self._ids = itertools.count(1)
        self._transactions = itertools.count(1)

    def now(self) -> datetime:
        """Salesforce's time: whole seconds, as it stores them and as its change events carry them."""
        return (self.clock() + self.skew).replace(microsecond=0)

    # -- changes, as a user in the Salesforce UI or an API client makes them --------------------------
    def create(self, fields: dict[str, object], client_id: str | None = None, *, api: bool = False) -> SalesforceTask:
        sf_id = f"00T{next(self._ids):012d}AAA"
        at = self.now()
        values: dict[str, object] = {
            "Id": sf_id,
            "OwnerId": self.user_id,
            "Status": "Not Started",
            "Priority": "Normal",
            **fields,
        }
        values.update(self._automated(None, values, api))
        stamps = {"CreatedDate": at, "LastModifiedDate": at, "SystemModstamp": at}
        task = SalesforceTask.model_validate({**values, **stamps})
        self.records[sf_id] = task
        self._emit(ChangeType.CREATE, task, frozenset(values), at, client_id)
        return task

    def update(
        self, sf_id: str, fields: dict[str, object], client_id: str | None = None, *, api: bool = False
    ) -> SalesforceTask:
        """A save publishes an UPDATE even when it changes nothing (``changedFields`` is then just
        ``LastModifiedDate``), as Salesforce does."""
        before = self._live(sf_id).model_dump(by_alias=True)
        written = SalesforceTask.model_validate({**before, **fields}).model_dump(by_alias=True)
        after = {**written, **self._automated(before, written, api)}
        at = self.now()
        task = SalesforceTask.model_validate({**after, "SystemModstamp": at, "LastModifiedDate": at})
        stamped = task.model_dump(by_alias=True)
        changed = {name for name in stamped if stamped[name] != before.get(name)} - {"SystemModstamp"}
        self.records[sf_id] = task
        self._emit(ChangeType.UPDATE, task, frozenset(changed) | {"LastModifiedDate"}, at, client_id)
        return task

    def touch(self, sf_id: str) -> SalesforceTask:
        """A change the platform makes without a user edit (a picklist value renamed, activity archiving):
        ``SystemModstamp`` moves, ``LastModifiedDate`` does not, and no change event is published."""
        task = self._live(sf_id).model_copy(update={"system_modstamp": self.now()})
        self.records[sf_id] = task
        return task

    def delete(self, sf_id: str, client_id: str | None = None) -> None:
        task = self._live(sf_id)
        at = self.now()
        del self.records[sf_id]
        self.recycle_bin[sf_id] = (task.model_copy(update={"system_modstamp": at}), at)
        self._emit(ChangeType.DELETE, SalesforceTask(id=sf_id), frozenset(), at, client_id)

    def undelete(self, sf_id: str) -> SalesforceTask:
        task, _ = self.recycle_bin.pop(sf_id)
        at = self.now()
        task = task.model_copy(update={"system_modstamp": at})
        self.records[sf_id] = task
        carried = frozenset(name for name in task.model_dump(by_alias=True) if _get(task, name) is not None)
        self._emit(ChangeType.UNDELETE, task, carried, at, None)
        return task

    def empty_recycle_bin(self) -> None:
        """Hard deletes: no change event, and getDeleted no longer answers for a start before now."""
        self.recycle_bin.clear()
        self.purged_until = self.now()

    def gateway(self, client_id: str, fault: Fault | None = None) -> InMemoryGateway:
        return InMemoryGateway(self, client_id, fault)

    def _live(self, sf_id: str) -> SalesforceTask:
        if sf_id in self.recycle_bin:
            raise SalesforceError(ErrorKind.ALREADY_DELETED, "ENTITY_IS_DELETED", "entity is deleted")
        if sf_id not in self.records:
            raise SalesforceError(ErrorKind.ALREADY_DELETED, "NOT_FOUND", "The requested resource does not exist")
        return self.records[sf_id]

    def _automated(self, before: Mapping[str, object] | None, after: dict[str, object], api: bool) -> dict[str, object]:
        """What the org's automation sets in the same transaction as a write."""
        changes: dict[str, object] = {}
        for rule in self.automation:
            changes.update(rule(before, {**after, **changes}, api))
        return changes

    def _emit(
        self, kind: ChangeType, task: SalesforceTask, carried: frozenset[str], at: datetime, client_id: str | None
    ) -> None:
        key = f"{next(self._transactions):010d}/1"
        change = SalesforceChange(
            change_type=kind,
            task=task,
            carried=carried,
            commit_at=at,
            client_id=client_id,
            event_key=key,
            modified_at=task.last_modified_date,
        )
        self.feed.append(change)
        if self.on_change is not None:
            self.on_change(change)


def _get(task: SalesforceTask, api_name: str) -> object:
    return getattr(task, _ALIASES[api_name])


class InMemoryGateway:
    """The SalesforceGateway port over an InMemoryOrg; every write carries ``client_id``."""

    def __init__(self, org: InMemoryOrg, client_id: str, fault: Fault | None = None) -> None:
        self.org = org
        self.client_id = client_id
        self.fault = fault

    @property
    def _origin(self) -> str | None:
        return self.client_id if self.org.client_id_on_writes else None

    def _call(self, operation: str) -> None:
        self.org.api_calls += 1
        self._fault(f"before {operation}")

    def _fault(self, moment: str) -> None:
        error = self.fault(moment) if self.fault else None
        if error is not None:
            raise error

    def picklists(self) -> Picklists:
        self._call("picklists")
        return Picklists.stock()

    def get_task(self, sf_id: str) -> SalesforceTask | None:
        self._call("get_task")
        return self.org.records.get(sf_id)

    def find_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, SalesforceTask]:
        self._call("query_all")
        wanted = set(external_ids)
        live = [task for task in self.org.records.values() if task.external_id in wanted]
        deleted = [
            task.model_copy(update={"is_deleted": True})
            for task, _ in self.org.recycle_bin.values()
            if task.external_id in wanted
        ]
        found: dict[str, SalesforceTask] = {}
        for task in live + deleted:
            if task.external_id is not None:
                found.setdefault(task.external_id, task)
        return found

    def get_tasks(self, sf_ids: Sequence[str], *, include_deleted: bool = False) -> list[SalesforceTask]:
        self._call("get_tasks")
        found = [self.org.records[sf_id] for sf_id in sf_ids if sf_id in self.org.records]
        if include_deleted:
            binned = (self.org.recycle_bin.get(sf_id) for sf_id in sf_ids)
            found += [task.model_copy(update={"is_deleted": True}) for task, _ in filter(None, binned)]
        return found

    def owned_tasks_modified_since(
        self, owner_id: str, since: datetime, *, after: ImportCheckpoint | None = None
    ) -> OwnedTasks:
        """As the gateway's SOQL: the owner's possible reminders in the window, ordered by
        (LastModifiedDate, Id), after the checkpoint. The rows are those of the moment of the call."""
        self._call("query")
        rows = sorted(
            (
                task
                for task in self.org.records.values()
                if task.owner_id == owner_id
                and task.last_modified_date
                and task.last_modified_date >= since
                and task.task_subtype in REMINDER_SUBTYPES
                and not task.is_recurrence
                and (after is None or (task.last_modified_date, task.id) > (after.modified_at, after.sf_id))
            ),
            key=lambda task: (task.last_modified_date, task.id),
        )
        return OwnedTasks(total=len(rows), tasks=iter(rows))

    def updated_ids(self, start: datetime, end: datetime) -> UpdatedWindow:
        self._call("updated")
        ids = tuple(
            sf_id
            for sf_id, task in self.org.records.items()
            if task.system_modstamp and start <= task.system_modstamp <= end
        )
        return UpdatedWindow(ids=ids, latest_date_covered=end)

    def deleted_records(self, start: datetime, end: datetime) -> DeletedWindow:
        self._call("deleted")
        earliest = max(end - timedelta(days=15), self.org.purged_until or start)
        records = tuple(
            DeletedRecord(sf_id, at) for sf_id, (_, at) in self.org.recycle_bin.items() if start <= at <= end
        )
        return DeletedWindow(records=records, earliest_date_available=earliest, latest_date_covered=end)

    def create_tasks(self, creates: Sequence[TaskCreate]) -> list[WriteResult]:
        self._call("create_tasks")
        results = [self._upsert(create) for create in creates]
        self._fault("after create_tasks")
        return results

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        self._call("update_tasks")
        results = [self._write(self.org.update, update.sf_id, _fields(update.values), api=True) for update in updates]
        self._fault("after update_tasks")
        return results

    def delete_tasks(self, sf_ids: Sequence[str]) -> list[WriteResult]:
        self._call("delete_tasks")
        results = [self._write(self.org.delete, sf_id) for sf_id in sf_ids]
        self._fault("after delete_tasks")
        return results

    def api_usage(self) -> ApiUsage | None:
        return ApiUsage(used=self.org.api_calls, limit=100_000)

    def _upsert(self, create: TaskCreate) -> WriteResult:
        existing = next((task for task in self.org.records.values() if task.external_id == create.external_id), None)
        self.org.writes_by_client += 1
        if existing is not None:
            self.org.update(existing.id, _fields(create.values), self._origin, api=True)
            return WriteResult(existing.id)
        fields = {**_fields(create.values), "OwnerId": create.owner_id, EXTERNAL_ID_FIELD: create.external_id}
        return WriteResult(self.org.create(fields, self._origin, api=True).id)

    def _write(self, write: Callable[..., object], sf_id: str, *args: object, **options: object) -> WriteResult:
        self.org.writes_by_client += 1
        try:
            write(sf_id, *args, client_id=self._origin, **options)
        except SalesforceError as error:
            return WriteResult(None, error)
        return WriteResult(sf_id)


def _fields(values: dict[SalesforceField, str | date | None] | object) -> dict[str, object]:
    assert isinstance(values, dict)
    return {SalesforceField(field).value: value for field, value in values.items()}
