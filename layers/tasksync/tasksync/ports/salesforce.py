"""The Salesforce port: everything the sync asks of one user's org.

Errors are sorted by what the caller must do (SPEC section 7): retry later, record and give up,
treat as already deleted, or pause the user's sync.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from tasksync.domain.salesforce_task import Picklists, SalesforceTask
from tasksync.domain.salesforce_writes import TaskCreate, TaskUpdate
from tasksync.domain.settings import ImportCheckpoint

UPDATED_RETENTION = timedelta(days=30)
"""getUpdated answers for the last 30 days (REST API Developer Guide, "sObject Get Updated")."""
DELETED_RETENTION = timedelta(days=15)
"""getDeleted keeps 15 days of deletes (REST API Developer Guide, "sObject Get Deleted")."""
MIN_WINDOW = timedelta(minutes=1)
"""Both answer INVALID_REPLICATION_DATE unless the start is at least a minute before the end."""


class ErrorKind(StrEnum):
    TRANSIENT = "transient"  # UNABLE_TO_LOCK_ROW, REQUEST_LIMIT_EXCEEDED, SERVER_UNAVAILABLE, 5xx, time-outs
    PERMANENT = "permanent"  # validation rules, missing access, required fields: record, do not retry
    ALREADY_DELETED = "already_deleted"  # ENTITY_IS_DELETED / NOT_FOUND on update or delete
    AUTH = "auth"  # the grant is revoked or expired: pause the user's sync


class SalesforceError(Exception):
    """A Salesforce answer that is not a success, sorted into an ErrorKind. ``nothing_written``: Salesforce
    answered that it took none of the write (busy, down, out of API calls), where a time-out leaves open
    whether it did."""

    def __init__(
        self, kind: ErrorKind, code: str, message: str, fields: Sequence[str] = (), *, nothing_written: bool = False
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.kind = kind
        self.code = code
        self.message = message
        self.fields = tuple(fields)
        self.nothing_written = nothing_written


class AuthRevoked(SalesforceError):
    """The refresh token or JWT grant answers ``invalid_grant``: the user must reconnect."""

    def __init__(self, message: str) -> None:
        super().__init__(ErrorKind.AUTH, "invalid_grant", message)


@dataclass(frozen=True)
class WriteResult:
    """One record's outcome in a batched write, in request order."""

    sf_id: str | None
    error: SalesforceError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class UpdatedWindow:
    """``getUpdated``: ids changed in [start, end]; the next start is ``latest_date_covered``."""

    ids: tuple[str, ...]
    latest_date_covered: datetime


@dataclass(frozen=True)
class DeletedRecord:
    sf_id: str
    deleted_at: datetime


@dataclass(frozen=True)
class DeletedWindow:
    """``getDeleted``: when ``earliest_date_available`` is after the asked start, deletes were lost
    to the caller (the recycle bin was emptied, or the start lies too far back: Salesforce's
    ``INVALID_REPLICATION_DATE``) and it must audit its links."""

    records: tuple[DeletedRecord, ...]
    earliest_date_available: datetime
    latest_date_covered: datetime


@dataclass(frozen=True)
class OwnedTasks:
    """``owned_tasks_modified_since``: how many rows match, counted before the first is read, and the
    rows, fetched page by page as they are iterated (a failure while iterating raises from ``tasks``)."""

    total: int
    tasks: Iterator[SalesforceTask]


@dataclass(frozen=True)
class ApiUsage:
    """From the last ``Sforce-Limit-Info: api-usage=used/max`` header seen."""

    used: int
    limit: int

    @property
    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


class SalesforceGateway(Protocol):
    """One connected user's view of their org. Every call carries ``Sforce-Call-Options: client=<id>``."""

    def picklists(self) -> Picklists: ...

    def get_task(self, sf_id: str) -> SalesforceTask | None:
        """The record, or None when it is deleted or does not exist."""
        ...

    def find_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, SalesforceTask]:
        """By external id, the records created for those SIA tasks, deleted ones included
        (``queryAll``), a live one before one in the recycle bin: a create retried after a lost answer
        first looks whether the first one landed, and whether someone deleted it since. One call for
        a page of ids."""
        ...

    def get_tasks(self, sf_ids: Sequence[str], *, include_deleted: bool = False) -> list[SalesforceTask]:
        """The records that still exist among ``sf_ids``, in no particular order; with ``include_deleted``
        (``queryAll``) those in the recycle bin too, with ``is_deleted`` set. A purged one is absent."""
        ...

    def owned_tasks_modified_since(
        self, owner_id: str, since: datetime, *, after: ImportCheckpoint | None = None
    ) -> OwnedTasks:
        """Tasks owned by ``owner_id`` that may be reminders (subtype Task or none, no recurring-series
        master), created or modified at or after ``since``, in ``LastModifiedDate`` then ``Id`` order;
        with ``after``, only those that come after it in that order (REST query, or Bulk API 2.0 above a
        couple of thousand rows)."""
        ...

    def owned_tasks_stamped_since(self, owner_id: str, since: datetime) -> Iterator[SalesforceTask]:
        """Tasks owned by ``owner_id`` that may be reminders, whose ``SystemModstamp`` is at or after
        ``since``: an undelete moves it, not ``LastModifiedDate``. A query, not getUpdated, so that it
        reaches Salesforce's own present, however far its clock is ahead of the caller's."""
        ...

    def updated_ids(self, start: datetime, end: datetime) -> UpdatedWindow: ...

    def deleted_records(self, start: datetime, end: datetime) -> DeletedWindow: ...

    def create_tasks(self, creates: Sequence[TaskCreate]) -> list[WriteResult]:
        """Upsert on the external id (sObject Collections, 200 a call), results in request order."""
        ...

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]: ...

    def delete_tasks(self, sf_ids: Sequence[str]) -> list[WriteResult]: ...

    def api_usage(self) -> ApiUsage | None: ...
