"""A user's sync settings and Salesforce connection (SPEC sections 5 and 9)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, NonNegativeInt, field_validator

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.clocks import CLOCK_MARGIN
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
    paused_at: AwareDatetime | None = None
    """When a revoked grant paused the rep's sync: the events of the pause were skipped, so what Salesforce
    changed meanwhile is read once the rep reconnects (SPEC 5.5), and the pause is then forgotten."""
    resumed_at: AwareDatetime | None = None
    """When the rep reconnected after ``paused_at``; None while the pause lasts."""
    username: str = Field(default="", description="the Salesforce user's username, as its identity URL says")
    display_name: str = ""


class FirstSyncState(StrEnum):
    IDLE = "idle"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportCheckpoint(DomainModel):
    """How far the first sync's import got, in its order (``LastModifiedDate``, then ``Id``): the last
    row it applied. The next leg asks for the rows after it."""

    modified_at: AwareDatetime
    sf_id: str = Field(min_length=15, max_length=18)


class FirstSyncProgress(DomainModel):
    """What the settings API shows of the first sync (SPEC 9: state, total, imported, deleted, error),
    and what its next leg resumes from. Stored inside the settings item as JSON: every field has a
    default, so settings saved before a field existed still load."""

    state: FirstSyncState = FirstSyncState.IDLE
    total: NonNegativeInt | None = None
    """The Salesforce tasks the import reads, as Salesforce counted them when it began; None before."""
    imported: NonNegativeInt = 0
    """SIA tasks the import created (a task already in SIA is brought up to date, not counted)."""
    deleted: NonNegativeInt = 0
    error: str = ""
    """The last error's message; while ``state`` is running, an error that a retry is under way for."""
    error_code: str = ""
    started_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    window_start: AwareDatetime | None = None
    """The start of the window the run imports (SPEC 5.1): a run is the import of one window."""
    checkpoint: ImportCheckpoint | None = None
    import_done: bool = False
    """The import read its last row; what is left is the catch-up of SPEC 5.3 and 5.5."""
    leg: NonNegativeInt = 0
    """Each invocation that takes the run on counts it up; a leg that finds another number has been
    replaced (a retry, a duplicate delivery) and stops."""
    failed_invocation: str = ""
    failed_attempts: NonNegativeInt = 0
    """Transient failures of the invocation ``failed_invocation`` (Lambda retries keep its request id):
    the last attempt Lambda makes ends the run as failed."""


class SyncSettings(DomainModel):
    """``enabled_at`` is when sync was last turned on: SIA tasks created before it stay local;
    ``disabled_at`` when it was last turned off, until the first sync after turning it on again has read
    what Salesforce changed since. ``ever_enabled`` says a re-enable must also apply
    Salesforce deletes (SPEC 5.3)."""

    user_id: str = Field(min_length=1, max_length=128)
    enabled: bool = False
    enabled_at: AwareDatetime | None = None
    disabled_at: AwareDatetime | None = None
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

    def pushes_tasks_made_at(self, created_at: datetime) -> bool:
        """Whether an SIA task made at ``created_at`` goes to Salesforce: only those made once sync was on
        do; existing tasks stay local, even when edited later (SPEC 5.2)."""
        return self.enabled_at is not None and created_at >= self.enabled_at

    def pause_to_read(self) -> tuple[datetime, datetime | None] | None:
        """The revoked grant's pause whose Salesforce changes are still to be read as changes with sync on
        (SPEC 5.5, 6): when it began and when the rep reconnected (None while it lasts), AWS's times. None
        when sync was turned on anew since it began: what changed while sync was off stays as it is."""
        connection = self.connection
        if connection is None or connection.paused_at is None:
            return None
        # paused_at may be a Salesforce time (the change that met the refusal): compared with the margin.
        if self.enabled_at is not None and connection.paused_at < self.enabled_at - CLOCK_MARGIN:
            return None
        return connection.paused_at, connection.resumed_at

    def stopped_since(self) -> datetime | None:
        """When the rep's sync last stopped running, for turning it on again (or reconnecting) to read what
        Salesforce changed since as changed with sync on (SPEC 5.5, 6): the revoked grant's pause not read
        yet, or turning sync off before it was last turned on; the earlier, when the one came during the
        other. AWS's time, or a Salesforce one for a pause (``paused_at``): the reader widens it."""
        paused = self.connection.paused_at if self.connection is not None else None
        off, on = self.disabled_at, self.enabled_at
        turned_off = off if off is not None and on is not None and off < on else None
        return min(filter(None, (paused, turned_off)), default=None)

    @property
    def syncing(self) -> bool:
        """Sync runs only while it is on and the connection works."""
        return self.enabled and self.connection is not None and self.connection.status is ConnectionStatus.CONNECTED
