"""Apply a batch of SIA reminder-task events to Salesforce, a connection's writes shared (SPEC 6).

Each task is synced once per batch, from its latest event (the highest version: an older one, or a
duplicate, changes nothing the latest does not), so order and redeliveries within a batch do not matter,
and the engine drops what is stale across batches. Each rep's tasks are decided one by one and their
Salesforce writes sent together, with the rep's own grant: the creates of a batch cost ceil(n / 200)
sObject Collections calls, the updates and the deletes as much again each. What cannot go the shared
way (an event that needs the record read first, a concurrent change) goes through
``apply_reminder_event`` alone; the creates whose answer was lost learn their fate in one lookup, and the
edits sent late (or whose write never answered) read their records in one lookup and are decided with them.
A task's failure fails that task's events only.
"""

from __future__ import annotations

import contextlib
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from tasksync.domain.clocks import SENT_LATE
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent
from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_error import SyncError, SyncErrorKind
from tasksync.domain.sync_link import LinkState, SyncLink
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import Decision, SkipReason
from tasksync.engine.from_reminders import decide_reminder_event, decide_while_paused
from tasksync.engine.from_salesforce import decide_salesforce_change
from tasksync.engine.merge import reminder_changes
from tasksync.ports.reminder_tasks import TaskNotFound, VersionConflict
from tasksync.ports.salesforce import ErrorKind, SalesforceError
from tasksync.ports.sync_state import ConcurrentUpdate
from tasksync.use_cases.carry_out import SalesforceRecordDeleted, StagedWrite, finish, send, stage
from tasksync.use_cases.reminder_events import apply_reminder_event
from tasksync.use_cases.revoked_grant import pause_on_revoked_grant
from tasksync.use_cases.salesforce_changes import apply_salesforce_change
from tasksync.use_cases.services import SyncServices

_CONCURRENT = (ConcurrentUpdate, VersionConflict, TaskNotFound)


@dataclass
class BatchOutcome:
    """By event id: what was decided, or why it failed (its message is then retried)."""

    decisions: dict[str, Decision] = field(default_factory=dict)
    failed: dict[str, Exception] = field(default_factory=dict)


def apply_reminder_batch(events: Iterable[ReminderTaskEvent], services: SyncServices) -> BatchOutcome:
    """Every rep's events of a batch, rep by rep: one rep's trouble fails only that rep's events."""
    by_user: dict[str, list[ReminderTaskEvent]] = defaultdict(list)
    for event in events:
        by_user[event.task.user_id].append(event)
    outcome = BatchOutcome()
    for user, user_events in by_user.items():
        try:
            settings = services.settings.get_settings(user)
            if settings is None or not settings.syncing:
                # Off, paused or disconnected: neither direction runs, and nothing is asked of Salesforce.
                outcome.decisions.update(
                    (event.event_id, _while_stopped(event, settings, services)) for event in user_events
                )
                continue
            _apply_for_rep(user_events, settings, services, outcome)
        except Exception as error:  # this rep's events are retried; the other reps' go on
            outcome.failed.update((event.event_id, error) for event in user_events)
    return outcome


def _while_stopped(event: ReminderTaskEvent, settings: SyncSettings | None, services: SyncServices) -> Decision:
    """Only a paused rep's delete of a task not linked yet is kept, as its tombstone (``decide_while_paused``)."""
    if settings is None or event.kind is not ReminderEventKind.DELETED or not settings.enabled:
        return Decision.skip(SkipReason.SYNC_OFF)
    decision = decide_while_paused(event, services.links.link_by_sia_id(settings.user_id, event.task.id), settings)
    if decision.link is not None:
        with contextlib.suppress(ConcurrentUpdate):  # a link saved meanwhile knows more than the tombstone
            services.links.save_link(decision.link)
    return decision


