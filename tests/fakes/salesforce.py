"""An in-memory Salesforce org with a CDC-like change feed, and a gateway over it.

As harsh as Salesforce where the sync depends on it: commit timestamps are whole seconds (two changes
of a record may share one), the org's clock may be skewed from the sync's, an UPDATE carries only the
fields it changed, automation rules change fields in the writer's own transaction, a write through the
gateway carries the gateway's client id only when the org passes it on (sObject Collections are not
documented to), creates upsert on the external id, a deleted record answers ENTITY_IS_DELETED, and
getDeleted answers for no start before the recycle bin was last emptied, and validation rules refuse a
write with ``FIELD_CUSTOM_VALIDATION_EXCEPTION``. Its change events are built by the org emulator's own
generator (``local.salesforce_org.cdc``): one transaction's identical changes merge into one event, and
gap events are drawn on demand. The HTTPS org emulator (local/salesforce_org) is the faithful one; this
fake is for fast seeded runs and unit tests.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from local.salesforce_org.cdc import (
    WILDCARD_RECORD_ID,
    ChangeEvent,
    Commit,
    EventContent,
    RecordChange,
    Shape,
    cometd_message,
    transaction_contents,
)
from local.salesforce_org.cdc import ChangeType as CdcType
from local.salesforce_org.records import api_origin, lightning_origin
from tasksync.adapters.salesforce.errors import Operation, error_from_collection_item, error_from_response
from tasksync.change_events.conversion import parse_change_events
from tasksync.domain.eligibility import REMINDER_SUBTYPES
from tasksync.domain.salesforce_task import EXTERNAL_ID_FIELD, Picklists, SalesforceField, SalesforceTask
from tasksync.domain.salesforce_writes import TaskCreate, TaskUpdate
from tasksync.domain.settings import ImportCheckpoint
from tasksync.engine.changes import SalesforceChange
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
from tests.sim.history import Actor, History, SfWrite, Shown

Fault = Callable[[str], SalesforceError | None]
"""Called with ``before <operation>`` and, for writes, ``after <operation>``: an error to raise instead
(after a write: the write is done and its answer lost, as in a time-out), or None."""

Automation = Callable[[Mapping[str, object] | None, dict[str, object], bool], Mapping[str, object]]
"""A Flow, trigger or workflow field update: given the record before (None on create), the record after
the write (by API names) and whether an API client wrote it, the fields it sets in the same transaction."""

ValidationRule = Callable[[Mapping[str, object] | None, dict[str, object], bool], str | None]
"""A validation rule: given the record before (None on create), the record after the write and its
automation, and whether an API client wrote it, the error message refusing the save, or None."""

ORG_ID = "00D000000000001AAA"
API_VERSION = "59.0"
VALIDATION_CODE = "FIELD_CUSTOM_VALIDATION_EXCEPTION"

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
        org_id: str = ORG_ID,
    ) -> None:
        self.clock = clock
        self.user_id = user_id
        self.org_id = org_id
        self.skew = skew
        """Salesforce's clock minus the sync's: what the org stamps is the sync's time plus this."""
        self.client_id_on_writes = client_id_on_writes
        """Whether the gateway's writes show its client id in ``changeOrigin``."""
        self.automation: list[Automation] = []
        self.validation_rules: list[ValidationRule] = []
        self.records: dict[str, SalesforceTask] = {}
        self.recycle_bin: dict[str, tuple[SalesforceTask, datetime]] = {}
        self.purged_until: datetime | None = None
        self.gap: Callable[[], bool] = lambda: False
        """Drawn per record change: true turns its event into a GAP_ one (header only)."""
        self.overflow: Callable[[], bool] = lambda: False
        """Drawn per transaction: true publishes one GAP_OVERFLOW instead of its events."""
        self.overflowed: dict[str, frozenset[str]] = {}
        """Per transaction key of a GAP_OVERFLOW published, the records its transaction changed (the event
        names none): what a subscriber that never received it missed."""
        self.sent_as: Callable[[ChangeEvent], list[Any]] = self._changes_of
        """What a subscriber receives of a published event: by default the product's reading of it (one
        ``SalesforceChange`` per record); the simulation makes it the raw queue message body."""
        self.feed: list[Any] = []
        """Everything ``sent_as`` made, in publishing order."""
        self.on_change: Callable[[Any], None] | None = None
        self.history: History | None = None
        self.api_calls = 0
        self.writes_by_client = 0
        """The gateway's writes the org committed."""
        self.refused_writes = 0
        """The gateway's writes the org refused (validation rules, deleted records)."""
        self._ids = itertools.count(1)
        self._commit_numbers = itertools.count(1)
        self._replay_ids = itertools.count(1)
        self._open: list[RecordChange] | None = None
        self._rep: str | None = None

    def now(self) -> datetime:
        """Salesforce's time: whole seconds, as it stores them and as its change events carry them."""
        return (self.clock() + self.skew).replace(microsecond=0)

    # -- changes, as a user in the Salesforce UI or an API client makes them --------------------------
    def create(self, fields: dict[str, object], client_id: str | None = None, *, api: bool = False) -> SalesforceTask:
        """Raises ``SalesforceError`` when a validation rule refuses the record."""
        sf_id = f"00T{next(self._ids):012d}AAA"
        at = self.now()
        stamps = {"CreatedDate": at, "LastModifiedDate": at, "SystemModstamp": at}
        written = {"Id": sf_id, "OwnerId": self.user_id, "Status": "Not Started", "Priority": "Normal", **fields}
        automated = self._automated(None, written, api)
        self._validate(None, {**written, **automated}, api)
        task = _valid({**written, **automated, **stamps}, api, Operation.CREATE)
        self.records[sf_id] = task
        as_written = SalesforceTask.model_validate({**written, **stamps}).model_dump(by_alias=True)
        self._record(sf_id, "create", as_written, api, task, automated, external_id=task.external_id if api else None)
        self._changed(RecordChange(CdcType.CREATE, sf_id, None, task.model_dump(by_alias=True)), client_id, api)
        return task

    def update(
        self, sf_id: str, fields: dict[str, object], client_id: str | None = None, *, api: bool = False
    ) -> SalesforceTask:
        """A save publishes an UPDATE even when it changes nothing (``changedFields`` is then just
        ``LastModifiedDate``), as Salesforce does. Raises ``SalesforceError`` when a validation rule
        refuses it."""
        before = self._live(sf_id).model_dump(by_alias=True)
        written = _valid({**before, **fields}, api, Operation.UPDATE).model_dump(by_alias=True)
        automated = self._automated(before, written, api)
        self._validate(before, {**written, **automated}, api)
        at = self.now()
        stamps = {"SystemModstamp": at, "LastModifiedDate": at}
        task = _valid({**written, **automated, **stamps}, api, Operation.UPDATE)
        self.records[sf_id] = task
        self._record(sf_id, "update", {name: written[name] for name in fields}, api, task, automated)
        self._changed(RecordChange(CdcType.UPDATE, sf_id, before, task.model_dump(by_alias=True)), client_id, api)
        return task

    def touch(self, sf_id: str) -> SalesforceTask:
        """A change the platform makes without a user edit (a picklist value renamed, activity archiving):
        ``SystemModstamp`` moves, ``LastModifiedDate`` does not, and no change event is published."""
        task = self._live(sf_id).model_copy(update={"system_modstamp": self.now()})
        self.records[sf_id] = task
        return task

    def delete(self, sf_id: str, client_id: str | None = None, *, api: bool = False) -> None:
        task = self._live(sf_id)
        at = self.now()
        del self.records[sf_id]
        self.recycle_bin[sf_id] = (task.model_copy(update={"system_modstamp": at}), at)
        self._record(sf_id, "delete", {}, api, task, {})
        self._changed(RecordChange(CdcType.DELETE, sf_id, task.model_dump(by_alias=True), None), client_id, api)

    def undelete(self, sf_id: str) -> SalesforceTask:
        task, _ = self.recycle_bin.pop(sf_id)
        task = task.model_copy(update={"system_modstamp": self.now()})
        self.records[sf_id] = task
        self._record(sf_id, "undelete", task.model_dump(by_alias=True), False, task, {})
        self._changed(RecordChange(CdcType.UNDELETE, sf_id, None, task.model_dump(by_alias=True)), None, False)
        return task

    def empty_recycle_bin(self) -> None:
        """Hard deletes: no change event, and getDeleted no longer answers for a start before now."""
        self.recycle_bin.clear()
        self.purged_until = self.now()

    def convert_field(self) -> None:
        """An admin converts a custom Task field's type, losing data: one UPDATE for every record, id
        ``00T*``, no fields (CDC Developer Guide, "Conversions That Generate a Change Event"). The
        records themselves are left as they are: only what a subscriber receives is modelled."""
        commit = self._new_commit("")
        self._publish(EventContent(CdcType.UPDATE, (WILDCARD_RECORD_ID,), commit))

    @contextmanager
    def transaction(self, client_id: str | None, *, api: bool, rep: str | None = None) -> Iterator[None]:
        """The writes inside commit as one transaction (one sObject Collections call): their events share
        its commit and its identical changes merge (REST API Developer Guide, "sObject Collections").
        ``rep``: the SIA user whose grant writes, for the history."""
        self._open, self._rep = [], rep
        try:
            yield
        finally:
            changes, self._open, self._rep = self._open, None, None
            self._commit(changes, client_id, api)

    def gateway(self, client_id: str, fault: Fault | None = None, rep: str | None = None) -> InMemoryGateway:
        return InMemoryGateway(self, client_id, fault, rep)

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

    def _validate(self, before: Mapping[str, object] | None, after: dict[str, object], api: bool) -> None:
        """Validation rules run after before-save automation (Apex Developer Guide, "Triggers and Order of
        Execution", steps 3 to 5); a refusal saves nothing. An API write's refusal is one collection
        item's error ("sObject Collections"), a UI save's the error the user sees."""
        for rule in self.validation_rules:
            message = rule(before, after, api)
            if message is None:
                continue
            raise _refusal(VALIDATION_CODE, message, api, Operation.CREATE if before is None else Operation.UPDATE)

    def _record(
        self,
        sf_id: str,
        kind: str,
        values: Mapping[str, object],
        api: bool,
        task: SalesforceTask,
        automated: Mapping[str, object],
        external_id: str | None = None,
    ) -> None:
        """The commit's facts: the writer's, then (same moment) the automation's fields as an update."""
        if self.history is None:
            return
        at, sf_at = self.clock(), task.system_modstamp or self.now()
        actor = Actor.SYNC if api else Actor.USER
        self.history.add(SfWrite(at, sf_at, sf_id, kind, dict(values), actor, external_id, rep=self._rep))
        if automated:
            final = task.model_dump(by_alias=True)
            self.history.add(SfWrite(at, sf_at, sf_id, "update", {n: final[n] for n in automated}, Actor.AUTOMATION))

    def _changed(self, change: RecordChange, client_id: str | None, api: bool) -> None:
        if self._open is not None:
            self._open.append(change)
        else:
            self._commit([change], client_id, api)

    def _commit(self, changes: Sequence[RecordChange], client_id: str | None, api: bool) -> None:
        if not changes:
            return
        # changeOrigin ("ChangeEventHeader Fields"): an API call's, with its client id when passed on; a
        # Lightning edit's otherwise.
        commit = self._new_commit(api_origin(API_VERSION, client_id) if api or client_id else lightning_origin())
        if self.overflow():
            contents = [EventContent(CdcType.GAP_OVERFLOW, (), commit)]
            self.overflowed[commit.transaction_key] = frozenset(change.record_id for change in changes)
        else:
            gaps = [self.gap() for _ in changes]
            contents = transaction_contents(changes, commit, merge_identical=True, gap_kinds=gaps)
        for content in contents:
            self._publish(content)

    def _new_commit(self, origin: str) -> Commit:
        number = next(self._commit_numbers)
        return Commit(origin, self.user_id, self.now(), number, str(uuid.UUID(int=number)))

    def _publish(self, content: EventContent) -> None:
        replay_id = next(self._replay_ids)
        message = cometd_message(content, Shape.COMETD, replay_id)
        event = ChangeEvent(replay_id, self.now(), content, message, str(uuid.UUID(int=replay_id)))
        for sent in self.sent_as(event):
            self.feed.append(sent)
            if self.on_change is not None:
                self.on_change(sent)

    def _changes_of(self, event: ChangeEvent) -> list[Any]:
        changes = parse_change_events(event.message, org_id=self.org_id).changes
        return [change for change in changes if isinstance(change, SalesforceChange)]


