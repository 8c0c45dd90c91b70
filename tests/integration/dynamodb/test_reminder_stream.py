"""Task events from the reminder-task table's stream: what the publisher puts on the bus."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest

from local.stack.template import ROOT
from tasksync.adapters.dynamodb.reminder_stream import NotATaskRecord, reminder_event_from_stream_record
from tasksync.adapters.dynamodb.reminder_task_store import DynamoDBReminderTaskStore
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent
from tasksync.domain.reminder_task import Status, TaskField, TaskValues
from tests.integration.dynamodb.conftest import NOW, REGION

SAMPLE = ROOT / "events" / "reminder_task_stream.json"
SAMPLE_START = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)


def stream_records(dynamodb: Any, table_name: str) -> list[dict[str, Any]]:
    """The table's stream records, shaped as Lambda hands them over (epoch-second timestamps)."""
    # moto serves DynamoDB Streams on the regional host only, not on botocore's account-based one.
    streams = boto3.client(
        "dynamodbstreams", region_name=REGION, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
    )
    arn = dynamodb.describe_table(TableName=table_name)["Table"]["LatestStreamArn"]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON")
        for record in streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]:
            change = dict(record["dynamodb"])
            change["ApproximateCreationDateTime"] = int(change["ApproximateCreationDateTime"].timestamp())
            records.append({**record, "dynamodb": change})
    return records


def events_of(records: list[dict[str, Any]]) -> list[ReminderTaskEvent | None]:
    return [reminder_event_from_stream_record(record) for record in records]


def test_every_change_of_the_store_becomes_one_event(
    task_store: DynamoDBReminderTaskStore, dynamodb: Any, tables: dict[str, str]
) -> None:
    # Given a task created by the user, edited, completed by the sync and deleted by the user
    created = task_store.create("u1", "t1", TaskValues(name="Call Ada"), Origin.USER, NOW)
    edited = task_store.update(
        "u1", "t1", {TaskField.DUE_DATE: date(2024, 6, 5)}, Origin.USER, NOW + timedelta(minutes=1)
    )
    completed = task_store.update(
        "u1", "t1", {TaskField.STATUS: Status.COMPLETE}, Origin.SYNC, NOW + timedelta(minutes=2)
    )
    gone = task_store.delete("u1", "t1", Origin.USER, NOW + timedelta(minutes=3))

    # When the stream's records are turned into events
    events = events_of(stream_records(dynamodb, tables["ReminderTaskTable"]))

    # Then each change is one event, with the task as it was written and the origin that wrote it
    assert events == [
        ReminderTaskEvent(kind=ReminderEventKind.CREATED, task=created, origin=Origin.USER, occurred_at=NOW),
        ReminderTaskEvent(
            kind=ReminderEventKind.UPDATED, task=edited, origin=Origin.USER, occurred_at=edited.updated_at
        ),
        ReminderTaskEvent(
            kind=ReminderEventKind.COMPLETED, task=completed, origin=Origin.SYNC, occurred_at=completed.updated_at
        ),
        ReminderTaskEvent(kind=ReminderEventKind.DELETED, task=gone, origin=Origin.USER, occurred_at=gone.updated_at),
    ]
    assert len({event.event_id for event in events if event}) == 4


def test_reopening_a_task_is_an_update(
    task_store: DynamoDBReminderTaskStore, dynamodb: Any, tables: dict[str, str]
) -> None:
    task_store.create("u1", "t1", TaskValues(name="Call Ada", status=Status.COMPLETE), Origin.USER, NOW)
    task_store.update("u1", "t1", {TaskField.STATUS: Status.OPEN}, Origin.USER, NOW)
    events = events_of(stream_records(dynamodb, tables["ReminderTaskTable"]))
    assert [event.kind for event in events if event] == [ReminderEventKind.CREATED, ReminderEventKind.UPDATED]


def test_a_restore_over_a_tombstone_is_a_created_event(
    task_store: DynamoDBReminderTaskStore, dynamodb: Any, tables: dict[str, str]
) -> None:
    task_store.create("u1", "t1", TaskValues(name="Call Ada"), Origin.USER, NOW)
    task_store.delete("u1", "t1", Origin.SYNC, NOW)
    restored = task_store.create("u1", "t1", TaskValues(name="Call Ada"), Origin.SYNC, NOW, version=3)

    last = events_of(stream_records(dynamodb, tables["ReminderTaskTable"]))[-1]

    assert last == ReminderTaskEvent(kind=ReminderEventKind.CREATED, task=restored, origin=Origin.SYNC, occurred_at=NOW)
    assert restored.version == 3


def test_the_sample_event_reads_as_documented() -> None:
    records = json.loads(SAMPLE.read_text())["Records"]

    events = events_of(records)

    assert [(e.kind, e.origin, e.task.version) if e else None for e in events] == [
        (ReminderEventKind.CREATED, Origin.USER, 1),
        (ReminderEventKind.UPDATED, Origin.USER, 2),
        (ReminderEventKind.COMPLETED, Origin.SYNC, 3),
        (ReminderEventKind.DELETED, Origin.USER, 4),
        None,  # the TTL removing the tombstone: the delete was published already
        (ReminderEventKind.CREATED, Origin.USER, 1),
        # removed around the store: a user's delete, one version on, at the stream record's time
        (ReminderEventKind.DELETED, Origin.USER, 2),
    ]
    removed = events[-1]
    assert removed is not None and removed.occurred_at == SAMPLE_START + timedelta(hours=2)
    deleted = events[3]
    assert deleted is not None and deleted.task.status is Status.COMPLETE and deleted.task.due_date == date(2024, 6, 5)


def test_a_modify_that_leaves_the_version_is_no_event() -> None:
    insert = json.loads(SAMPLE.read_text())["Records"][0]
    image = insert["dynamodb"]["NewImage"]
    touched = {**insert, "eventName": "MODIFY", "dynamodb": {**insert["dynamodb"], "OldImage": image}}
    assert reminder_event_from_stream_record(touched) is None


def test_a_record_without_images_is_refused() -> None:
    insert = json.loads(SAMPLE.read_text())["Records"][0]
    keys_only = {**insert, "dynamodb": {"Keys": insert["dynamodb"]["Keys"], "StreamViewType": "KEYS_ONLY"}}
    with pytest.raises(NotATaskRecord, match="NEW_AND_OLD_IMAGES"):
        reminder_event_from_stream_record(keys_only)
    with pytest.raises(NotATaskRecord):
        reminder_event_from_stream_record({**insert, "eventName": "TRUNCATE"})