def _apply_for_rep(
    events: Sequence[ReminderTaskEvent], settings: SyncSettings, services: SyncServices, outcome: BatchOutcome
) -> None:
    latest: dict[str, ReminderTaskEvent] = {}
    for event in events:
        current = latest.get(event.task.id)
        if current is None or event.task.version > current.task.version:
            latest[event.task.id] = event
    decided: dict[str, Decision] = {}
    failed: dict[str, Exception] = {}
    try:
        _apply_latest(list(latest.values()), settings, services, decided, failed)
    except SalesforceError as error:
        if error.kind is not ErrorKind.AUTH:
            raise
        # A revoked grant: the rep's sync stops in both directions until they reconnect (SPEC 7).
        pause_on_revoked_grant(error, settings, services)
        decided = dict.fromkeys(latest, Decision.skip(SkipReason.SYNC_OFF))
        failed = {}
    for task_id, failure in failed.items():
        _tell_of_retry(latest[task_id], failure, settings, services)
    for event in events:
        task_id = event.task.id
        if task_id in failed:
            outcome.failed[event.event_id] = failed[task_id]
        else:
            latest_event = latest[task_id]
            same = event is latest_event or event.event_id == latest_event.event_id
            outcome.decisions[event.event_id] = decided[task_id] if same else Decision.skip(SkipReason.STALE)


def _tell_of_retry(event: ReminderTaskEvent, error: Exception, settings: SyncSettings, services: SyncServices) -> None:
    """A change Salesforce could not take for now (busy, down, out of API calls past the gateway's
    retries) is retried by the queue; the rep sees it stands and that it will be retried. Recorded under
    the change's own time and key, so that each retry of it overwrites the one record."""
    if not isinstance(error, SalesforceError) or error.kind is not ErrorKind.TRANSIENT:
        return
    services.errors.record_error(
        SyncError(
            user_id=settings.user_id,
            kind=SyncErrorKind.TRANSIENT,
            occurred_at=event.occurred_at,
            message=f"Salesforce could not take the change for now; it will be retried ({error.message})"[:4_000],
            code=error.code,
            sia_id=event.task.id,
            key=f"transient/{event.event_id}",
        )
    )


def _links_settled(
    events: Sequence[ReminderTaskEvent], settings: SyncSettings, services: SyncServices, failed: dict[str, Exception]
) -> dict[str, SyncLink | None]:
    """Each task's link, after the creates whose answer was lost have learnt their fate, all in one
    lookup: a create that landed is applied as the record it made (edited or deleted since, maybe), and
    one that did not is sent again with the others."""
    links: dict[str, SyncLink | None] = {}
    for event in events:
        try:
            links[event.task.id] = services.links.link_by_sia_id(settings.user_id, event.task.id)
        except Exception as error:  # this task's events are retried
            failed[event.task.id] = error
    pending = [sia_id for sia_id, link in links.items() if link and link.create_unanswered]
    landed = services.salesforce(settings).find_by_external_ids(pending) if pending else {}
    read_at = services.clock()
    for sia_id, record in landed.items():
        try:
            apply_salesforce_change(SalesforceChange.of_record(record, read_at), settings, services)
            links[sia_id] = services.links.link_by_sia_id(settings.user_id, sia_id)
        except Exception as error:  # this task's events are retried
            failed[sia_id] = error
    return links


