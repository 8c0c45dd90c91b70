"""What must hold once every delivery has been made (SPEC sections 2 to 7)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import timedelta

from tasksync.domain.eligibility import ineligibility
from tasksync.domain.field_map import SIA_FIELD, UNSYNCED, FieldMap
from tasksync.domain.reminder_events import Origin, ReminderEventKind
from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.salesforce_task import Picklists, SalesforceField, SalesforceTask
from tasksync.domain.subject_template import render_subject
from tasksync.domain.sync_link import LinkState
from tests.sim.scenario import DUE_DATES, Oracle
from tests.sim.world import REPS, World

FIELD_MAP = FieldMap.from_picklists(Picklists.stock())
WRITES_PER_USER_OP = 4


def violations(world: World, oracle: Oracle) -> list[str]:
    restored = {
        (event.task.user_id, event.task.id)
        for event in world.sia.events
        if event.origin is Origin.SYNC and event.kind is ReminderEventKind.CREATED and event.task.version > 1
    }
    found: list[str] = []
    for user, sf_user in REPS.items():
        found += _rep_violations(world, oracle, user, sf_user, restored)

    # No duplicates: one Salesforce record per pushed SIA task.
    external = Counter(
        task.external_id
        for task in [*world.org.records.values(), *(t for t, _ in world.org.recycle_bin.values())]
        if task.external_id
    )
    found += [f"{ext}: {count} Salesforce tasks for one SIA task" for ext, count in external.items() if count > 1]
    found += [f"{ext}: created before sync was on, yet in Salesforce" for ext in external if ext in oracle.local_only]

    # No echo loops: the sync's own writes stay within a bound of what the users did.
    sync_writes = world.org.writes_by_client + sum(1 for e in world.sia.events if e.origin is Origin.SYNC)
    bound = WRITES_PER_USER_OP * oracle.user_ops + 2 * world.redeliveries + 10
    if sync_writes > bound:
        found.append(f"{sync_writes} sync writes for {oracle.user_ops} user actions: an echo loop?")
    return found


def _rep_violations(world: World, oracle: Oracle, user: str, sf_user: str, restored: set[tuple[str, str]]) -> list[str]:
    found: list[str] = []
    template = world.settings(user).subject_template

    def subjects_of(sf_id: str) -> set[str]:
        """Every Subject the record ever had, by whoever wrote it (an import takes the one it has then)."""
        return {
            (change.task.subject or "").strip() or "(no subject)"
            for change in world.org.feed
            if change.sf_id == sf_id and "Subject" in change.carried
        }

    sia = {task.id: task for task in world.sia.list(user)}
    records = world.org.records
    links = {link.sia_id: link for (owner, _), link in world.state.links.items() if owner == user}
    active = {link.sf_id: link for link in links.values() if link.state is LinkState.ACTIVE and link.sf_id}

    # Every reminder task of the rep in Salesforce has exactly one SIA task, and agrees with it; no other
    # record shows in the rep's list.
    for sf_id, record in records.items():
        link = active.get(sf_id)
        task = sia.get(link.sia_id) if link else None
        if ineligibility(record, sf_user) is not None:
            if task is not None:
                found.append(f"{user}/{sf_id}: not a reminder of the rep, yet SIA task {task.id} shows it")
            continue
        if sf_id in oracle.untouched:
            if task is not None:
                found.append(f"{user}/{sf_id}: untouched for over 24 hours before sync, yet imported")
            continue
        if task is None:
            found.append(f"{user}/{sf_id}: a reminder task in Salesforce with no SIA task")
            continue
        found += _disagreements(task, record, oracle, template, (user, task.id) in restored, subjects_of)

    # Every SIA task is local-only or linked to a live reminder record; local-only ones never reach SF.
    linked_ids = {link.sia_id for link in active.values()}
    for task_id in sia:
        if task_id in oracle.local_only:
            if task_id in links:
                found.append(f"{user}/{task_id}: created before sync was on, yet linked")
        elif task_id not in linked_ids or active_record(links[task_id].sf_id, records) is None:
            found.append(f"{user}/{task_id}: SIA task without a live Salesforce task")
    by_sf = Counter(link.sf_id for link in links.values() if link.sf_id)
    found += [f"{user}/{sf_id}: linked {count} times" for sf_id, count in by_sf.items() if count > 1]

    # Deletes stay deleted, unless Salesforce undeleted (or reassigned) the record afterwards.
    for (deleter, task_id), deleted_at in oracle.sia_deleted.items():
        if deleter != user:
            continue
        link = links.get(task_id)
        linked = link.sf_id if link else None
        # Salesforce's clock is the org's, apart from the sync's by its skew: an undelete that close to the
        # rep's delete is a race either side may win (SPEC 7's margin).
        race = abs(world.org.skew) + timedelta(seconds=2)
        if linked and oracle.sf_undeleted.get(linked, deleted_at) > deleted_at - race:
            continue
        if task_id in sia:
            found.append(f"{user}/{task_id}: deleted in SIA, yet back")
        # A record that left the rep's reminders (reassigned) is someone else's to delete.
        if linked and linked in records and ineligibility(records[linked], sf_user) is None:
            found.append(f"{user}/{task_id}: deleted in SIA, yet {linked} lives in Salesforce")
    return found


def active_record(sf_id: str | None, records: dict[str, SalesforceTask]) -> SalesforceTask | None:
    return records.get(sf_id) if sf_id else None


def _disagreements(
    task: ReminderTask,
    record: SalesforceTask,
    oracle: Oracle,
    template: str,
    restored: bool,
    subjects_of: Callable[[str], set[str]],
) -> list[str]:
    found = []
    for sf_field in (
        SalesforceField.STATUS,
        SalesforceField.PRIORITY,
        SalesforceField.ACTIVITY_DATE,
        SalesforceField.DESCRIPTION,
    ):
        field = SIA_FIELD[sf_field]
        value = record.value(sf_field)
        in_sia = FIELD_MAP.to_sia(field, value or None if isinstance(value, str) else value)
        if in_sia is not UNSYNCED and in_sia != getattr(task, field):
            found.append(f"{task.id}/{record.id}: {field} is {getattr(task, field)!r} in SIA, {value!r} in SF")
    expected_name = oracle.sia_names.get((task.user_id, task.id))
    # A copy the sync brought back (undelete, rejoin) carries the name the link last knew, which a rename
    # racing the delete and a crash may not have reached.
    if expected_name is not None and task.name != expected_name and not restored:
        found.append(f"{task.id}: name {task.name!r}, but the SIA user named it {expected_name!r}")
    if expected_name is None and task.name not in subjects_of(record.id):
        found.append(f"{task.id}: name {task.name!r} is none of the Subjects {record.id} had")
    if task.id in oracle.pushed and record.id not in oracle.subject_edited | oracle.reassigned:
        # The Subject is rendered when SIA's own changes alter it, so a due date Salesforce moved may lag
        # in it; the name is always the rep's latest (SPEC section 3).
        rendered = {render_subject(template, task.model_copy(update={"due_date": due})) for due in DUE_DATES}
        if record.subject not in rendered:
            found.append(f"{task.id}/{record.id}: Subject {record.subject!r}, rendered one of {sorted(rendered)}")
    return found
