"""The sync link: one reminder task paired with one Salesforce Task, and what was last agreed.

The link is the base of the three-way merge. For each synced field it keeps the agreed value (in SIA's
terms) and when that value was made, and separately what Salesforce is known to hold and since when:
Salesforce may hold a value the field map does not sync (``In Progress``, ``Low``), or a Subject edited
in Salesforce, and the engine must neither copy nor overwrite those.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from enum import StrEnum

from pydantic import Field, NonNegativeInt

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.reminder_task import TaskField, TaskValues
from tasksync.domain.salesforce_task import SalesforceField


class LinkState(StrEnum):
    ACTIVE = "active"
    DELETED = "deleted"  # deleted on one side and so on the other; only an SF UNDELETE revives it
    LEFT = "left"  # the SF task left the user's reminders (owner or subtype changed); SIA copy removed


class Side(StrEnum):
    SIA = "sia"
    SALESFORCE = "salesforce"


class SalesforceValues(DomainModel):
    """What the Salesforce record holds for the mapped fields, as Salesforce spells them."""

    subject: str | None = None
    status: str | None = None
    priority: str | None = None
    activity_date: date | None = None
    description: str | None = None

    def get(self, field: SalesforceField) -> str | date | None:
        value: str | date | None = getattr(self, _ATTRIBUTE[field])
        return value

    def with_values(self, values: Mapping[SalesforceField, str | date | None]) -> SalesforceValues:
        return self.model_copy(update={_ATTRIBUTE[field]: value for field, value in values.items()})


_ATTRIBUTE = {
    SalesforceField.SUBJECT: "subject",
    SalesforceField.STATUS: "status",
    SalesforceField.PRIORITY: "priority",
    SalesforceField.ACTIVITY_DATE: "activity_date",
    SalesforceField.DESCRIPTION: "description",
}


class SyncLink(DomainModel):
    user_id: str
    sia_id: str
    sf_id: str | None = Field(default=None, description="None until the Salesforce create has answered")
    state: LinkState = LinkState.ACTIVE
    agreed: TaskValues
    agreed_at: dict[TaskField, AwareDatetime]
    rendered_subject: str = Field(description="the Subject last rendered from the SIA task")
    salesforce: SalesforceValues
    salesforce_seen_at: dict[SalesforceField, AwareDatetime] = Field(
        description="per field, the commit time of the newest Salesforce change seen (echoes included)"
    )
    salesforce_written_at: dict[SalesforceField, AwareDatetime] = Field(
        default_factory=dict, description="per field, when the sync last wrote it"
    )
    sia_version: NonNegativeInt = Field(description="the last SIA task version applied")
    last_sf_commit: AwareDatetime | None = Field(default=None, description="latest Salesforce change applied")
    owner_seen_at: AwareDatetime | None = Field(
        default=None, description="commit time of the latest Salesforce change that showed the owner"
    )
    copy_version: NonNegativeInt = Field(
        default=0, description="the SIA version at which the sync last created the SIA copy (import, undelete, rejoin)"
    )
    copy_made_at: AwareDatetime | None = Field(default=None, description="the Salesforce change that made that copy")
    deleted_at: AwareDatetime | None = None
    deleted_by: Side | None = None
    revision: NonNegativeInt = Field(default=0, description="optimistic lock: each save adds one")
