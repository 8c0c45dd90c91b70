"""The SIA reminder-task store on DynamoDB: conditional writes, versions, tombstones."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from tasksync.adapters.dynamodb.item_codec import from_item
from tasksync.adapters.dynamodb.reminder_task_store import DynamoDBReminderTaskStore
from tasksync.domain.reminder_events import Origin
from tasksync.domain.reminder_task import Priority, ReminderTask, Status, TaskField, TaskValues
from tasksync.ports.reminder_tasks import TaskAlreadyExists, TaskDeletedSince, TaskNotFound, VersionConflict
from tests.integration.dynamodb.conftest import NOW

LATER = NOW + timedelta(minutes=10)
VALUES = TaskValues(name="Call Ada", priority=Priority.HIGH, due_date=date(2024, 6, 4), details="about the renewal")


def stored_item(dynamodb: Any, tables: dict[str, str], task_id: str, user_id: str = "u1") -> dict[str, Any]:
    key = {"user_id": {"S": user_id}, "task_id": {"S": task_id}}
    return from_item(dynamodb.get_item(TableName=tables["ReminderTaskTable"], Key=key)["Item"])


def test_a_created_task_reads_back(task_store: DynamoDBReminderTaskStore) -> None:
    created = task_store.create("u1", "t1", VALUES, Origin.USER, NOW)

    assert created == ReminderTask(
        id="t1", user_id="u1", created_at=NOW, updated_at=NOW, version=1, **VALUES.model_dump()
    )
    assert task_store.get("u1", "t1") == created
    assert task_store.get("u2", "t1") is None
    assert task_store.get("u1", "t2") is None


def test_creating_an_existing_task_is_refused(task_store: DynamoDBReminderTaskStore) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    with pytest.raises(TaskAlreadyExists):
        task_store.create("u1", "t1", TaskValues(name="Another"), Origin.SYNC, LATER)
    task = task_store.get("u1", "t1")
    assert task is not None and task.name == "Call Ada"


def test_the_item_records_the_origin_and_kind_of_its_last_change(
    task_store: DynamoDBReminderTaskStore, dynamodb: Any, tables: dict[str, str]
) -> None:
    task_store.create("u1", "t1", VALUES, Origin.SYNC, NOW)
    item = stored_item(dynamodb, tables, "t1")
    assert (item["origin"], item["last_event"], item["version"]) == ("sync", "created", 1)

    task_store.update("u1", "t1", {TaskField.STATUS: Status.COMPLETE}, Origin.USER, LATER)
    item = stored_item(dynamodb, tables, "t1")
    assert (item["origin"], item["last_event"], item["version"]) == ("user", "completed", 2)


def test_list_holds_a_users_live_tasks(task_store: DynamoDBReminderTaskStore) -> None:
    for task_id in ("t3", "t1", "t2"):
        task_store.create("u1", task_id, VALUES, Origin.USER, NOW)
    task_store.create("u2", "t9", VALUES, Origin.USER, NOW)
    task_store.delete("u1", "t2", Origin.USER, LATER)

    assert [task.id for task in task_store.list("u1")] == ["t1", "t3"]
    assert task_store.list("nobody") == []


def test_an_update_changes_the_named_fields_and_moves_the_version(task_store: DynamoDBReminderTaskStore) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)

    updated = task_store.update(
        "u1",
        "t1",
        {TaskField.DUE_DATE: date(2024, 6, 7), TaskField.DETAILS: ""},
        Origin.SYNC,
        LATER,
        expected_version=1,
    )

    assert updated.version == 2
    assert (updated.due_date, updated.details, updated.name, updated.priority) == (
        date(2024, 6, 7),
        "",
        "Call Ada",
        Priority.HIGH,
    )
    assert (updated.created_at, updated.updated_at) == (NOW, LATER)
    assert task_store.get("u1", "t1") == updated


def test_an_update_at_another_version_is_a_version_conflict(task_store: DynamoDBReminderTaskStore) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    task_store.update("u1", "t1", {TaskField.NAME: "Call Ada today"}, Origin.USER, LATER)

    with pytest.raises(VersionConflict):
        task_store.update("u1", "t1", {TaskField.NAME: "Stale"}, Origin.SYNC, LATER, expected_version=1)
    task = task_store.get("u1", "t1")
    assert task is not None and task.name == "Call Ada today" and task.version == 2


def test_an_invalid_change_is_refused_and_writes_nothing(task_store: DynamoDBReminderTaskStore) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    with pytest.raises(ValidationError):
        task_store.update("u1", "t1", {TaskField.NAME: ""}, Origin.USER, LATER)
    task = task_store.get("u1", "t1")
    assert task is not None and task.version == 1 and task.name == "Call Ada"


def test_changing_an_unknown_task_is_task_not_found(task_store: DynamoDBReminderTaskStore) -> None:
    with pytest.raises(TaskNotFound):
        task_store.update("u1", "t1", {TaskField.NAME: "x"}, Origin.USER, NOW)
    with pytest.raises(TaskNotFound):
        task_store.delete("u1", "t1", Origin.USER, NOW)


def test_a_delete_returns_the_task_one_version_on_and_hides_it(task_store: DynamoDBReminderTaskStore) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)

    gone = task_store.delete("u1", "t1", Origin.SYNC, LATER, expected_version=1)

    assert (gone.version, gone.updated_at, gone.name) == (2, LATER, "Call Ada")
    assert task_store.get("u1", "t1") is None
    with pytest.raises(TaskNotFound):
        task_store.update("u1", "t1", {TaskField.NAME: "Resurrected"}, Origin.USER, LATER)
    with pytest.raises(TaskNotFound):
        task_store.delete("u1", "t1", Origin.USER, LATER)


def test_a_delete_at_another_version_is_a_version_conflict(task_store: DynamoDBReminderTaskStore) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    task_store.update("u1", "t1", {TaskField.PRIORITY: Priority.NORMAL}, Origin.USER, LATER)
    with pytest.raises(VersionConflict):
        task_store.delete("u1", "t1", Origin.SYNC, LATER, expected_version=1)
    assert task_store.get("u1", "t1") is not None


def test_a_deleted_task_leaves_a_tombstone_that_expires(
    task_store: DynamoDBReminderTaskStore, dynamodb: Any, tables: dict[str, str]
) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    task_store.delete("u1", "t1", Origin.USER, LATER)

    item = stored_item(dynamodb, tables, "t1")
    ttl = dynamodb.describe_time_to_live(TableName=tables["ReminderTaskTable"])["TimeToLiveDescription"]
    assert (item["origin"], item["last_event"], item["version"]) == ("user", "deleted", 2)
    assert item[ttl["AttributeName"]] == int((LATER + timedelta(days=30)).timestamp())


def test_a_tombstone_tells_who_deleted_the_task_when_and_its_last_values(task_store: DynamoDBReminderTaskStore) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    task_store.update("u1", "t1", {TaskField.STATUS: Status.COMPLETE}, Origin.USER, NOW)
    task_store.delete("u1", "t1", Origin.USER, LATER)

    tombstone = task_store.tombstone("u1", "t1")

    assert tombstone is not None
    assert (tombstone.version, tombstone.deleted_by, tombstone.deleted_at) == (3, "user", LATER)
    assert tombstone.values == VALUES.model_copy(update={"status": Status.COMPLETE})


def test_a_task_restored_under_its_old_id_continues_its_numbering(task_store: DynamoDBReminderTaskStore) -> None:
    # Given a task deleted at version 3 (Salesforce DELETE), whose old events may still arrive
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    task_store.update("u1", "t1", {TaskField.NAME: "Renamed"}, Origin.USER, NOW)
    task_store.delete("u1", "t1", Origin.SYNC, LATER)

    # When it is created again (Salesforce UNDELETE) above the deleted task's versions
    restored = task_store.create("u1", "t1", VALUES, Origin.SYNC, LATER, version=4)

    # Then it is live again, and the old task's events stay stale
    assert restored.version == 4
    assert task_store.get("u1", "t1") == restored


def test_a_create_at_or_below_a_tombstone_says_the_copy_was_deleted_since(
    task_store: DynamoDBReminderTaskStore,
) -> None:
    # Given a copy the sync made at version 1 (its answer lost) that the rep deleted (version 2)
    task_store.create("u1", "t1", VALUES, Origin.SYNC, NOW)
    task_store.delete("u1", "t1", Origin.USER, LATER)

    # When the sync's retry creates it again at version 1
    with pytest.raises(TaskDeletedSince) as deleted:
        task_store.create("u1", "t1", VALUES, Origin.SYNC, LATER)

    # Then the store says so, and brings nothing back
    assert deleted.value.deleted_version == 2
    assert task_store.get("u1", "t1") is None


def test_a_restore_may_name_a_higher_version(task_store: DynamoDBReminderTaskStore) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    task_store.delete("u1", "t1", Origin.SYNC, LATER)
    assert task_store.create("u1", "t1", VALUES, Origin.SYNC, LATER, version=9).version == 9


class RacedStore(DynamoDBReminderTaskStore):
    """Another writer changes the task between this store's read and its write, once."""

    def __init__(self, *args: Any, rival: DynamoDBReminderTaskStore, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.rival = rival
        self.raced = False

    def read(self, key: Any) -> dict[str, Any] | None:
        stored = super().read(key)
        if not self.raced:
            self.raced = True
            self.rival.update("u1", "t1", {TaskField.DETAILS: "changed by the rival"}, Origin.USER, NOW)
        return stored


def test_a_change_without_a_version_reads_again_after_losing_a_race(
    task_store: DynamoDBReminderTaskStore, dynamodb: Any, tables: dict[str, str]
) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    raced = RacedStore(tables["ReminderTaskTable"], dynamodb, rival=task_store)

    updated = raced.update("u1", "t1", {TaskField.NAME: "Call Ada at 3"}, Origin.SYNC, LATER)

    # Both changes hold: the rival's was not overwritten by a write based on the older read.
    assert (updated.version, updated.name, updated.details) == (3, "Call Ada at 3", "changed by the rival")


def test_a_change_with_a_version_that_loses_a_race_is_a_version_conflict(
    task_store: DynamoDBReminderTaskStore, dynamodb: Any, tables: dict[str, str]
) -> None:
    task_store.create("u1", "t1", VALUES, Origin.USER, NOW)
    raced = RacedStore(tables["ReminderTaskTable"], dynamodb, rival=task_store)

    with pytest.raises(VersionConflict):
        raced.delete("u1", "t1", Origin.SYNC, LATER, expected_version=1)
    task = task_store.get("u1", "t1")
    assert task is not None and task.details == "changed by the rival"


def test_a_store_makes_its_client_on_first_use(aws: None, tables: dict[str, str]) -> None:
    # Constructed without a client (as a handler does at import time), it still reaches the mocked table.
    store = DynamoDBReminderTaskStore(tables["ReminderTaskTable"])
    store.create("u1", "t1", VALUES, Origin.USER, NOW)
    assert store.get("u1", "t1") is not None
