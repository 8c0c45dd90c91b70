"""Carry out an engine decision, in an order that a crash at any step leaves safe to retry:

- conflicts are recorded first, under keys of their own, so that none is lost and none doubled;
- the SIA task is written first, conditional on the version the decision read;
- a Salesforce create saves its (pending) link first, so that the create's own CDC event finds it by
  the external id, and upserts on that id, so that a retry finds the record it made;
- a Salesforce update saves its link first with the written fields marked unsent, sends, then clears
  the mark: a retry after a lost answer or a crash sends them again, and a decision made meanwhile
  (the rep renaming the task back, say) knows what Salesforce may hold;
- a Salesforce delete is sent before its tombstone is saved: a retry after a crash sends it again
  (harmless), where the other order would skip it as already applied.

A concurrent change (VersionConflict, ConcurrentUpdate, TaskNotFound) is raised for the use case to read
again and decide again.
"""

from __future__ import annotations

from typing import TypeVar

from tasksync.domain.reminder_events import Origin
from tasksync.domain.sync_error import SyncErrorKind
from tasksync.domain.sync_link import SyncLink
from tasksync.engine.context import SyncContext
from tasksync.engine.decisions import (
    CreateReminder,
    CreateSalesforceTask,
    Decision,
    DeleteReminder,
    DeleteSalesforceTask,
    ReminderAction,
    SalesforceAction,
    UpdateReminder,
    UpdateSalesforceTask,
)
from tasksync.ports.reminder_tasks import TaskAlreadyExists, TaskNotFound
from tasksync.ports.salesforce import ErrorKind, SalesforceError, WriteResult
from tasksync.use_cases.services import SyncServices
from tasksync.use_cases.sync_errors import record_refusal

Change = TypeVar("Change")


class SalesforceRecordDeleted(Exception):
    """An update met ENTITY_IS_DELETED / NOT_FOUND: the record is gone, and so the SIA task must go."""

    def __init__(self, sf_id: str) -> None:
        super().__init__(sf_id)
        self.sf_id = sf_id


def carry_out(decision: Decision, ctx: SyncContext, services: SyncServices) -> None:
    # Conflicts first, keyed by the changes that met: a crash before the link is saved decides again and
    # records them again under the same key, where recording them last could lose them.
    for conflict in decision.conflicts:
        services.errors.record_error(conflict)
    link, refused = decision.link, decision.if_refused
    if decision.reminder is not None:
        version = _apply_reminder(decision.reminder, ctx, services)
        made = {"copy_version": version} if isinstance(decision.reminder, CreateReminder) else {}
        link = link.updated(sia_version=version, **made) if link else None
        refused = refused.updated(sia_version=version, **made) if refused else None
    if decision.salesforce is not None:
        _apply_salesforce(decision.salesforce, link, refused, ctx, services)
    elif link is not None:
        _save(link, services)


def _save(link: SyncLink, services: SyncServices) -> SyncLink:
    """Stamped with the time of the save, which comes after the Salesforce write the link records."""
    return services.links.save_link(link.updated(saved_at=services.clock()))


def _apply_reminder(action: ReminderAction, ctx: SyncContext, services: SyncServices) -> int:
    """The SIA task's version after the action."""
    store, user = services.reminders, ctx.user_id
    match action:
        case CreateReminder(task_id, values, version):
            try:
                return store.create(user, task_id, values, Origin.SYNC, ctx.now, version=version).version
            except TaskAlreadyExists:
                # A retry after a crash: the task is there. Its link records the version created then,
                # so that the rep's edits since still count as changes to sync.
                if store.get(user, task_id) is None:
                    raise TaskNotFound(task_id) from None
                return version
        case UpdateReminder(task_id, changes, expected_version):
            return store.update(user, task_id, changes, Origin.SYNC, ctx.now, expected_version).version
        case DeleteReminder(task_id):
            try:
                return store.delete(user, task_id, Origin.SYNC, ctx.now).version
            except TaskNotFound:
                existing = store.get(user, task_id)
                return existing.version if existing else 0


def _apply_salesforce(
    action: SalesforceAction, link: SyncLink | None, refused: SyncLink | None, ctx: SyncContext, services: SyncServices
) -> None:
    """A refusal is recorded for the user; an update's link is then saved without the write (``refused``),
    so that a later change of the field tries it again."""
    gateway = services.salesforce(ctx.settings)
    saved: SyncLink | None = None
    try:
        match action:
            case CreateSalesforceTask(create):
                if link is None:
                    raise ValueError("a Salesforce create needs the link it creates the record for")
                saved = _save(link, services)
                result = _one(gateway.create_tasks([create]))
                _save(saved.updated(sf_id=result.sf_id), services)
            case UpdateSalesforceTask(update):
                # The link goes first, its writes unsent: a retry after a lost answer or a crash sends them
                # again, and every decision meanwhile knows what Salesforce may hold.
                if link is not None:
                    saved = _save(link.updated(unsent=tuple(update.values)), services)
                _one(gateway.update_tasks([update]))
                if saved is not None and link is not None:
                    _save(link.updated(revision=saved.revision), services)
            case DeleteSalesforceTask(sf_id):
                try:
                    _one(gateway.delete_tasks([sf_id]))
                except SalesforceError as error:
                    if error.kind is not ErrorKind.ALREADY_DELETED:
                        raise
                if link is not None:
                    _save(link, services)
    except SalesforceError as error:
        if error.kind in (ErrorKind.TRANSIENT, ErrorKind.AUTH):
            raise
        if saved is not None and refused is not None:
            # The write did not happen: the link says so again (a record deleted, or a refusal).
            _save(refused.updated(revision=saved.revision), services)
        if error.kind is ErrorKind.ALREADY_DELETED and isinstance(action, UpdateSalesforceTask):
            raise SalesforceRecordDeleted(action.update.sf_id) from error
        sia_id, linked_id = (link.sia_id, link.sf_id) if link else (None, None)
        record_id = _sf_id_of(action) or linked_id
        record_refusal(error, SyncErrorKind.PERMANENT, ctx.settings, services, sia_id=sia_id, sf_id=record_id)


def _one(results: list[WriteResult]) -> WriteResult:
    (result,) = results
    if result.error is not None:
        raise result.error
    return result


def _sf_id_of(action: SalesforceAction) -> str | None:
    match action:
        case UpdateSalesforceTask(update):
            return update.sf_id
        case DeleteSalesforceTask(sf_id):
            return sf_id
        case CreateSalesforceTask():
            return None
