"""The sync's change of an SIA task and its link's save, in one transaction across the two tables: both
land, or neither does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tasksync.adapters.dynamodb.link_repository import DynamoDBLinkRepository
from tasksync.adapters.dynamodb.linked_task_writes import DynamoDBLinkedTaskWrites
from tasksync.adapters.dynamodb.reminder_task_store import DynamoDBReminderTaskStore
from tasksync.domain.reminder_events import Origin, ReminderEventKind
from tasksync.domain.reminder_task import Priority, ReminderTask, Status, TaskField, TaskValues
from tasksync.ports.linked_writes import TaskGoneSince
from tasksync.ports.reminder_tasks import VersionConflict
from tasksync.ports.sync_state import ConcurrentUpdate
from tests.integration.dynamodb.conftest import NOW
from tests.integration.dynamodb.test_link_repository import SF_TASK, link
from tests.integration.dynamodb.test_reminder_stream import events_of, stream_records

LATER = NOW + timedelta(minutes=1)
VALUES = TaskValues(name="Call Ada", priority=Priority.HIGH)


@pytest.fixture
def linked(task_store: DynamoDBReminderTaskStore, link_repository: DynamoDBLinkRepository) -> DynamoDBLinkedTaskWrites:
    return DynamoDBLinkedTaskWrites(task_store, link_repository)


def test_an_update_writes_the_task_and_saves_the_link_with_the_tasks_new_version(
    linked: DynamoDBLinkedTaskWrites,
    task_store: DynamoDBReminderTaskStore,
    link_repository: DynamoDBLinkRepository,
    dynamodb: Any,
    tables: dict[str, str],
) -> None:
    read = task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    stored = link_repository.save_link(link(sf_id=SF_TASK))

    saved = linked.update_with_link(read, {TaskField.STATUS: Status.COMPLETE}, LATER, stored)

    task = task_store.get("u1", "t1")
    assert task is not None and (task.status, task.version) == (Status.COMPLETE, 2)
    assert saved.sia_version == 2 and saved.revision == stored.revision + 1
    assert link_repository.link_by_sf_id("u1", SF_TASK) == saved == link_repository.link_by_sia_id("u1", "t1")
    last = events_of(stream_records(dynamodb, tables["ReminderTaskTable"]))[-1]
    assert last is not None and (last.kind, last.origin, last.task.version) == (
        ReminderEventKind.COMPLETED,
        Origin.SYNC,
        2,
    )


def test_a_link_changed_since_it_was_read_writes_neither(
    linked: DynamoDBLinkedTaskWrites, task_store: DynamoDBReminderTaskStore, link_repository: DynamoDBLinkRepository
) -> None:
    read = task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    stale = link_repository.save_link(link(sf_id=SF_TASK))
    moved = link_repository.save_link(stale)  # another input's save

    with pytest.raises(ConcurrentUpdate):
        linked.delete_with_link(read, LATER, stale)

    assert task_store.get("u1", "t1") == read
    assert link_repository.link_by_sia_id("u1", "t1") == moved


def test_a_task_changed_since_it_was_read_writes_neither(
    linked: DynamoDBLinkedTaskWrites, task_store: DynamoDBReminderTaskStore, link_repository: DynamoDBLinkRepository
) -> None:
    read = task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    stored = link_repository.save_link(link(sf_id=SF_TASK))
    edited = task_store.update("u1", "t1", {TaskField.NAME: "Call Ada today"}, Origin.USER, LATER)

    with pytest.raises(VersionConflict):
        linked.update_with_link(read, {TaskField.PRIORITY: Priority.NORMAL}, LATER, stored)

    assert task_store.get("u1", "t1") == edited
    assert link_repository.link_by_sia_id("u1", "t1") == stored


def test_a_task_deleted_since_it_was_read_is_not_deleted_again(
    linked: DynamoDBLinkedTaskWrites, task_store: DynamoDBReminderTaskStore, link_repository: DynamoDBLinkRepository
) -> None:
    read = task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    stored = link_repository.save_link(link(sf_id=SF_TASK))
    task_store.delete("u1", "t1", Origin.USER, LATER)

    with pytest.raises(VersionConflict):
        linked.delete_with_link(read, LATER, stored)

    tombstone = task_store.tombstone("u1", "t1")
    assert tombstone is not None and (tombstone.version, tombstone.deleted_by) == (2, "user")
    assert link_repository.link_by_sia_id("u1", "t1") == stored


def test_a_first_copy_is_made_with_its_link_where_no_item_is(
    linked: DynamoDBLinkedTaskWrites, task_store: DynamoDBReminderTaskStore, link_repository: DynamoDBLinkRepository
) -> None:
    task = ReminderTask.created("u1", "t1", VALUES, NOW)

    saved = linked.create_with_link(task, link(sf_id=SF_TASK))

    assert task_store.get("u1", "t1") == task
    assert link_repository.link_by_sf_id("u1", SF_TASK) == saved and saved.sia_version == 1


@pytest.mark.parametrize("there", ["a live task", "a tombstone"])
def test_a_first_copy_is_not_made_over_an_item(
    linked: DynamoDBLinkedTaskWrites,
    task_store: DynamoDBReminderTaskStore,
    link_repository: DynamoDBLinkRepository,
    there: str,
) -> None:
    task_store.create("u1", "t1", VALUES, Origin.SYNC, NOW)
    if there == "a tombstone":
        task_store.delete("u1", "t1", Origin.USER, NOW)

    with pytest.raises(VersionConflict):
        linked.create_with_link(ReminderTask.created("u1", "t1", VALUES, LATER), link(sf_id=SF_TASK))

    assert link_repository.link_by_sia_id("u1", "t1") is None
    assert link_repository.link_by_sf_id("u1", SF_TASK) is None


def test_a_copy_comes_back_over_the_tombstone_it_read_and_not_over_a_later_one(
    linked: DynamoDBLinkedTaskWrites, task_store: DynamoDBReminderTaskStore, link_repository: DynamoDBLinkRepository
) -> None:
    task_store.create("u1", "t1", VALUES, Origin.SYNC, NOW)
    task_store.delete("u1", "t1", Origin.SYNC, NOW)  # the tombstone at version 2
    copy = ReminderTask.created("u1", "t1", VALUES, LATER, version=3)

    with pytest.raises(VersionConflict):
        linked.create_with_link(copy, link(sf_id=SF_TASK), over=1)  # read at another version: refused
    saved = linked.create_with_link(copy, link(sf_id=SF_TASK), over=2)

    assert task_store.get("u1", "t1") == copy and saved.sia_version == 3
    with pytest.raises(VersionConflict):
        linked.create_with_link(copy, link(sf_id=SF_TASK).updated(revision=saved.revision), over=2)  # live now


def test_a_creates_pending_link_is_saved_while_its_task_lives(
    linked: DynamoDBLinkedTaskWrites, task_store: DynamoDBReminderTaskStore, link_repository: DynamoDBLinkRepository
) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)

    saved = linked.save_create_link(link())

    assert link_repository.link_by_sia_id("u1", "t1") == saved and saved.revision == 1


@pytest.mark.parametrize("there", ["a tombstone", "no item"])
def test_a_creates_pending_link_is_not_saved_once_its_task_is_gone(
    linked: DynamoDBLinkedTaskWrites,
    task_store: DynamoDBReminderTaskStore,
    link_repository: DynamoDBLinkRepository,
    there: str,
) -> None:
    if there == "a tombstone":
        task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
        task_store.delete("u1", "t1", Origin.USER, LATER)

    with pytest.raises(TaskGoneSince):
        linked.save_create_link(link())

    assert link_repository.link_by_sia_id("u1", "t1") is None


def test_a_creates_pending_link_saved_since_is_a_concurrent_update(
    linked: DynamoDBLinkedTaskWrites, task_store: DynamoDBReminderTaskStore, link_repository: DynamoDBLinkRepository
) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    moved = link_repository.save_link(link())  # another attempt's save

    with pytest.raises(ConcurrentUpdate):
        linked.save_create_link(link())

    assert link_repository.link_by_sia_id("u1", "t1") == moved
