"""The names and sizes of the Salesforce Task fields the sync reads and writes, apart from the models
that hold them: the webhook reads change events with these and no pydantic (its cold start,
docs/decisions/0008-webhook-intake.md).

Field facts: Object Reference, "Task" (Subject 255, Description 32,000, Status/Priority picklists,
ActivityDate a date, TaskSubtype settable on create only, IsRecurrence marks a series master).
"""

from __future__ import annotations

from enum import StrEnum

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


SALESFORCE_FIELDS = tuple(SalesforceField)
"""The fields in order, for the loops every decision makes: iterating the enum class builds a generator
each time."""

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
