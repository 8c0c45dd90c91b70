"""Small link updates both directions share."""

from __future__ import annotations

from tasksync.domain.reminder_task import ReminderTask, Tombstone
from tasksync.domain.sync_link import SyncLink


def remember(link: SyncLink, reminder: ReminderTask | None, *, version: bool = True) -> SyncLink:
    """Keep the SIA task's last values when its copy goes: an undelete or a rejoin brings back the task
    the rep last saw, renamed as they renamed it, with Salesforce's synced values over it.

    ``version=False`` keeps the values but not the version, for a delete the link cannot place: a copy
    being brought back (whose save was lost) must still find, by its version, that the rep deleted it."""
    if reminder is None or reminder.version < link.sia_version:
        return link
    if version:
        return link.updated(agreed=reminder.values, sia_version=reminder.version)
    return link.updated(agreed=reminder.values)


def remember_deleted(link: SyncLink, gone: Tombstone | None) -> SyncLink:
    """``remember`` for a task already gone, from its tombstone: edits the rep made before the delete, that the
    sync never took in (sync off, Salesforce down), are what an undelete brings back."""
    if gone is None or gone.version <= link.sia_version:
        return link
    return link.updated(agreed=gone.values)
