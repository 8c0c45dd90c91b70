"""What the user sees when a change could not be synced, or when both sides changed the same field."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from tasksync.domain.base import AwareDatetime, DomainModel
from tasksync.domain.sync_link import Side


class SyncErrorKind(StrEnum):
    PERMANENT = "permanent"  # Salesforce refused the record (validation rule, access, required field)
    AUTH = "auth"  # the connection was revoked; sync is paused
    CONFLICT = "conflict"  # both sides changed one field; the later change won
    DEAD_LETTER = "dead_letter"  # retries ran out; the event is in the dead-letter queue
    TRANSIENT = "transient"  # Salesforce was busy or down past the gateway's retries; the queue retries


RETRIED = frozenset({SyncErrorKind.TRANSIENT})
"""Error kinds the sync retries by itself; the others wait for the rep (a change, a reconnect)."""
TASK_ERRORS = frozenset(SyncErrorKind) - {SyncErrorKind.CONFLICT}
"""Error kinds that stop a task's sync (a conflict is resolved, and only told)."""


class SyncError(DomainModel):
    user_id: str
    kind: SyncErrorKind
    occurred_at: AwareDatetime
    message: str = Field(max_length=4_000)
    code: str = ""
    sia_id: str | None = None
    sf_id: str | None = None
    field: str | None = None
    winner: Side | None = None
    key: str = Field(
        default="",
        max_length=512,
        description="what makes two records of this error one: a retried decision records it again under the same key",
    )
