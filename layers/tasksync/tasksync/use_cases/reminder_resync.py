"""The SIA direction's safety net (SPEC 6): tasks whose latest change never reached Salesforce (an event
lost, or sent to the dead-letter queue after ``REQUEST_LIMIT_EXCEEDED``) are synced again.

A rep's tasks and links are read in two queries and compared: a task newer than its link, a link with
writes unconfirmed or a create unanswered, a task created after sync was turned on with no link, and a
linked task deleted since. Each is synced as its current state through the same batch path the event
consumer takes, so a change that did arrive meanwhile is a no-op. Changes younger than ``SETTLING`` are
left to the event path, which is still carrying them.
"""

from __future__ import annotations

from datetime import timedelta

from tasksync.domain.imported_ids import imported_from
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent
from tasksync.domain.reminder_task import ReminderTask, Tombstone
from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import LinkState, SyncLink
from tasksync.use_cases.reminder_batches import apply_reminder_batch
from tasksync.use_cases.safety_nets import SweepResult
from tasksync.use_cases.services import SyncServices

SETTLING = timedelta(minutes=20)
"""Longer than the event path takes to try a change again: a failed message comes back after the
queue's visibility time-out (725 s in template.yaml) and its batching window."""


def resync_reminders(settings: SyncSettings, services: SyncServices) -> SweepResult:
    return _applied(unsynced_events(settings, services), services)


def resend_unanswered_creates(settings: SyncSettings, services: SyncServices) -> SweepResult:
    """Turning sync on again (SPEC 5.5): a task whose create never answered, and whose retry met sync off,
    is linked, so both sides must agree once sync is back on. After ``read_back_links`` found the records
    such creates made, the creates still unanswered made none that Salesforce keeps: sent again now (the
    batch path looks the external id up first), not at the resync's next round after ``SETTLING``."""
    links = {link.sia_id: link for link in services.links.links_of(settings.user_id) if link.create_unanswered}
    if not links:
        return SweepResult(applied=0, removed=0, complete=True)
    tasks = [task for task in services.reminders.list(settings.user_id) if task.id in links]
    events = _not_refused(
        [_event(ReminderEventKind.CREATED, task) for task in tasks], links, services, settings.user_id
    )
    return _applied(events, services)


def _applied(events: list[ReminderTaskEvent], services: SyncServices) -> SweepResult:
    """``events`` through the event consumer's batch path, counted as a round counts its records."""
    outcome = apply_reminder_batch(events, services)
    return SweepResult(applied=len(outcome.decisions), removed=0, complete=True, failed=tuple(sorted(outcome.failed)))


def unsynced_events(settings: SyncSettings, services: SyncServices) -> list[ReminderTaskEvent]:
    """The rep's tasks whose current state Salesforce may not have, as events of that state."""
    user, now = settings.user_id, services.clock()
    settled_before = now - SETTLING
    links = {link.sia_id: link for link in services.links.links_of(user)}
    tasks = services.reminders.list(user)
    events: list[ReminderTaskEvent] = []
    for task in tasks:
        if task.updated_at > settled_before:
            continue
        link = links.get(task.id)
        if link is None:
            enabled_at = settings.enabled_at
            if imported_from(task.id) or (enabled_at is not None and task.created_at >= enabled_at):
                events.append(_event(ReminderEventKind.CREATED, task))
        elif _behind(task, link):
            events.append(_event(ReminderEventKind.UPDATED, task))
    events = _not_refused(events, links, services, user)
    live = {task.id for task in tasks}
    for link in links.values():
        if link.state is LinkState.ACTIVE and link.sia_id not in live:
            tombstone = services.reminders.tombstone(user, link.sia_id)
            if (
                tombstone is not None
                and tombstone.deleted_by == Origin.USER.value
                and tombstone.version > link.sia_version
                and tombstone.deleted_at <= settled_before
            ):
                deleted = _deleted_task(link, tombstone)
                events.append(_event(ReminderEventKind.DELETED, deleted))
    return events


def _not_refused(
    events: list[ReminderTaskEvent], links: dict[str, SyncLink], services: SyncServices, user: str
) -> list[ReminderTaskEvent]:
    """Leaves out the creates Salesforce refused for good since their link was saved (a validation rule:
    SPEC 7, not retried; the rep's next edit tries again). One read of the rep's errors, when needed."""
    pending = {
        event.task.id
        for event in events
        if (link := links.get(event.task.id)) is not None
        and link.sf_id is None
        and event.task.version <= link.sia_version
    }
    if not pending:
        return events
    refused = {
        error.sia_id
        for error in services.errors.errors_of(user)
        if error.kind is SyncErrorKind.PERMANENT
        and error.sia_id in pending
        and (saved := links[error.sia_id].saved_at) is not None
        and error.occurred_at >= saved
    }
    return [event for event in events if event.task.id not in refused]


def _behind(task: ReminderTask, link: SyncLink) -> bool:
    if link.state is not LinkState.ACTIVE:
        return task.version > link.sia_version  # a restore whose event was lost
    return task.version > link.sia_version or bool(link.unsent) or link.sf_id is None


def _event(kind: ReminderEventKind, task: ReminderTask) -> ReminderTaskEvent:
    return ReminderTaskEvent(kind=kind, task=task, origin=Origin.USER, occurred_at=task.updated_at)


def _deleted_task(link: SyncLink, tombstone: Tombstone) -> ReminderTask:
    """The deleted task as the rep left it: edits made while sync was off, never sent, are what an undelete
    brings back (SPEC 5.5)."""
    return ReminderTask.model_validate(
        {
            **tombstone.values.model_dump(),
            "id": link.sia_id,
            "user_id": link.user_id,
            "created_at": tombstone.deleted_at,
            "updated_at": tombstone.deleted_at,
            "version": tombstone.version,
        }
    )
