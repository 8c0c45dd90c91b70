"""The port for a sync change of an SIA task saved together with the task's link, all or nothing.

Apart, the two writes leave a window: a decision made on a link that another input changed meanwhile
(an UNDELETE applied by Event Relay's queue while the webhook's DELETE was being decided) would write
the SIA task first and learn only at the link's save that it decided on an old word, with the task
already deleted. Together, either both land on the task and the link as they were read, or neither
does and the use case reads again and decides again. It is also one request where two were.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.sync_link import SyncLink
from tasksync.ports.reminder_tasks import FieldChanges, TaskNotFound


class TaskGoneSince(TaskNotFound):
    """The SIA task a Salesforce create was decided for is deleted since: the rep's delete is the later word,
    though its event is late or lost."""


class LinkedTaskWrites(Protocol):
    """Both methods write with the sync as origin, and save ``link`` with its ``sia_version`` set to the
    task's new version. They raise VersionConflict when the task is no longer as ``read`` (changed or
    deleted since), and ConcurrentUpdate when the link is no longer at ``link.revision``."""

    def create_with_link(self, task: ReminderTask, link: SyncLink, *, over: int | None = None) -> SyncLink:
        """``task`` made where no item is, not even a tombstone, or with ``over`` over the tombstone of that
        version (else VersionConflict: read and decide again); the saved link."""
        ...

    def save_create_link(self, link: SyncLink) -> SyncLink:
        """The pending link of a Salesforce create for the SIA task ``link.sia_id``, saved as ``save_link``
        saves it, only while that task is live, in the one write: TaskGoneSince when it is deleted, so that
        no record is made for a task already gone (SPEC 7). The saved link."""
        ...

    def update_with_link(self, read: ReminderTask, changes: FieldChanges, now: datetime, link: SyncLink) -> SyncLink:
        """The saved link."""
        ...

    def delete_with_link(self, read: ReminderTask, now: datetime, link: SyncLink) -> SyncLink:
        """The saved link."""
        ...
