"""One configuration model per function, read from its environment once (``from_environment``).

Field aliases are the variable names template.yaml sets; ``tests/unit/test_function_config.py`` checks
that every function's ``Environment`` (Globals merged) validates against its model and sets nothing the
model does not know. Secrets never come through here: only where they live (SPEC 8).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field


class FunctionConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True)

    stage: str = Field(alias="STAGE", pattern=r"^(local|dev|prod)$")

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Self:
        return cls.model_validate(dict(os.environ if environ is None else environ))


Config = TypeVar("Config", bound=FunctionConfig)
_loaded: dict[type[Any], Any] = {}


def load_config(model: type[Config]) -> Config:
    """The function's configuration, read from the environment on first use and kept for the container."""
    if model not in _loaded:
        _loaded[model] = model.from_environment()
    loaded: Config = _loaded[model]
    return loaded


class WebhookConfig(FunctionConfig):
    """The CDC webhook: where to enqueue, and where each org's signing secret lives."""

    salesforce_changes_queue_url: str = Field(alias="SALESFORCE_CHANGES_QUEUE_URL", min_length=1)
    webhook_secrets_prefix: str = Field(alias="WEBHOOK_SECRETS_PREFIX", min_length=1)
    secret_max_age: int = Field(alias="WEBHOOK_SECRET_MAX_AGE", default=300, ge=0)
    """Seconds a signing secret is cached; a rotation's new version is accepted beside the old."""


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


class ApiConfig(FunctionConfig):
    """The user API (its routes come with the API's own issue)."""

    state_table_name: str = Field(alias="STATE_TABLE_NAME", min_length=1)
    reminder_task_table_name: str = Field(alias="REMINDER_TASK_TABLE_NAME", min_length=1)
    salesforce_secrets_prefix: str = Field(alias="SALESFORCE_SECRETS_PREFIX", min_length=1)
    first_sync_function_name: str = Field(alias="FIRST_SYNC_FUNCTION_NAME", min_length=1)
