"""The configuration models of the functions that sync, and of the stream publisher (pydantic)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self

from pydantic import BaseModel, ConfigDict, Field


class FunctionConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    stage: str = Field(alias="STAGE", pattern=r"^(local|dev|prod)$")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        return cls.model_validate(dict(os.environ if environ is None else environ))

    @classmethod
    def variables(cls) -> dict[str, bool]:
        """The variables the model reads, each with whether it is required."""
        return {field.alias or name: field.is_required() for name, field in cls.model_fields.items()}


class PublisherConfig(FunctionConfig):
    """The reminder-task stream's publisher."""

    app_event_bus_name: str = Field(alias="APP_EVENT_BUS_NAME", min_length=1)
    task_event_source: str = Field(alias="TASK_EVENT_SOURCE", min_length=1)
    task_event_detail_type: str = Field(alias="TASK_EVENT_DETAIL_TYPE", min_length=1)


class SyncConfig(FunctionConfig):
    """What every function that syncs needs: the state, the SIA store, and the way to Salesforce."""

    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    reminder_task_table_name: str = Field(alias="REMINDER_TASK_TABLE_NAME", min_length=1)
    salesforce_secrets_prefix: str = Field(alias="SALESFORCE_SECRETS_PREFIX", min_length=1)
    salesforce_call_client: str = Field(alias="SALESFORCE_CALL_CLIENT", pattern=r"^[A-Za-z0-9_]{1,40}$")
    salesforce_ca_bundle: str | None = Field(alias="SALESFORCE_CA_BUNDLE", default=None)
    """A CA file to trust for Salesforce (the local org emulator's); unset in AWS."""
    picklist_max_age: int = Field(alias="PICKLIST_MAX_AGE", default=3600, ge=0)
    """Seconds an org's Status and Priority values are kept before they are read again."""


class SalesforceChangesConfig(SyncConfig):
    idempotency_table_name: str = Field(alias="IDEMPOTENCY_TABLE_NAME", min_length=1)
    reconciliation_function_name: str = Field(alias="RECONCILIATION_FUNCTION_NAME", min_length=1)


class ReminderChangesConfig(SyncConfig):
    pass


class FirstSyncConfig(SyncConfig):
    pass


class SafetyNetConfig(SyncConfig):
    """The scheduled jobs: the deletion sweep, the reconciliation, the SIA-side resync."""

    api_budget_threshold: float = Field(alias="API_BUDGET_THRESHOLD", default=0.8, gt=0, le=1)
    """Share of the org's daily API allowance above which scheduled work waits for the next run."""


class ApiConfig(SyncConfig):
    """The rep's API: the sync's state and store, and the first sync it starts."""

    first_sync_function_name: str = Field(alias="FIRST_SYNC_FUNCTION_NAME", min_length=1)
    salesforce_app_secret_name: str = Field(alias="SALESFORCE_APP_SECRET_NAME", min_length=1)
    """The connected app's credentials (``adapters.salesforce.connector``)."""
