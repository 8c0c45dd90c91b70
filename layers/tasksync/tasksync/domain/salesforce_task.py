"""A Salesforce Task as the sync reads it, and the org's Status and Priority picklists (the fields'
names and sizes: ``salesforce_fields``)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, field_validator

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.salesforce_fields import DESCRIPTION_MAX as DESCRIPTION_MAX
from tasksync.domain.salesforce_fields import ELIGIBILITY_FIELDS as ELIGIBILITY_FIELDS
from tasksync.domain.salesforce_fields import EXTERNAL_ID_FIELD as EXTERNAL_ID_FIELD
from tasksync.domain.salesforce_fields import QUERY_FIELDS as QUERY_FIELDS
from tasksync.domain.salesforce_fields import SUBJECT_MAX as SUBJECT_MAX
from tasksync.domain.salesforce_fields import SalesforceField as SalesforceField


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
