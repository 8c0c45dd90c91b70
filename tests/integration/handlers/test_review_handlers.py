"""Review of the event paths' handlers (adversarial): the webhook's refusals, the stream publisher's
PutEvents calls, the partial batch answers of reminder_changes and salesforce_changes, and the link
repository on moto. A test that fails here names a bug; one that passes guards an attack that did not
work."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest

from local.stack.lambdas import LambdaContextStub, load_handler_module
from tasksync import configuration
from tasksync.adapters.dynamodb import reminder_task_table as items
from tasksync.adapters.dynamodb.link_repository import DynamoDBLinkRepository
from tasksync.composition.sync import SyncRoot, override
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent
from tasksync.domain.reminder_task import ReminderTask
from tasksync.domain.sync_link import SyncLink
from tasksync.observability import metrics
from tasksync.ports.sync_state import ConcurrentUpdate
from tasksync.queued_events import reminder_event_entry
from tests.integration.dynamodb.conftest import aws as aws
from tests.integration.dynamodb.conftest import dynamodb as dynamodb
from tests.integration.dynamodb.conftest import link_repository as link_repository
from tests.integration.dynamodb.conftest import tables as tables
from tests.integration.handlers.test_salesforce_webhook import Webhook, as_body, sample
from tests.integration.handlers.test_salesforce_webhook import webhook as webhook
from tests.support.moto_account import use_moto_account
from tests.support.secrets_manager import secretsmanager as secretsmanager
from tests.unit.builders import CLIENT_ID, ORG, SF_USER, USER, SyncWorld

# -- the webhook: every bad body is a clear 4xx that queues nothing (SPEC 8) -----------------------------


@pytest.mark.parametrize(
    "moment",
    ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-01:00"],
    ids=["year-1-east-of-utc", "year-9999-west-of-utc"],
)
def test_a_datetime_that_has_no_utc_form_is_a_400_not_a_crash(webhook: Webhook, moment: str):
    event = sample("cdc_update.json")
    event["data"]["payload"]["LastModifiedDate"] = moment

    answer = webhook.post(as_body(event))

    assert answer.status == 400
    assert answer.body["error"]["code"] == "invalid_change_events"
    assert webhook.queued() == []


def test_a_signature_with_non_ascii_characters_is_a_401_not_a_crash(webhook: Webhook):
    """Unauthenticated: whatever the header holds, the answer is 401 and no 5xx (which alarms)."""
    answer = webhook.post(as_body(sample("cdc_create.json")), signature=f"t={webhook.clock.now},v1=caf\u00e9")

    assert answer.status == 401
    assert answer.body["error"]["code"] == "invalid_signature"
    assert webhook.queued() == []


# -- the stream publisher: each PutEvents request within EventBridge's size -------------------------------

PUT_EVENTS_MAX_BYTES = 256 * 1024
"""Amazon EventBridge User Guide, "Calculating PutEvents event entry size": the total entry size of a
request must be less than 256 KB (else ValidationException "Total size of the entries in the request is
over the limit")."""


def entry_size(entry: dict[str, Any]) -> int:
    """As the guide computes it: Time 14 bytes, Source, DetailType and Detail in UTF-8."""
    return 14 + sum(len(str(entry[key]).encode()) for key in ("Source", "DetailType", "Detail"))


class RecordingEventBridge:
    def __init__(self) -> None:
        self.requests: list[list[dict[str, Any]]] = []

    def put_events(self, Entries: Sequence[dict[str, Any]]) -> dict[str, Any]:
        self.requests.append(list(Entries))
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(n)} for n in range(len(Entries))]}


