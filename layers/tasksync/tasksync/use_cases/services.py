"""The ports a use case works through, handed in by the handler (or by a test, with fakes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from tasksync.domain.field_map import FieldMap
from tasksync.domain.settings import SyncSettings
from tasksync.engine.context import SyncContext
from tasksync.ports.linked_writes import LinkedTaskWrites
from tasksync.ports.reminder_tasks import ReminderTaskStore
from tasksync.ports.salesforce import SalesforceGateway
from tasksync.ports.sync_state import LinkRepository, SettingsRepository, SyncErrorRepository


@dataclass(frozen=True)
class SyncServices:
    settings: SettingsRepository
    links: LinkRepository
    errors: SyncErrorRepository
    reminders: ReminderTaskStore
    linked: LinkedTaskWrites
    """The sync's change of an SIA task together with its link's save."""
    salesforce: Callable[[SyncSettings], SalesforceGateway]
    """The gateway for a user's connection."""
    field_maps: Callable[[SyncSettings], FieldMap]
    """The field map of a user's org (its picklists, cached)."""
    client_id: str
    clock: Callable[[], datetime]

    def syncing(self, user_id: str) -> SyncSettings | None:
        """The user's settings while their sync runs (on, and the connection works); else None."""
        settings = self.settings.get_settings(user_id)
        return settings if settings is not None and settings.syncing else None

    def context(self, settings: SyncSettings) -> SyncContext:
        return SyncContext(
            settings=settings, field_map=self.field_maps(settings), client_id=self.client_id, now=self.clock()
        )
