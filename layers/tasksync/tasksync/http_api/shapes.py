"""The API's JSON, camelCase (SPEC 9). Bodies that come in refuse unknown fields, so a misspelt field is
a clear 400 and never a silent no-op; bodies that go out are made from the domain, never stored."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel

from tasksync.domain.reminder_task import NAME_MAX, Priority, Status, TaskField
from tasksync.domain.salesforce_task import DESCRIPTION_MAX
from tasksync.domain.settings import FirstSyncProgress, SalesforceConnection, SyncSettings
from tasksync.domain.sync_error import SyncError
from tasksync.domain.sync_status import TaskSyncStatus
from tasksync.use_cases.rep_tasks import TaskWithStatus


class Incoming(BaseModel):
    """camelCase only (``due_date`` is as unknown as any misspelling), and strict: ``"yes"`` is no boolean
    and ``1`` no name (JSON's strings still give dates and enum values)."""

    model_config = ConfigDict(extra="forbid", frozen=True, alias_generator=to_camel, strict=True)


class Outgoing(BaseModel):
    model_config = ConfigDict(frozen=True, alias_generator=to_camel, populate_by_name=True)

    def json_body(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True)


class NewTask(Incoming):
    name: str = Field(min_length=1, max_length=NAME_MAX)
    status: Status = Status.OPEN
    priority: Priority = Priority.NORMAL
    due_date: date | None = None
    details: str = Field(default="", max_length=DESCRIPTION_MAX)


class TaskChanges(Incoming):
    """Any subset of the editable fields; only the due date may be sent as null (to clear it)."""

    name: str | None = Field(default=None, min_length=1, max_length=NAME_MAX)
    status: Status | None = None
    priority: Priority | None = None
    due_date: date | None = None
    details: str | None = Field(default=None, max_length=DESCRIPTION_MAX)

    @model_validator(mode="after")
    def _only_the_due_date_clears(self) -> Self:
        nulled = sorted(to_camel(name) for name in self.model_fields_set - {"due_date"} if getattr(self, name) is None)
        if nulled:
            raise ValueError(f"{', '.join(nulled)} cannot be null")
        return self

    def changes(self) -> dict[TaskField, object]:
        """The fields the body named."""
        return {TaskField(name): getattr(self, name) for name in self.model_fields_set}


class SyncErrorBody(Outgoing):
    code: str
    message: str
    will_retry: bool


class TaskSyncBody(Outgoing):
    state: str
    salesforce_id: str | None
    last_synced_at: datetime | None
    error: SyncErrorBody | None

    @classmethod
    def of(cls, status: TaskSyncStatus) -> TaskSyncBody:
        error = status.error
        return cls(
            state=status.state.value,
            salesforce_id=status.salesforce_id,
            last_synced_at=status.last_synced_at,
            error=None if error is None else SyncErrorBody(**error.model_dump()),
        )


class TaskBody(Outgoing):
    id: str
    name: str
    status: Status
    priority: Priority
    due_date: date | None
    details: str
    created_at: datetime
    updated_at: datetime
    sync: TaskSyncBody

    @classmethod
    def of(cls, entry: TaskWithStatus) -> TaskBody:
        task = entry.task
        return cls(
            id=task.id,
            name=task.name,
            status=task.status,
            priority=task.priority,
            due_date=task.due_date,
            details=task.details,
            created_at=task.created_at,
            updated_at=task.updated_at,
            sync=TaskSyncBody.of(entry.sync),
        )


class NewSettings(Incoming):
    """``timeZone`` and ``subjectTemplate`` left out keep what they were."""

    enabled: bool
    time_zone: str | None = Field(default=None, min_length=1, max_length=64)
    subject_template: str | None = Field(default=None, max_length=2_000)


class ErrorBody(Outgoing):
    code: str
    message: str


class FirstSyncBody(Outgoing):
    state: str
    total: int | None
    imported: int
    deleted: int
    error: ErrorBody | None

    @classmethod
    def of(cls, progress: FirstSyncProgress) -> FirstSyncBody:
        error = ErrorBody(code=progress.error_code or "FIRST_SYNC_FAILED", message=progress.error)
        return cls(
            state=progress.state.value,
            total=progress.total,
            imported=progress.imported,
            deleted=progress.deleted,
            error=error if progress.error else None,
        )


class SettingsBody(Outgoing):
    enabled: bool
    time_zone: str
    subject_template: str
    enabled_at: datetime | None
    first_sync: FirstSyncBody

    @classmethod
    def of(cls, settings: SyncSettings) -> SettingsBody:
        return cls(
            enabled=settings.enabled,
            time_zone=settings.time_zone,
            subject_template=settings.subject_template,
            enabled_at=settings.enabled_at,
            first_sync=FirstSyncBody.of(settings.first_sync),
        )


class TaskRef(Outgoing):
    id: str
    name: str


class SyncErrorEntry(Outgoing):
    kind: str
    code: str
    message: str
    occurred_at: datetime
    field: str | None
    winner: str | None
    salesforce_id: str | None
    task: TaskRef | None

    @classmethod
    def of(cls, error: SyncError, task: TaskRef | None) -> SyncErrorEntry:
        return cls(
            kind=error.kind.value,
            code=error.code or error.kind.value.upper(),
            message=error.message,
            occurred_at=error.occurred_at,
            field=error.field,
            winner=error.winner.value if error.winner else None,
            salesforce_id=error.sf_id,
            task=task,
        )


class SalesforceUserBody(Outgoing):
    id: str
    username: str
    name: str


class OrgBody(Outgoing):
    id: str
    instance_url: str


class ConnectionBody(Outgoing):
    state: str
    """``connected``, ``revoked`` (Salesforce refused the grant: reconnect) or ``none``."""
    reason: str | None
    salesforce_user: SalesforceUserBody | None
    org: OrgBody | None

    @classmethod
    def of(cls, connection: SalesforceConnection | None) -> ConnectionBody:
        if connection is None:
            return cls(state="none", reason=None, salesforce_user=None, org=None)
        return cls(
            state=connection.status.value,
            reason=connection.status_reason or None,
            salesforce_user=SalesforceUserBody(
                id=connection.sf_user_id, username=connection.username, name=connection.display_name
            ),
            org=OrgBody(id=connection.org_id, instance_url=connection.instance_url),
        )
