"""Saving a rep's sync settings (SPEC 5 and 9): with sync on, the first sync starts at once, in the
background; saved again while on, it keeps the moment sync was turned on and runs the (idempotent)
sync again; with sync off, both directions stop at the next event, which reads the settings anew."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from tasksync.domain.settings import ConnectionStatus, SyncSettings
from tasksync.ports.sync_state import ConcurrentUpdate, SettingsRepository

SAVE_ATTEMPTS = 5


class NotConnected(Exception):
    """Sync cannot be turned on without a working Salesforce connection."""


def save_sync_settings(
    user_id: str,
    changes: dict[str, object],
    settings: SettingsRepository,
    now: datetime,
    start_first_sync: Callable[[str], None],
) -> SyncSettings:
    """``changes``: ``enabled`` and, optionally, ``time_zone`` and ``subject_template``. A value the
    settings refuse (an unknown time zone, a bad template) raises pydantic's ValidationError and saves
    nothing."""
    error: ConcurrentUpdate | None = None
    for _ in range(SAVE_ATTEMPTS):
        current = settings.get_settings(user_id) or SyncSettings(user_id=user_id)
        wanted = SyncSettings.model_validate({**current.model_dump(), **changes})
        if wanted.enabled and not _connected(current):
            raise NotConnected("connect Salesforce before turning sync on")
        if wanted.enabled and not current.enabled:
            wanted = wanted.model_copy(update={"enabled_at": now})
        try:
            saved = settings.save_settings(wanted)
        except ConcurrentUpdate as concurrent:  # the first sync saving its progress, say
            error = concurrent
            continue
        if saved.enabled:
            start_first_sync(user_id)
        return saved
    raise ConcurrentUpdate(f"settings of {user_id} kept changing") from error


def _connected(settings: SyncSettings) -> bool:
    connection = settings.connection
    return connection is not None and connection.status is ConnectionStatus.CONNECTED
