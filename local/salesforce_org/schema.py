"""The objects the emulator knows and their fields: Task (with the ``Tasksync_Id__c`` External ID),
TaskStatus, TaskPriority and User.

Object Reference for the Salesforce Platform, "Task": Subject (combobox, 255), Status and Priority
(picklists, required, defaulted), ActivityDate (date, "Due Date Only"), Description (textarea, 32,000,
long text: not filterable or sortable), OwnerId, WhoId (Contact or Lead), WhatId, TaskSubtype (create
only), IsRecurrence (create only), RecurrenceActivityId, IsClosed (set through Status), CompletedDateTime
(read-only, API 44.0+), the audit fields, IsDeleted. "TaskStatus": ApiName, MasterLabel, IsClosed,
IsDefault, SortOrder. "TaskPriority": ApiName, MasterLabel, IsDefault, IsHighPriority, SortOrder.

``Tasksync_Id__c`` is the project's own custom text field as its metadata defines it
(``salesforce/force-app/main/default/objects/Activity/fields/Tasksync_Id__c.field-meta.xml``): 64
characters, External ID, Unique and case-sensitive. Apex Developer Guide, "Upserting Records": "Custom
field matching is case-insensitive only if the custom field has the Unique and Treat "ABC" and "abc" as
duplicate values (case insensitive) attributes"; so upsert matching and uniqueness on it are
case-sensitive, and so are SOQL comparisons (SOQL and SOSL Reference, "Comparison Operators":
"Comparisons on strings are case-sensitive for unique case-sensitive fields").
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from local.salesforce_org import ids


class FieldType(StrEnum):
    ID = "id"
    STRING = "string"
    TEXTAREA = "textarea"
    COMBOBOX = "combobox"
    PICKLIST = "picklist"
    DATE = "date"
    DATETIME = "datetime"
    BOOLEAN = "boolean"
    REFERENCE = "reference"
    INT = "int"

    @property
    def is_text(self) -> bool:
        return self in (FieldType.STRING, FieldType.TEXTAREA, FieldType.COMBOBOX, FieldType.PICKLIST)

    @property
    def is_id(self) -> bool:
        return self in (FieldType.ID, FieldType.REFERENCE)


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: FieldType
    label: str
    length: int = 0
    createable: bool = False
    updateable: bool = False
    nillable: bool = True
    defaulted_on_create: bool = False
    filterable: bool = True
    sortable: bool = True
    external_id: bool = False
    unique: bool = False
    case_sensitive: bool = False
    custom: bool = False
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None


@dataclass(frozen=True)
class ObjectDef:
    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: tuple[FieldDef, ...]
    writable: bool = False

    def field(self, name: str) -> FieldDef | None:
        """Field names are case-insensitive in SOQL and in REST bodies."""
        return _index(self).get(name.lower())

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


_INDEXES: dict[str, dict[str, FieldDef]] = {}


def _index(obj: ObjectDef) -> dict[str, FieldDef]:
    index = _INDEXES.get(obj.name)
    if index is None:
        index = {f.name.lower(): f for f in obj.fields}
        _INDEXES[obj.name] = index
    return index


def _audit_fields() -> tuple[FieldDef, ...]:
    return (
        FieldDef("CreatedDate", FieldType.DATETIME, "Created Date", nillable=False, defaulted_on_create=True),
        FieldDef(
            "CreatedById",
            FieldType.REFERENCE,
            "Created By ID",
            length=18,
            nillable=False,
            defaulted_on_create=True,
            reference_to=("User",),
            relationship_name="CreatedBy",
        ),
        FieldDef(
            "LastModifiedDate", FieldType.DATETIME, "Last Modified Date", nillable=False, defaulted_on_create=True
        ),
        FieldDef(
            "LastModifiedById",
            FieldType.REFERENCE,
            "Last Modified By ID",
            length=18,
            nillable=False,
            defaulted_on_create=True,
            reference_to=("User",),
            relationship_name="LastModifiedBy",
        ),
        FieldDef("SystemModstamp", FieldType.DATETIME, "System Modstamp", nillable=False, defaulted_on_create=True),
    )


EXTERNAL_ID_FIELD = "Tasksync_Id__c"
EXTERNAL_ID_LENGTH = 64

TASK_SUBTYPES = ("Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn")

TASK = ObjectDef(
    name="Task",
    label="Task",
    label_plural="Tasks",
    key_prefix=ids.TASK,
    writable=True,
    fields=(
        FieldDef("Id", FieldType.ID, "Activity ID", length=18, nillable=False, defaulted_on_create=True),
        FieldDef("Subject", FieldType.COMBOBOX, "Subject", length=255, createable=True, updateable=True),
        FieldDef(
            "Status",
            FieldType.PICKLIST,
            "Status",
            length=40,
            createable=True,
            updateable=True,
            nillable=False,
            defaulted_on_create=True,
        ),
        FieldDef(
            "Priority",
            FieldType.PICKLIST,
            "Priority",
            length=40,
            createable=True,
            updateable=True,
            nillable=False,
            defaulted_on_create=True,
        ),
        FieldDef("ActivityDate", FieldType.DATE, "Due Date Only", createable=True, updateable=True),
        FieldDef(
            "Description",
            FieldType.TEXTAREA,
            "Description",
            length=32000,
            createable=True,
            updateable=True,
            filterable=False,
            sortable=False,
        ),
        FieldDef(
            "OwnerId",
            FieldType.REFERENCE,
            "Assigned To ID",
            length=18,
            createable=True,
            updateable=True,
            nillable=False,
            defaulted_on_create=True,
            reference_to=("User",),
            relationship_name="Owner",
        ),
        FieldDef(
            "WhoId",
            FieldType.REFERENCE,
            "Name ID",
            length=18,
            createable=True,
            updateable=True,
            reference_to=("Contact", "Lead"),
            relationship_name="Who",
        ),
        FieldDef(
            "WhatId",
            FieldType.REFERENCE,
            "Related To ID",
            length=18,
            createable=True,
            updateable=True,
            reference_to=("Account", "Opportunity", "Case"),
            relationship_name="What",
        ),
        FieldDef(
            "TaskSubtype", FieldType.PICKLIST, "Task Subtype", length=40, createable=True, defaulted_on_create=True
        ),
        FieldDef(
            "IsRecurrence",
            FieldType.BOOLEAN,
            "Create Recurring Series of Tasks",
            createable=True,
            nillable=False,
            defaulted_on_create=True,
        ),
        FieldDef(
            "RecurrenceActivityId",
            FieldType.REFERENCE,
            "Recurrence Activity ID",
            length=18,
            reference_to=("Task",),
            relationship_name="RecurrenceActivity",
        ),
        FieldDef("IsClosed", FieldType.BOOLEAN, "Closed", nillable=False, defaulted_on_create=True),
        FieldDef("IsDeleted", FieldType.BOOLEAN, "Deleted", nillable=False, defaulted_on_create=True),
        *_audit_fields(),
        FieldDef("CompletedDateTime", FieldType.DATETIME, "Completed Date/Time"),
        FieldDef(
            EXTERNAL_ID_FIELD,
            FieldType.STRING,
            "Tasksync Id",
            length=EXTERNAL_ID_LENGTH,
            createable=True,
            updateable=True,
            external_id=True,
            unique=True,
            case_sensitive=True,
            custom=True,
        ),
    ),
)

TASK_STATUS = ObjectDef(
    name="TaskStatus",
    label="Task Status Value",
    label_plural="Task Status Values",
    key_prefix=ids.TASK_STATUS,
    fields=(
        FieldDef("Id", FieldType.ID, "Task Status Value ID", length=18, nillable=False),
        FieldDef("ApiName", FieldType.STRING, "Api Name", length=255, nillable=False),
        FieldDef("MasterLabel", FieldType.STRING, "Master Label", length=255),
        FieldDef("SortOrder", FieldType.INT, "Sort Order"),
        FieldDef("IsClosed", FieldType.BOOLEAN, "Closed", nillable=False),
        FieldDef("IsDefault", FieldType.BOOLEAN, "Is Default", nillable=False),
        *_audit_fields(),
    ),
)

TASK_PRIORITY = ObjectDef(
    name="TaskPriority",
    label="Task Priority Value",
    label_plural="Task Priority Values",
    key_prefix=ids.TASK_PRIORITY,
    fields=(
        FieldDef("Id", FieldType.ID, "Task Priority Value ID", length=18, nillable=False),
        FieldDef("ApiName", FieldType.STRING, "Api Name", length=255, nillable=False),
        FieldDef("MasterLabel", FieldType.STRING, "Master Label", length=255),
        FieldDef("SortOrder", FieldType.INT, "Sort Order"),
        FieldDef("IsDefault", FieldType.BOOLEAN, "Is Default", nillable=False),
        FieldDef("IsHighPriority", FieldType.BOOLEAN, "High Priority", nillable=False),
        *_audit_fields(),
    ),
)

USER = ObjectDef(
    name="User",
    label="User",
    label_plural="Users",
    key_prefix=ids.USER,
    fields=(
        FieldDef("Id", FieldType.ID, "User ID", length=18, nillable=False),
        FieldDef("Username", FieldType.STRING, "Username", length=80, nillable=False),
        FieldDef("Name", FieldType.STRING, "Full Name", length=121),
        FieldDef("FirstName", FieldType.STRING, "First Name", length=40),
        FieldDef("LastName", FieldType.STRING, "Last Name", length=80, nillable=False),
        FieldDef("Email", FieldType.STRING, "Email", length=128),
        FieldDef("IsActive", FieldType.BOOLEAN, "Active", nillable=False),
        FieldDef("TimeZoneSidKey", FieldType.PICKLIST, "Time Zone", length=40, nillable=False),
        *_audit_fields(),
    ),
)

OBJECTS: dict[str, ObjectDef] = {o.name.lower(): o for o in (TASK, TASK_STATUS, TASK_PRIORITY, USER)}


def object_def(name: str) -> ObjectDef | None:
    return OBJECTS.get(name.lower())


CDC_EXCLUDED_FIELDS = frozenset({"Id", "IsDeleted", "SystemModstamp"})
"""Change Data Capture Developer Guide, "Change Event Message Structure": change events carry neither
IsDeleted nor SystemModstamp; the record id travels in ``ChangeEventHeader.recordIds``."""
