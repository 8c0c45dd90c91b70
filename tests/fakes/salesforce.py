"""An in-memory Salesforce org with a CDC-like change feed, and a gateway over it.

Fidelity where the sync depends on it: commit timestamps grow, an UPDATE carries only the fields it
changed, a change made through the gateway carries the gateway's client id (a UI change carries none),
creates upsert on the external id, a deleted record answers ENTITY_IS_DELETED. The HTTPS org emulator
(local/salesforce_org) is the faithful one; this fake is for fast seeded runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from datetime import date, datetime, timedelta

from tasksync.domain.salesforce_task import EXTERNAL_ID_FIELD, Picklists, SalesforceField, SalesforceTask
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.ports.salesforce import (
    ApiUsage,
    DeletedRecord,
    DeletedWindow,
    ErrorKind,
    SalesforceError,
    TaskCreate,
    TaskUpdate,
    UpdatedWindow,
    WriteResult,
)

Fault = Callable[[str], SalesforceError | None]
"""Called with ``before <operation>`` and, for writes, ``after <operation>``: an error to raise instead
(after a write: the write is done and its answer lost, as in a time-out), or None."""

_ALIASES = {field.alias: name for name, field in SalesforceTask.model_fields.items() if field.alias}


class InMemoryOrg:
    def __init__(self, clock: Callable[[], datetime], user_id: str = "005000000000001AAA") -> None:
        self.clock = clock
        self.user_id = user_id
        self.records: dict[str, SalesforceTask] = {}
        self.recycle_bin: dict[str, tuple[SalesforceTask, datetime]] = {}
        self.feed: list[SalesforceChange] = []
        self.on_change: Callable[[SalesforceChange], None] | None = None
        self.api_calls = 0
        self.writes_by_client = 0
        self._ids = itertools.count(1)
        self._last_commit: datetime | None = None

    # -- changes, as a user in the Salesforce UI or an API client makes them --------------------------
    def create(self, fields: dict[str, object], client_id: str | None = None) -> SalesforceTask:
        sf_id = f"00T{next(self._ids):012d}AAA"
        at = self._commit_time()
        values = {"Id": sf_id, "OwnerId": self.user_id, "Status": "Not Started", "Priority": "Normal", **fields}
        task = SalesforceTask.model_validate(
            {**values, "CreatedDate": at, "LastModifiedDate": at, "SystemModstamp": at}
        )
        self.records[sf_id] = task
        self._emit(ChangeType.CREATE, task, frozenset(values), at, client_id)
        return task

    def update(self, sf_id: str, fields: dict[str, object], client_id: str | None = None) -> SalesforceTask:
        current = self._live(sf_id)
        changed = {name: value for name, value in fields.items() if _get(current, name) != value}
        at = self._commit_time()
        task = current.model_copy(
            update={**{_ALIASES[n]: v for n, v in fields.items()}, "system_modstamp": at, "last_modified_date": at}
        )
        task = SalesforceTask.model_validate(task.model_dump(by_alias=True))
        self.records[sf_id] = task
        if changed:
            self._emit(ChangeType.UPDATE, task, frozenset(changed) | {"LastModifiedDate"}, at, client_id)
        return task

    def delete(self, sf_id: str, client_id: str | None = None) -> None:
        task = self._live(sf_id)
        at = self._commit_time()
        del self.records[sf_id]
        self.recycle_bin[sf_id] = (task, at)
        self._emit(ChangeType.DELETE, SalesforceTask(id=sf_id), frozenset(), at, client_id)

    def undelete(self, sf_id: str) -> SalesforceTask:
        task, _ = self.recycle_bin.pop(sf_id)
        at = self._commit_time()
        task = task.model_copy(update={"system_modstamp": at})
        self.records[sf_id] = task
        carried = frozenset(name for name in task.model_dump(by_alias=True) if _get(task, name) is not None)
        self._emit(ChangeType.UNDELETE, task, carried, at, None)
        return task

    def gateway(self, client_id: str, fault: Fault | None = None) -> InMemoryGateway:
        return InMemoryGateway(self, client_id, fault)

    def _live(self, sf_id: str) -> SalesforceTask:
        if sf_id in self.recycle_bin:
            raise SalesforceError(ErrorKind.ALREADY_DELETED, "ENTITY_IS_DELETED", "entity is deleted")
        if sf_id not in self.records:
            raise SalesforceError(ErrorKind.ALREADY_DELETED, "NOT_FOUND", "The requested resource does not exist")
        return self.records[sf_id]

    def _commit_time(self) -> datetime:
        # Commit timestamps of one org never go backwards.
        now = self.clock()
        if self._last_commit is not None and now <= self._last_commit:
            now = self._last_commit + timedelta(milliseconds=1)
        self._last_commit = now
        return now

    def _emit(
        self, kind: ChangeType, task: SalesforceTask, carried: frozenset[str], at: datetime, client_id: str | None
    ) -> None:
        change = SalesforceChange(change_type=kind, task=task, carried=carried, commit_at=at, client_id=client_id)
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

    def find_by_external_id(self, external_id: str) -> SalesforceTask | None:
        self._call("query_all")
        live = [task for task in self.org.records.values() if task.external_id == external_id]
        deleted = [
            task.model_copy(update={"is_deleted": True})
            for task, _ in self.org.recycle_bin.values()
            if task.external_id == external_id
        ]
        return next(iter(live + deleted), None)

    def get_tasks(self, sf_ids: Sequence[str]) -> list[SalesforceTask]:
        self._call("get_tasks")
        return [self.org.records[sf_id] for sf_id in sf_ids if sf_id in self.org.records]

    def owned_tasks_modified_since(self, owner_id: str, since: datetime) -> Iterator[SalesforceTask]:
        self._call("query")
        for task in list(self.org.records.values()):
            if task.owner_id == owner_id and task.system_modstamp and task.system_modstamp >= since:
                yield task

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
        records = tuple(
            DeletedRecord(sf_id, at) for sf_id, (_, at) in self.org.recycle_bin.items() if start <= at <= end
        )
        return DeletedWindow(records=records, earliest_date_available=end - timedelta(days=15), latest_date_covered=end)

    def create_tasks(self, creates: Sequence[TaskCreate]) -> list[WriteResult]:
        self._call("create_tasks")
        results = [self._upsert(create) for create in creates]
        self._fault("after create_tasks")
        return results

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        self._call("update_tasks")
        results = [self._write(self.org.update, update.sf_id, _fields(update.values)) for update in updates]
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
            self.org.update(existing.id, _fields(create.values), self.client_id)
            return WriteResult(existing.id)
        fields = {**_fields(create.values), "OwnerId": create.owner_id, EXTERNAL_ID_FIELD: create.external_id}
        return WriteResult(self.org.create(fields, self.client_id).id)

    def _write(self, write: Callable[..., object], sf_id: str, *args: object) -> WriteResult:
        self.org.writes_by_client += 1
        try:
            write(sf_id, *args, client_id=self.client_id)
        except SalesforceError as error:
            return WriteResult(None, error)
        return WriteResult(sf_id)


def _fields(values: dict[SalesforceField, str | date | None] | object) -> dict[str, object]:
    assert isinstance(values, dict)
    return {SalesforceField(field).value: value for field, value in values.items()}
