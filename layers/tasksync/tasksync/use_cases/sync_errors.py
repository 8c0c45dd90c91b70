"""Recording, for the user, what Salesforce refused."""

from __future__ import annotations

from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_error import SyncError, SyncErrorKind
from tasksync.ports.salesforce import SalesforceError
from tasksync.use_cases.services import SyncServices


def record_refusal(
    error: SalesforceError,
    kind: SyncErrorKind,
    settings: SyncSettings,
    services: SyncServices,
    *,
    sia_id: str | None,
    sf_id: str | None,
    message: str | None = None,
) -> None:
    """What the user sees of a Salesforce refusal (SPEC 7: errors are visible, not silent)."""
    services.errors.record_error(
        SyncError(
            user_id=settings.user_id,
            kind=kind,
            occurred_at=services.clock(),
            message=(message or error.message)[:4_000],
            code=error.code,
            sia_id=sia_id,
            sf_id=sf_id,
            field=",".join(error.fields) or None,
        )
    )