def _valid(values: Mapping[str, object], api: bool, operation: Operation) -> SalesforceTask:
    """The record, or the save's refusal: a value the field cannot hold (a Subject an automation made
    longer than 255 characters) fails the save, ``STRING_TOO_LONG`` (REST API Developer Guide, "Status
    Codes and Error Responses")."""
    try:
        return SalesforceTask.model_validate(values)
    except ValidationError as error:
        too_long = any(problem["type"] == "string_too_long" for problem in error.errors())
        raise _refusal("STRING_TOO_LONG" if too_long else "INVALID_FIELD", str(error), api, operation) from None


def _refusal(code: str, message: str, api: bool, operation: Operation) -> SalesforceError:
    """As the gateway reads it: one item's error of an sObject Collections answer, or a call's."""
    error = {"message": message, "fields": []}
    if api:
        return error_from_collection_item([{**error, "statusCode": code}], operation)
    return error_from_response(400, [{**error, "errorCode": code}], operation)


def _get(task: SalesforceTask, api_name: str) -> object:
    return getattr(task, _ALIASES[api_name])


class InMemoryGateway:
    """The SalesforceGateway port over an InMemoryOrg; every write carries ``client_id``."""

    def __init__(self, org: InMemoryOrg, client_id: str, fault: Fault | None = None, rep: str | None = None) -> None:
        self.org = org
        self.client_id = client_id
        self.fault = fault
        self.rep = rep
        """The SIA user whose grant this is: the history says for whom the sync wrote."""

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

    def _read(self, tasks: list[SalesforceTask]) -> list[SalesforceTask]:
        """What a read returns, told to the history: the rep whose grant read them was shown them."""
        history = self.org.history
        if history is not None and self.rep is not None:
            for task in tasks:
                history.add(Shown(self.org.clock(), self.rep, task.id))
        return tasks

    def _read_each(self, rows: list[SalesforceTask]) -> Iterator[SalesforceTask]:
        """A query's rows, each read as the product takes it."""
        for row in rows:
            yield self._read([row])[0]

    def get_task(self, sf_id: str) -> SalesforceTask | None:
        self._call("get_task")
        found = self.org.records.get(sf_id)
        return self._read([found])[0] if found is not None else None

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
        self._read(list(found.values()))
        return found

    def get_tasks(self, sf_ids: Sequence[str], *, include_deleted: bool = False) -> list[SalesforceTask]:
        self._call("get_tasks")
        found = [self.org.records[sf_id] for sf_id in sf_ids if sf_id in self.org.records]
        if include_deleted:
            binned = (self.org.recycle_bin.get(sf_id) for sf_id in sf_ids)
            found += [task.model_copy(update={"is_deleted": True}) for task, _ in filter(None, binned)]
        return self._read(found)

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
        return OwnedTasks(total=len(rows), tasks=self._read_each(rows))

    def owned_tasks_stamped_since(self, owner_id: str, since: datetime) -> Iterator[SalesforceTask]:
        self._call("query")
        rows = [
            task
            for task in self.org.records.values()
            if task.owner_id == owner_id
            and task.system_modstamp
            and task.system_modstamp >= since
            and task.task_subtype in REMINDER_SUBTYPES
            and not task.is_recurrence
        ]
        return self._read_each(rows)

    def updated_ids(self, start: datetime, end: datetime) -> UpdatedWindow:
        self._call("updated")
        ids = tuple(
            sf_id
            for sf_id, task in self.org.records.items()
            if task.system_modstamp and start <= task.system_modstamp <= end
        )
        # latestDateCovered is a time Salesforce has reached ("getUpdated()"), never its future.
        return UpdatedWindow(ids=ids, latest_date_covered=min(end, self.org.now()))

    def deleted_records(self, start: datetime, end: datetime) -> DeletedWindow:
        self._call("deleted")
        earliest = max(end - timedelta(days=15), self.org.purged_until or start)
        records = tuple(
            DeletedRecord(sf_id, at) for sf_id, (_, at) in self.org.recycle_bin.items() if start <= at <= end
        )
        return DeletedWindow(
            records=records, earliest_date_available=earliest, latest_date_covered=min(end, self.org.now())
        )

    def create_tasks(self, creates: Sequence[TaskCreate]) -> list[WriteResult]:
        self._call("create_tasks")
        with self.org.transaction(self._origin, api=True, rep=self.rep):
            results = [self._upsert(create) for create in creates]
        self._fault("after create_tasks")
        return results

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        self._call("update_tasks")
        with self.org.transaction(self._origin, api=True, rep=self.rep):
            results = [self._write(self.org.update, u.sf_id, _fields(u.values), api=True) for u in updates]
        self._fault("after update_tasks")
        return results

    def delete_tasks(self, sf_ids: Sequence[str]) -> list[WriteResult]:
        self._call("delete_tasks")
        with self.org.transaction(self._origin, api=True, rep=self.rep):
            results = [self._write(self.org.delete, sf_id, api=True) for sf_id in sf_ids]
        self._fault("after delete_tasks")
        return results

    def api_usage(self) -> ApiUsage | None:
        return ApiUsage(used=self.org.api_calls, limit=100_000)

    def _upsert(self, create: TaskCreate) -> WriteResult:
        existing = next((task for task in self.org.records.values() if task.external_id == create.external_id), None)
        if existing is not None:
            return self._write(self.org.update, existing.id, _fields(create.values), api=True)
        fields = {**_fields(create.values), "OwnerId": create.owner_id, EXTERNAL_ID_FIELD: create.external_id}
        try:
            created = WriteResult(self.org.create(fields, self._origin, api=True).id)
        except SalesforceError as error:
            self.org.refused_writes += 1
            return WriteResult(None, error)
        self.org.writes_by_client += 1
        return created

    def _write(self, write: Callable[..., object], sf_id: str, *args: object, **options: object) -> WriteResult:
        try:
            write(sf_id, *args, client_id=self._origin, **options)
        except SalesforceError as error:
            self.org.refused_writes += 1
            return WriteResult(None, error)
        self.org.writes_by_client += 1
        return WriteResult(sf_id)


def _fields(values: dict[SalesforceField, str | date | None] | object) -> dict[str, object]:
    assert isinstance(values, dict)
    return {SalesforceField(field).value: value for field, value in values.items()}
