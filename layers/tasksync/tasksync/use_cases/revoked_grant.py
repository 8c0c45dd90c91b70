"""A revoked or expired grant pauses the user's sync in both directions until they reconnect (SPEC 7)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import Concatenate, ParamSpec, TypeVar

from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.domain.settings import ConnectionStatus, SyncSettings
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.engine.changes import ChangeType, SalesforceChange
from tasksync.engine.decisions import Decision, SkipReason
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.ports.sync_state import ConcurrentUpdate
from tasksync.use_cases.attempts import MAX_ATTEMPTS
from tasksync.use_cases.services import SyncServices
from tasksync.use_cases.sync_errors import record_refusal

Change = TypeVar("Change")
Options = ParamSpec("Options")


def paused_on_revoked_grant(
    apply: Callable[Concatenate[Change, SyncSettings, SyncServices, Options], Decision],
) -> Callable[Concatenate[Change, SyncSettings, SyncServices, Options], Decision]:
    """A revoked or expired grant (``invalid_grant``), met by any Salesforce call of ``apply``: the user's
    sync stops in both directions until they reconnect, and they are told why (SPEC 7)."""

    @functools.wraps(apply)
    def applying(
        change: Change, settings: SyncSettings, services: SyncServices, /, *args: Options.args, **kwargs: Options.kwargs
    ) -> Decision:
        try:
            return apply(change, settings, services, *args, **kwargs)
        except SalesforceError as error:
            if error.kind is not ErrorKind.AUTH:
                raise
            reminder = change.task.id if isinstance(change, ReminderTaskEvent) else None
            sf_id, since = getattr(change, "sf_id", None), event_time(change)
            pause_on_revoked_grant(error, settings, services, sia_id=reminder, sf_id=sf_id, since=since)
            return Decision.skip(SkipReason.SYNC_OFF)

    return applying


def event_time(change: object) -> datetime | None:
    """When a Salesforce change event that met the refusal was made: skipped too, so the pause began no
    later (a record a safety net read is no event: its SystemModstamp may be old)."""
    if not isinstance(change, SalesforceChange) or change.change_type is ChangeType.RECORD or change.inferred:
        return None
    return change.commit_at


def pause_on_revoked_grant(
    error: SalesforceError,
    settings: SyncSettings,
    services: SyncServices,
    *,
    sia_id: str | None = None,
    sf_id: str | None = None,
    since: datetime | None = None,
) -> None:
    """Pause the user's sync and tell them why, naming the task or record that met the refusal."""
    pause_sync(settings, error.message, services, since=since)
    message = f"Salesforce refused the connection; sync is paused until you reconnect ({error})"
    record_refusal(error, SyncErrorKind.AUTH, settings, services, sia_id=sia_id, sf_id=sf_id, message=message)


def pause_sync(settings: SyncSettings, reason: str, services: SyncServices, since: datetime | None = None) -> None:
    """A revoked grant stops the user's sync in both directions until they reconnect (SPEC 7). When the
    pause began is kept (``since``, when a change met the refusal first), so that reconnecting reads
    what Salesforce changed meanwhile; a pause whose changes were not read yet keeps its earlier start."""
    for _ in range(MAX_ATTEMPTS):
        current = services.settings.get_settings(settings.user_id) or settings
        if current.connection is None or current.connection.status is ConnectionStatus.REVOKED:
            return
        began = min(filter(None, (current.connection.paused_at, since, services.clock())))
        paused = {"paused_at": began, "resumed_at": None}
        connection = current.connection.model_copy(
            update={"status": ConnectionStatus.REVOKED, "status_reason": reason[:500], **paused}
        )
        try:
            services.settings.save_settings(current.model_copy(update={"connection": connection}))
        except ConcurrentUpdate:
            continue  # saved meanwhile (the rep, the first sync): read again
        return
    raise ConcurrentUpdate(f"settings of {settings.user_id} kept changing")


def forget_pause(settings: SyncSettings, services: SyncServices) -> None:
    """The changes of the pause ``settings`` has were read (or sync was turned on anew since): forgotten,
    unless the grant was revoked again meanwhile (that pause is still to be read)."""
    read = settings.connection
    for _ in range(MAX_ATTEMPTS):
        current = services.settings.get_settings(settings.user_id)
        connection = current.connection if current is not None else None
        if current is None or connection is None or read is None or connection.paused_at is None:
            return
        if connection.status is not ConnectionStatus.CONNECTED or connection.paused_at != read.paused_at:
            return
        forgotten = connection.model_copy(update={"paused_at": None, "resumed_at": None})
        try:
            services.settings.save_settings(current.model_copy(update={"connection": forgotten}))
        except ConcurrentUpdate:
            continue
        return
    raise ConcurrentUpdate(f"settings of {settings.user_id} kept changing")
