"""Small link updates both directions share."""

from __future__ import annotations

from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.sync_link import SyncLink


def remember(link: SyncLink, reminder: ReminderTask | None) -> SyncLink:
    """Keep the SIA task's last values when its copy goes: an undelete or a rejoin brings back the task
    the rep last saw, renamed as they renamed it, with Salesforce's synced values over it."""
    if reminder is None or reminder.version < link.sia_version:
        return link
    return link.model_copy(update={"agreed": reminder.values, "sia_version": reminder.version})
