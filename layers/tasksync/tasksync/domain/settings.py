"""A user's sync settings and Salesforce connection (SPEC sections 5 and 9)."""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, NonNegativeInt, field_validator

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.subject_template import DEFAULT_TEMPLATE, validate_template

FIRST_SYNC_WINDOW = timedelta(hours=24)
"""Turning sync on imports the Salesforce tasks changed in this window before it (SPEC 5.1); older ones
join on their first change after."""


class ConnectionStatus(StrEnum):
    CONNECTED = "connected"
    REVOKED = "revoked"  # invalid_grant: the user's sync is paused until they reconnect


class SalesforceConnection(DomainModel):
    """Where the user's org is and where its credentials live; never the credentials themselves."""

    org_id: str = Field(pattern=r"^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$")
    sf_user_id: str = Field(pattern=r"^005[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$")
    instance_url: str = Field(pattern=r"^https://")
    secret_name: str = Field(min_length=1, description="Secrets Manager id of the OAuth credentials")
    status: ConnectionStatus = ConnectionStatus.CONNECTED
    status_reason: str = ""


class FirstSyncState(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class FirstSyncProgress(DomainModel):
    state: FirstSyncState = FirstSyncState.IDLE
    imported: NonNegativeInt = 0
    deleted: NonNegativeInt = 0
    error: str = ""
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None


class SyncSettings(DomainModel):
    """``enabled_at`` is when sync was last turned on: SIA tasks created before it stay local.
    ``ever_enabled`` says a re-enable must also apply Salesforce deletes (SPEC 5.3)."""

    user_id: str = Field(min_length=1, max_length=128)
    enabled: bool = False
    enabled_at: AwareDatetime | None = None
    ever_enabled: bool = False
    time_zone: str = "UTC"
    subject_template: str = DEFAULT_TEMPLATE
    connection: SalesforceConnection | None = None
    first_sync: FirstSyncProgress = FirstSyncProgress()
    revision: NonNegativeInt = 0

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown IANA time zone {value!r}") from None
        return value

    @field_validator("subject_template")
    @classmethod
    def _valid_template(cls, value: str) -> str:
        return validate_template(value)

    @property
    def syncing(self) -> bool:
        """Sync runs only while it is on and the connection works."""
        return self.enabled and self.connection is not None and self.connection.status is ConnectionStatus.CONNECTED
