"""The Salesforce Task fields the sync reads and writes, and the org's Status and Priority picklists.

Field facts: Object Reference, "Task" (Subject 255, Description 32,000, Status/Priority picklists,
ActivityDate a date, TaskSubtype settable on create only, IsRecurrence marks a series master).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tasksync.domain.base import AwareDatetime, DomainModel

SUBJECT_MAX = 255
"""Object Reference, Task: Subject is a combobox of 255 characters."""
DESCRIPTION_MAX = 32_000
"""Object Reference, Task: Description (shown as Comments) is a text area of 32,000 characters."""

EXTERNAL_ID_FIELD = "Tasksync_Id__c"
"""Custom External ID (unique) field that carries the SIA task id, shipped under salesforce/: an upsert
on it makes a retried create land on the same record."""


class SalesforceField(StrEnum):
    """The Task fields of the field map (SPEC section 2), by their API names."""

    SUBJECT = "Subject"
    STATUS = "Status"
    PRIORITY = "Priority"
    ACTIVITY_DATE = "ActivityDate"
    DESCRIPTION = "Description"


ELIGIBILITY_FIELDS = ("OwnerId", "TaskSubtype", "IsRecurrence")
"""Fields that decide whether a Task is a reminder task at all (SPEC section 4)."""

QUERY_FIELDS = (
    "Id",
    *SalesforceField,
    *ELIGIBILITY_FIELDS,
    EXTERNAL_ID_FIELD,
    "IsDeleted",
    "CreatedDate",
    "LastModifiedDate",
    "SystemModstamp",
)
"""What every read of a Task selects."""


class SalesforceTask(BaseModel):
    """One Task record as the REST API returns it.

    Lax, not strict: Salesforce JSON carries dates and datetimes as strings
    (``2024-05-07`` and ``2024-05-07T22:07:19.000+0000``), which must be parsed here.
    """

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    id: str = Field(alias="Id", min_length=15, max_length=18)
    owner_id: str | None = Field(default=None, alias="OwnerId")
    subject: str | None = Field(default=None, alias="Subject", max_length=SUBJECT_MAX)
    status: str | None = Field(default=None, alias="Status")
    priority: str | None = Field(default=None, alias="Priority")
    activity_date: date | None = Field(default=None, alias="ActivityDate")
    description: str | None = Field(default=None, alias="Description", max_length=DESCRIPTION_MAX)
    task_subtype: str | None = Field(default=None, alias="TaskSubtype")
    is_recurrence: bool = Field(default=False, alias="IsRecurrence")
    external_id: str | None = Field(default=None, alias=EXTERNAL_ID_FIELD)
    is_deleted: bool = Field(default=False, alias="IsDeleted")
    created_date: AwareDatetime | None = Field(default=None, alias="CreatedDate")
    last_modified_date: AwareDatetime | None = Field(default=None, alias="LastModifiedDate")
    system_modstamp: AwareDatetime | None = Field(default=None, alias="SystemModstamp")

    @field_validator("is_recurrence", "is_deleted", mode="before")
    @classmethod
    def _null_is_false(cls, value: object) -> object:
        # Change events through the Pub/Sub API (and so Event Relay) carry unchanged fields as null.
        return False if value is None else value

    def value(self, field: SalesforceField) -> str | date | None:
        return {
            SalesforceField.SUBJECT: self.subject,
            SalesforceField.STATUS: self.status,
            SalesforceField.PRIORITY: self.priority,
            SalesforceField.ACTIVITY_DATE: self.activity_date,
            SalesforceField.DESCRIPTION: self.description,
        }[field]


class StatusValue(DomainModel):
    """A row of the org's ``TaskStatus`` object."""

    api_name: str
    is_closed: bool = False
    is_default: bool = False


class PriorityValue(DomainModel):
    """A row of the org's ``TaskPriority`` object."""

    api_name: str
    is_default: bool = False
    is_high_priority: bool = False


class Picklists(DomainModel):
    """The org's Task Status and Priority values: orgs rename and add values, so they are read."""

    statuses: tuple[StatusValue, ...]
    priorities: tuple[PriorityValue, ...]

    @classmethod
    def stock(cls) -> Picklists:
        """The values of a new org (Object Reference: Task, Status and Priority)."""
        return cls(
            statuses=(
                StatusValue(api_name="Not Started", is_default=True),
                StatusValue(api_name="In Progress"),
                StatusValue(api_name="Completed", is_closed=True),
                StatusValue(api_name="Waiting on someone else"),
                StatusValue(api_name="Deferred"),
            ),
            priorities=(
                PriorityValue(api_name="High", is_high_priority=True),
                PriorityValue(api_name="Normal", is_default=True),
                PriorityValue(api_name="Low"),
            ),
        )