def stream_insert(task: ReminderTask, sequence: int) -> dict[str, Any]:
    item = items.task_item(task, Origin.USER, ReminderEventKind.CREATED)
    return {
        "eventID": str(sequence),
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "eventSourceARN": "arn:aws:dynamodb:us-east-1:123456789012:table/tasks/stream/2024-06-03T00:00:00.000",
        "dynamodb": {
            "ApproximateCreationDateTime": 1717407000,
            "Keys": items.task_key(task.user_id, task.id),
            "NewImage": item,
            "SequenceNumber": f"{sequence:021d}",
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
    }


def test_the_publisher_keeps_each_put_events_request_within_256_kb(monkeypatch: pytest.MonkeyPatch):
    # Given ten reps' tasks with long details (SPEC 2 allows 32,000 characters) in one stream batch
    for name, value in {
        "STAGE": "local",
        "APP_EVENT_BUS_NAME": "tasksync-test-app",
        "TASK_EVENT_SOURCE": "tasksync.reminders",
        "TASK_EVENT_DETAIL_TYPE": "ReminderTaskChanged",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(metrics, "namespace", "Tasksync")
    app = load_handler_module("functions/task_events_publisher")
    bus = RecordingEventBridge()
    monkeypatch.setattr(app, "event_bridge", lambda: bus)
    made = datetime(2024, 6, 3, 9, 30, tzinfo=UTC)
    tasks = [
        ReminderTask(
            id=f"task-{n}", user_id=f"user-{n}", name="Notes", details="x" * 32_000, created_at=made, updated_at=made
        )
        for n in range(10)
    ]

    # When the publisher puts their events on the bus
    answer = app.handler(
        {"Records": [stream_insert(task, n) for n, task in enumerate(tasks, start=1)]},
        LambdaContextStub(function_name="tasksync-test-TaskEventsPublisherFunction"),
    )

    # Then every event went, and no request was one EventBridge refuses whole
    assert answer == {"batchItemFailures": []}
    assert sum(len(request) for request in bus.requests) == 10
    assert max(sum(entry_size(entry) for entry in request) for request in bus.requests) < PUT_EVENTS_MAX_BYTES


# -- reminder_changes: a message fails only when its own event was not applied ---------------------------


@pytest.fixture
def reminder_changes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, SyncWorld]]:
    """The handler on a root of fakes (the use cases' own in-memory adapters)."""
    monkeypatch.setattr(metrics, "namespace", "Tasksync")
    world = SyncWorld()
    app = load_handler_module("functions/reminder_changes")
    with override(SyncRoot(services=world.services, cursors=world.state, invoke=lambda *_: None)):
        yield app.handler, world


def message(message_id: str, body: str) -> dict[str, Any]:
    return {
        "messageId": message_id,
        "receiptHandle": f"handle-{message_id}",
        "body": body,
        "attributes": {"ApproximateReceiveCount": "1"},
        "messageAttributes": {},
        "md5OfBody": "",
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:tasksync-test-reminder-changes",
        "awsRegion": "us-east-1",
    }


def as_delivered(event: ReminderTaskEvent) -> str:
    """The EventBridge event the app bus's rule puts on the queue, as the message's body."""
    entry = reminder_event_entry(event, bus_name="app", source="tasksync.reminders", detail_type="ReminderTaskChanged")
    return json.dumps({"version": "0", "id": "e", "source": entry["Source"], "detail": json.loads(entry["Detail"])})


def failed_ids(answer: dict[str, Any]) -> list[str]:
    return sorted(failure["itemIdentifier"] for failure in answer["batchItemFailures"])


def sia_events(world: SyncWorld) -> list[ReminderTaskEvent]:
    events = [m for m in world.pending() if isinstance(m, ReminderTaskEvent)]
    world.mark_delivered()
    return events


def test_an_sia_event_as_the_app_bus_delivers_it_is_read_back_and_reaches_salesforce(
    reminder_changes: tuple[Any, SyncWorld],
):
    """The queue's body is the EventBridge event, its ``detail`` the event as JSON (strings for the
    enums, dates and times): the consumer must read what the publisher wrote."""
    handler, world = reminder_changes
    world.rep_creates("Call Alice", task_id="task-1")
    (created,) = sia_events(world)

    answer = handler(
        {"Records": [message("m1", as_delivered(created))]},
        LambdaContextStub(function_name="tasksync-test-ReminderChangesFunction"),
    )

    assert failed_ids(answer) == []
    assert [record.subject for record in world.records_for("task-1")] == ["Call Alice"]


def test_stale_and_duplicate_messages_are_settled_not_retried(reminder_changes: tuple[Any, SyncWorld]):
    handler, world = reminder_changes
    world.rep_creates("Call Alice", task_id="task-1")
    world.rep_updates("task-1", due_date=date(2026, 4, 6))
    created, moved = sia_events(world)
    batch = [
        message("m1", as_delivered(moved)),
        message("m2", as_delivered(created)),  # older than m1: stale
        message("m3", as_delivered(moved)),  # the same event again
    ]

    answer = handler({"Records": batch}, LambdaContextStub(function_name="tasksync-test-ReminderChangesFunction"))
    again = handler({"Records": batch[1:]}, LambdaContextStub(function_name="tasksync-test-ReminderChangesFunction"))

    assert failed_ids(answer) == [] and failed_ids(again) == []
    (record,) = world.records_for("task-1")
    assert record.activity_date == date(2026, 4, 6)


def test_an_unreadable_body_fails_that_message_alone(reminder_changes: tuple[Any, SyncWorld]):
    """The others of the batch are applied and acknowledged, whatever the bad body holds: nested past
    Python's recursion limit, it must not fail the whole batch (whose 1000 messages would then all come
    back, and go to the dead-letter queue together after five receives)."""
    handler, world = reminder_changes
    world.rep_creates("Call Alice", task_id="task-1")
    (created,) = sia_events(world)
    batch = [
        message("good", as_delivered(created)),
        message("not-json", "{"),
        message("deep", "[" * 100_000 + "]" * 100_000),
    ]

    answer = handler({"Records": batch}, LambdaContextStub(function_name="tasksync-test-ReminderChangesFunction"))

    assert failed_ids(answer) == ["deep", "not-json"]
    assert [record.subject for record in world.records_for("task-1")] == ["Call Alice"]
    assert world.link_of("task-1", USER).sf_id is not None