def _read_behind(
    events: Sequence[ReminderTaskEvent],
    links: dict[str, SyncLink | None],
    settings: SyncSettings,
    services: SyncServices,
    failed: dict[str, Exception],
) -> dict[str, SalesforceChange]:
    """By SIA id, the records of the rep's edits sent late (retried after Salesforce was down, a backlog) and
    of those whose last write never answered, read in one lookup (``get_tasks``: as many ids a call as a
    query URL holds): Salesforce may have changed them meanwhile, and the change's event may still be on its
    way, or lost. Written unread, the rep's older change would replace a later one (SPEC 7: the later change
    wins); decided with the record, the two are merged as a crossing."""
    now = services.clock()
    behind = {
        link.sf_id: event.task.id
        for event in events
        if event.kind in (ReminderEventKind.UPDATED, ReminderEventKind.COMPLETED)
        and event.origin is Origin.USER
        and (link := links.get(event.task.id)) is not None
        and link.sf_id is not None
        and link.state is LinkState.ACTIVE
        and event.task.id not in failed
        and (
            (bool(link.unsent) and event.task.version >= link.sia_version)
            or (event.task.version > link.sia_version and _carries_late_edits(event, link, now))
        )
    }
    if not behind:
        return {}
    by_id = {sf_id[:15]: sia_id for sf_id, sia_id in behind.items()}  # an id of 15 or 18 characters
    try:
        records = services.salesforce(settings).get_tasks(list(behind), include_deleted=True)
    except SalesforceError as error:
        if error.kind is ErrorKind.AUTH:
            raise  # the rep's sync pauses (_apply_for_rep)
        failed.update(dict.fromkeys(behind.values(), error))  # these tasks' events are retried
        return {}
    return {by_id[record.id[:15]]: SalesforceChange.of_record(record, now) for record in records}


def _carries_late_edits(event: ReminderTaskEvent, link: SyncLink, now: datetime) -> bool:
    """Whether the task the event carries holds a change of the rep's not agreed yet and older than
    ``SENT_LATE``: the event may be a later edit's, sent on time, with an earlier edit's whose own event
    failed (sim seed 4194: a due date 8 minutes old, written unread over a Salesforce user's, with no
    conflict recorded)."""
    return any(now - change.at > SENT_LATE for change in reminder_changes(link, event.task).values())


def _apply_latest(
    events: Sequence[ReminderTaskEvent],
    settings: SyncSettings,
    services: SyncServices,
    decided: dict[str, Decision],
    failed: dict[str, Exception],
) -> None:
    ctx = services.context(settings)
    staged: list[tuple[ReminderTaskEvent, Decision, StagedWrite]] = []
    alone: list[ReminderTaskEvent] = []
    links = _links_settled(events, settings, services, failed)
    records = _read_behind(events, links, settings, services, failed)
    for event in events:
        task_id = event.task.id
        if task_id in failed:
            continue
        try:
            record = records.get(task_id)
            current = services.reminders.get(settings.user_id, task_id) if record is not None else None
            if record is not None and current is not None:
                # The task as it is now against the record as it is: both sides' changes in one merge, the
                # SIA write saved with its link (a later edit of the rep's may be in the store already).
                decision = decide_salesforce_change(record, links[task_id], current, ctx)
            else:
                decision = decide_reminder_event(event, links[task_id], ctx)
            if decision.skipped is SkipReason.NEEDS_RECORD or (record is not None and current is None):
                alone.append(event)
                continue
            write = stage(decision, ctx, services, read=current)
        except _CONCURRENT:
            alone.append(event)
            continue
        except Exception as error:  # this task's events are retried
            failed[task_id] = error
            continue
        if write is None:
            decided[task_id] = decision
        else:
            staged.append((event, decision, write))
    results = send([write for _, _, write in staged], services.salesforce(settings)) if staged else []
    for (event, decision, write), result in zip(staged, results, strict=True):
        task_id = event.task.id
        try:
            try:
                finish(write, result, ctx, services)
                decided[task_id] = decision
            except SalesforceRecordDeleted as gone:
                # Updating a record Salesforce has deleted: the delete wins on the SIA side too.
                change = SalesforceChange.inferred_deletion(gone.sf_id, services.clock())
                decided[task_id] = apply_salesforce_change(change, settings, services)
        except _CONCURRENT:
            alone.append(event)
        except Exception as error:  # this task's events are retried
            failed[task_id] = error
    for event in alone:
        try:
            if (record := records.get(event.task.id)) is not None:
                # Read already: the record decides first, on what the store and the link say now, so that
                # the event's own decision never writes the rep's change unread.
                apply_salesforce_change(record, settings, services)
            decided[event.task.id] = apply_reminder_event(event, settings, services)
        except Exception as error:
            failed[event.task.id] = error
