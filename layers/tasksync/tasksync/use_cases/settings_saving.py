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

    def wanted(current: SyncSettings) -> SyncSettings:
        changed = SyncSettings.model_validate({**current.model_dump(), **changes})
        if changed.enabled and not _connected(current):
            raise NotConnected("connect Salesforce before turning sync on")
        if changed.enabled and not current.enabled:
            # Turned off before turn-offs were kept: it stopped no earlier than it was last turned on.
            off = current.disabled_at or (current.enabled_at if current.ever_enabled else None)
            changed = changed.model_copy(update={"enabled_at": now, "disabled_at": off})
        elif current.enabled and not changed.enabled:
            changed = changed.model_copy(update={"disabled_at": now})
        return changed

    done = saved(settings, user_id, wanted)
    if done.enabled:
        start_first_sync(user_id)
    return done


def saved(settings: SettingsRepository, user_id: str, change: Callable[[SyncSettings], SyncSettings]) -> SyncSettings:
    """``change`` of the rep's settings as they are, saved; read again and changed again when another save
    came first (the first sync saving its progress, say)."""
    error: ConcurrentUpdate | None = None
    for _ in range(SAVE_ATTEMPTS):
        current = settings.get_settings(user_id) or SyncSettings(user_id=user_id)
        try:
            return settings.save_settings(change(current))
        except ConcurrentUpdate as concurrent:
            error = concurrent
    raise ConcurrentUpdate(f"settings of {user_id} kept changing") from error


def _connected(settings: SyncSettings) -> bool:
    connection = settings.connection
    return connection is not None and connection.status is ConnectionStatus.CONNECTED