# -- the link repository on moto: the copy in the record's partition is the link --------------------------


def a_link(sia_id: str, sf_id: str = "00T000000000001AAA") -> SyncLink:
    """A pushed task's link, as not yet saved in this table."""
    world = SyncWorld()
    world.rep_creates("Call Alice", task_id=sia_id)
    world.sync()
    return world.link_of(sia_id).model_copy(update={"revision": 0, "sf_id": sf_id})


def test_the_record_partition_gives_each_reps_latest_link_by_either_form_of_the_id(
    link_repository: DynamoDBLinkRepository,
):
    first = link_repository.save_link(a_link("task-1"))
    second = link_repository.save_link(first.updated(sia_version=first.sia_version + 1))

    (found,) = link_repository.links_to("00T000000000001")  # the 15-character form
    assert found == second == link_repository.link_by_sf_id(USER, "00T000000000001AAA")
    with pytest.raises(ConcurrentUpdate):
        link_repository.save_link(first.updated(sia_version=first.sia_version + 5))  # a stale copy
    with pytest.raises(ConcurrentUpdate):
        link_repository.save_link(a_link("task-2"))  # a second task of the rep for the same record
    assert link_repository.links_to("00T000000000001AAA") == [second]


# -- salesforce_changes (FIFO): one record's bad message holds that record's group alone -----------------


@pytest.fixture
def salesforce_changes(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, SyncWorld]]:
    """The FIFO handler on a root of fakes; no reconciliation is started here."""
    for name, value in {
        "STAGE": "local",
        "STATE_TABLE_NAME": "state",
        "REMINDER_TASK_TABLE_NAME": "tasks",
        "SALESFORCE_SECRETS_PREFIX": "tasksync/local/salesforce/",
        "SALESFORCE_CALL_CLIENT": CLIENT_ID,
        "IDEMPOTENCY_TABLE_NAME": "idempotency",
        "RECONCILIATION_FUNCTION_NAME": "reconciliation",
    }.items():
        monkeypatch.setenv(name, value)
    use_moto_account(monkeypatch)
    monkeypatch.setattr(configuration, "_loaded", {})
    monkeypatch.setattr(metrics, "namespace", "Tasksync")
    world = SyncWorld()
    app = load_handler_module("functions/salesforce_changes")
    with override(SyncRoot(services=world.services, cursors=world.state, invoke=lambda *_: None)):
        yield app.handler, world


def created_in_salesforce(world: SyncWorld, subject: str, transaction: str) -> tuple[str, str]:
    """A reminder task of the rep's made in Salesforce: its id, and the queue body of its CDC CREATE as
    the webhook queues it."""
    sf_id = world.org.create({"Subject": subject, "OwnerId": SF_USER}).id
    world.mark_delivered()
    event = sample("cdc_create.json")
    payload = event["data"]["payload"]
    stamp = world.now.isoformat().replace("+00:00", "Z")
    payload.update({"OwnerId": SF_USER, "Subject": subject, "CreatedDate": stamp, "LastModifiedDate": stamp})
    header = payload["ChangeEventHeader"]
    header.update(
        {"recordIds": [sf_id], "transactionKey": transaction, "commitTimestamp": int(world.now.timestamp()) * 1000}
    )
    return sf_id, json.dumps({"orgId": ORG, "event": event})


def fifo_message(message_id: str, body: str, group: str) -> dict[str, Any]:
    fifo = message(message_id, body)
    fifo["attributes"] |= {"MessageGroupId": group, "MessageDeduplicationId": message_id}
    fifo["eventSourceARN"] += ".fifo"
    return fifo


def test_a_bad_message_holds_its_records_group_and_no_other(salesforce_changes: tuple[Any, SyncWorld]):
    handler, world = salesforce_changes
    x, x_created = created_in_salesforce(world, "Call Alice", "t-x")
    y, y_created = created_in_salesforce(world, "Call Bob", "t-y")
    batch = [
        fifo_message("x1", json.dumps({"orgId": ORG, "event": {"data": {}}}), f"{ORG[:15]}:{x[:15]}"),
        fifo_message("y1", y_created, f"{ORG[:15]}:{y[:15]}"),
        fifo_message("x2", x_created, f"{ORG[:15]}:{x[:15]}"),
    ]

    answer = handler({"Records": batch}, LambdaContextStub(function_name="tasksync-test-SalesforceChangesFunction"))

    assert failed_ids(answer) == ["x1", "x2"]  # x2 waits behind x1, in order
    assert [task.name for task in world.tasks()] == ["Call Bob"]
