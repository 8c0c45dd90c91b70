"""Carry out an engine decision, in an order that a crash at any step leaves safe to retry:

- conflicts are recorded first, under keys of their own, so that none is lost and none doubled;
- the SIA task is written first, conditional on the version the decision read; when nothing goes to
  Salesforce, the task's change and the link's save are one write (``LinkedTaskWrites``), so that a
  decision made on a link changed meanwhile writes nothing at all;
- a Salesforce create saves its (pending) link first, so that the create's own CDC event finds it by
  the external id, and only while the SIA task lives (else TaskGoneSince), and upserts on that id, so
  that a retry finds the record it made;
- a Salesforce update saves its link first with the written fields marked unsent, sends, then clears
  the mark: a retry after a lost answer or a crash sends them again, and a decision made meanwhile
  (the rep renaming the task back, say) knows what Salesforce may hold; when Salesforce answers that it
  took none of it (busy, down), the link is saved as it was before the decision, which the retry makes again;
- a Salesforce delete is sent before its tombstone is saved: a retry after a crash sends it again
  (harmless), where the other order would skip it as already applied.

A concurrent change (VersionConflict, ConcurrentUpdate, TaskNotFound) is raised for the use case to read
again and decide again.

In three steps, so that a batch of decisions shares its Salesforce calls (``reminder_batches``):
``stage`` does everything before the Salesforce write, ``send`` makes the writes of many staged
decisions in one call per kind, ``finish`` does everything after one write's result.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import ReminderTask, Tombstone
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
from tasksync.ports.salesforce import ErrorKind, SalesforceError, SalesforceGateway, WriteResult
from tasksync.use_cases.services import SyncServices
from tasksync.use_cases.sync_errors import record_refusal

Change = TypeVar("Change")


class SalesforceRecordDeleted(Exception):
    """An update met ENTITY_IS_DELETED / NOT_FOUND: the record is gone, and so the SIA task must go."""

    def __init__(self, sf_id: str) -> None:
        super().__init__(sf_id)
        self.sf_id = sf_id


@dataclass(frozen=True)
class StagedWrite:
    """A decision carried out up to its Salesforce write."""

    action: SalesforceAction
    link: SyncLink | None
    """The link to save once the write landed."""
    saved: SyncLink | None
    """The link as saved before the write (a create's pending link, an update's with its writes unsent)."""
    refused: SyncLink | None
    """The link to save instead when Salesforce refuses the write for good."""
    not_taken: SyncLink | None = None
    """The link to save again when Salesforce answers that it took none of the write, for now."""


def carry_out(
    decision: Decision,
    ctx: SyncContext,
    services: SyncServices,
    read: ReminderTask | None = None,
    *,
    absent: bool = False,
    over: Tombstone | None = None,
) -> None:
    """``read``: the SIA task as the decision saw it, if it was read; ``absent``: not read, because none
    can be there (the rep has no link to the record, and the sync makes a copy only with its link); ``over``:
    the tombstone read where the task was, which a copy brought back (UNDELETE, a rejoin) is made over."""
    staged = stage(decision, ctx, services, read, absent=absent, over=over)
    if staged is not None:
        (result,) = send([staged], services.salesforce(ctx.settings))
        finish(staged, result, ctx, services)


def stage(
    decision: Decision,
    ctx: SyncContext,
    services: SyncServices,
    read: ReminderTask | None = None,
    *,
    absent: bool = False,
    over: Tombstone | None = None,
) -> StagedWrite | None:
    """Everything before the Salesforce write; None when the decision writes nothing to Salesforce."""
    # Conflicts first, keyed by the changes that met: a crash before the link is saved decides again and
    # records them again under the same key, where recording them last could lose them.
    for conflict in decision.conflicts:
        services.errors.record_error(conflict)
    link, refused, action = decision.link, decision.if_refused, decision.salesforce
    # An update's writes are saved unsent before they are sent: a retry after a lost answer or a crash sends
    # them again, and every decision meanwhile knows what Salesforce may hold. With the SIA task's change in
    # one write, so that no crash leaves the sync's own SIA change without the link that says it is the sync's.
    pending = (
        link.updated(unsent=tuple(action.update.values)) if link and isinstance(action, UpdateSalesforceTask) else link
    )
    written = None
    if pending is not None and not isinstance(action, CreateSalesforceTask | DeleteSalesforceTask):
        written = _write_with_link(decision.reminder, read, absent, over, pending, ctx, services)
    if written is not None:
        if action is None:
            return None
        made = {"sia_version": written.sia_version, "copy_version": written.copy_version}
        return StagedWrite(
            action=action,
            link=link.updated(**made) if link else None,
            saved=written,
            refused=refused.updated(**made) if refused else None,
            not_taken=decision.if_not_taken,
        )
    if decision.reminder is not None:
        version = _apply_reminder(decision.reminder, ctx, services)
        made = {"copy_version": version} if isinstance(decision.reminder, CreateReminder) else {}
        link = link.updated(sia_version=version, **made) if link else None
        refused = refused.updated(sia_version=version, **made) if refused else None
    if action is None:
        if link is not None:
            _save(link, services)
        return None
    saved: SyncLink | None = None
    match action:
        case CreateSalesforceTask():
            if link is None:
                raise ValueError("a Salesforce create needs the link it creates the record for")
            # Saved first, so that the create's own CDC event finds it by the external id; and only while
            # the SIA task lives, so that a late event of a task deleted since makes no record.
            saved = services.linked.save_create_link(link.updated(saved_at=services.clock()))
        case UpdateSalesforceTask() if pending is not None:
            saved = _save(pending, services)
    return StagedWrite(action=action, link=link, saved=saved, refused=refused, not_taken=decision.if_not_taken)


def send(writes: Sequence[StagedWrite], gateway: SalesforceGateway) -> list[WriteResult]:
    """The writes' results, in order, with one gateway call per kind (sObject Collections, 200 records a
    call). A call that fails whole gives each of its writes that error; a revoked grant is raised."""
    results: list[WriteResult | None] = [None] * len(writes)
    creates = [(i, w.action.create) for i, w in enumerate(writes) if isinstance(w.action, CreateSalesforceTask)]
    updates = [(i, w.action.update) for i, w in enumerate(writes) if isinstance(w.action, UpdateSalesforceTask)]
    deletes = [(i, w.action.sf_id) for i, w in enumerate(writes) if isinstance(w.action, DeleteSalesforceTask)]
    _sent(creates, gateway.create_tasks, results)
    _sent(updates, gateway.update_tasks, results)
    _sent(deletes, gateway.delete_tasks, results)
    return [result for result in results if result is not None]


def _sent(
    items: list[tuple[int, Change]],
    write: Callable[[Sequence[Change]], list[WriteResult]],
    into: list[WriteResult | None],
) -> None:
    if not items:
        return
    try:
        answers = write([item for _, item in items])
    except SalesforceError as error:
        if error.kind is ErrorKind.AUTH:
            raise
        answers = [WriteResult(None, error)] * len(items)
    if len(answers) != len(items):
        raise ValueError(f"{len(answers)} results for {len(items)} Salesforce writes")
    for (index, _), answer in zip(items, answers, strict=True):
        into[index] = answer


def finish(staged: StagedWrite, result: WriteResult, ctx: SyncContext, services: SyncServices) -> None:
    """Everything after the write. A refusal is recorded for the user; an update's link is then saved
    without the write (``refused``), so that a later change of the field tries it again."""
    action, link, saved = staged.action, staged.link, staged.saved
    error = result.error
    if isinstance(action, DeleteSalesforceTask) and error is not None and error.kind is ErrorKind.ALREADY_DELETED:
        error = None
    if error is None:
        match action:
            case CreateSalesforceTask():
                assert saved is not None  # staged with its pending link
                _save(saved.updated(sf_id=result.sf_id), services)
            case UpdateSalesforceTask(update):
                if saved is not None and link is not None:
                    answered = link.answered(update.values, services.clock())
                    _save(answered.updated(revision=saved.revision), services)
            case DeleteSalesforceTask():
                if link is not None:
                    _save(link, services)
        return
    if error.kind in (ErrorKind.TRANSIENT, ErrorKind.AUTH):
        if error.nothing_written and saved is not None and staged.not_taken is not None:
            # Nothing was written: the link says so again, and the retry decides from there.
            _save(staged.not_taken.updated(revision=saved.revision), services)
        raise error
    deleted = (
        action.update.sf_id
        if error.kind is ErrorKind.ALREADY_DELETED and isinstance(action, UpdateSalesforceTask)
        else None
    )
    if deleted is None:
        # Recorded first: once the link says the write did not happen, a retry of the event finds it applied
        # and would not record the refusal again.
        sia_id, linked_id = (link.sia_id, link.sf_id) if link else (None, None)
        record_id = _sf_id_of(action) or linked_id
        record_refusal(error, SyncErrorKind.PERMANENT, ctx.settings, services, sia_id=sia_id, sf_id=record_id)
    if saved is not None and staged.refused is not None:
        # The write did not happen: the link says so again (a record deleted, or a refusal).
        _save(staged.refused.updated(revision=saved.revision), services)
    if deleted is not None:
        raise SalesforceRecordDeleted(deleted) from error


def _save(link: SyncLink, services: SyncServices) -> SyncLink:
    """Stamped with the time of the save, which comes after the Salesforce write the link records."""
    return services.links.save_link(link.updated(saved_at=services.clock()))


def _write_with_link(
    action: ReminderAction | None,
    read: ReminderTask | None,
    absent: bool,
    over: Tombstone | None,
    link: SyncLink,
    ctx: SyncContext,
    services: SyncServices,
) -> SyncLink | None:
    """The SIA task's change and the link's save as one write, when the task was read at the version the
    action expects, a first copy is made where none can be, or a copy comes back over the tombstone
    read: the saved link; None for any other action."""
    # Stamped only where it is saved: most decisions take another way, and each copy of a link costs.
    if isinstance(action, CreateReminder):
        first = absent and action.version == 1
        above = over is not None and action.version == over.version + 1
        if not (first or above):
            return None
        task = ReminderTask.created(ctx.user_id, action.task_id, action.values, ctx.now, action.version)
        under = over.version if above and over is not None else None
        made = link.updated(saved_at=services.clock(), copy_version=task.version)
        return services.linked.create_with_link(task, made, over=under)
    if read is None or action is None or action.task_id != read.id:
        return None
    match action:
        case UpdateReminder(_, changes, expected_version) if expected_version == read.version:
            return services.linked.update_with_link(read, changes, ctx.now, link.updated(saved_at=services.clock()))
        case DeleteReminder(_, expected_version) if expected_version == read.version:
            return services.linked.delete_with_link(read, ctx.now, link.updated(saved_at=services.clock()))
    return None


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
        case DeleteReminder(task_id, expected_version):
            try:
                return store.delete(user, task_id, Origin.SYNC, ctx.now, expected_version).version
            except TaskNotFound:
                existing = store.get(user, task_id)
                return existing.version if existing else 0


def _sf_id_of(action: SalesforceAction) -> str | None:
    match action:
        case UpdateSalesforceTask(update):
            return update.sf_id
        case DeleteSalesforceTask(sf_id):
            return sf_id
        case CreateSalesforceTask():
            return None
