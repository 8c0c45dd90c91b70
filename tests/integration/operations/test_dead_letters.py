"""``python -m ops.dead_letters`` on the local stack in moto: one message of each kind in its dead-letter
queue, listed, then replayed to where it failed; what could not be replayed stays."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.stack.aws import function_environment
from local.stack.lambdas import LambdaContextStub, load_handler_module
from local.stack.template import functions_of
from tasksync import configuration
from tasksync.adapters.dynamodb.reminder_task_store import DynamoDBReminderTaskStore
from tasksync.domain.reminder_events import Origin, ReminderEventKind, ReminderTaskEvent
from tasksync.domain.reminder_task import ReminderTask, TaskValues
from tasksync.observability import metrics
from tasksync.queued_events import reminder_event_of
from tests.integration.operations.conftest import FIRST_SYNC_EVENT, LocalAws, iso

ORG = "00D8a000rkFLeBS"
RECORD = "00T8a00000AbCdE"
CHANGE = json.dumps({"orgId": ORG, "event": {"data": {"payload": {"ChangeEventHeader": {"recordIds": [RECORD]}}}}})
"""A queued change event as the webhook puts it (its content does not matter to the replay)."""


# -- the kinds of dead letter, as AWS leaves them ----------------------------------------------------------


def fifo_change_in_its_dlq(stack: LocalAws) -> None:
    """A change event that failed five times on the FIFO queue, moved by SQS's redrive."""
    stack.dead_letter(
        "SalesforceChangesQueue", CHANGE, MessageGroupId=f"{ORG}:{RECORD}", MessageDeduplicationId="original-dedup"
    )


def stream_records(stack: LocalAws, tasks: int) -> tuple[str, str, list[str]]:
    """``tasks`` reminder tasks written by the SIA store: (stream ARN, shard id, their sequence numbers)."""
    table = stack.template.refs["ReminderTaskTable"]
    store = DynamoDBReminderTaskStore(table, stack.dynamodb)
    now = datetime.now(UTC)
    for n in range(tasks):
        store.create("rep-1", f"task-{n}", TaskValues(name=f"Call {n}"), Origin.USER, now)
    stream_arn = stack.template.attributes[("ReminderTaskTable", "StreamArn")]
    streams = stack.clients.streams
    shard = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]
    iterator = streams.get_shard_iterator(StreamArn=stream_arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")
    records = streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return stream_arn, shard, [record["dynamodb"]["SequenceNumber"] for record in records]


def stream_failure_in_its_dlq(stack: LocalAws, *, tasks: int = 2, arrived: datetime | None = None) -> list[str]:
    """The on-failure record Lambda sends when the publisher gave up on a batch of the task stream
    (services-dynamodb-errors: metadata, not the records). Returns the batch's sequence numbers."""
    stream_arn, shard, sequences = stream_records(stack, tasks)
    when = iso(arrived or datetime.now(UTC) - timedelta(minutes=20))
    record = {
        "requestContext": {
            "requestId": "316aa6d0-8154-4a8e-9af7-85d5f4a6bc81",
            "functionArn": stack.arn("TaskEventsPublisherFunction"),
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": 11,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": iso(datetime.now(UTC)),
        "DDBStreamBatchInfo": {
            "shardId": shard,
            "startSequenceNumber": sequences[0],
            "endSequenceNumber": sequences[-1],
            "approximateArrivalOfFirstRecord": when,
            "approximateArrivalOfLastRecord": when,
            "batchSize": len(sequences),
            "streamArn": stream_arn,
        },
    }
    stack.sqs.send_message(QueueUrl=stack.url("TaskEventsPublisherDLQ"), MessageBody=json.dumps(record))
    return sequences


def first_sync_failure_in_its_dlq(stack: LocalAws) -> None:
    """What Lambda puts in a function's dead-letter queue: the event as the body, why as attributes."""
    stack.sqs.send_message(
        QueueUrl=stack.url("FirstSyncDLQ"),
        MessageBody=json.dumps(FIRST_SYNC_EVENT),
        MessageAttributes={
            "RequestID": {"DataType": "String", "StringValue": "e4b46cbf-b738-4a8e-8880-a18cdf61200e"},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": "Task timed out after 900.00 seconds"},
        },
    )


def undelivered_event_in_its_dlq(stack: LocalAws) -> dict[str, Any]:
    """An SIA task event the app bus's rule could not deliver to the reminder changes queue."""
    event = {
        "version": "0",
        "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        "detail-type": "ReminderTaskEvent",
        "source": "tasksync.reminder-tasks",
        "account": "123456789012",
        "time": "2026-12-01T09:30:00Z",
        "region": "us-east-1",
        "resources": [],
        "detail": json.loads(reminder_event_detail()),
    }
    stack.sqs.send_message(
        QueueUrl=stack.url("EventDeliveryDLQ"),
        MessageBody=json.dumps(event),
        MessageAttributes={
            "RULE_ARN": {"DataType": "String", "StringValue": "arn:aws:events:us-east-1:123456789012:rule/x/y"},
            "TARGET_ARN": {"DataType": "String", "StringValue": stack.arn("ReminderChangesQueue")},
            "ERROR_CODE": {"DataType": "String", "StringValue": "SDK_CLIENT_ERROR"},
            "ERROR_MESSAGE": {"DataType": "String", "StringValue": "Access denied to the queue"},
        },
    )
    return event


def reminder_event_detail() -> str:
    made = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    task = ReminderTask(id="task-9", user_id="rep-1", name="Call Ada", created_at=made, updated_at=made)
    return ReminderTaskEvent(
        kind=ReminderEventKind.CREATED, task=task, origin=Origin.USER, occurred_at=made
    ).model_dump_json()


# -- list -------------------------------------------------------------------------------------------------


def test_list_shows_each_dead_letter_queue_with_what_each_message_is_and_leaves_them_there(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
):
    # Given one message of each kind in its dead-letter queue
    fifo_change_in_its_dlq(local_aws)
    sequences = stream_failure_in_its_dlq(local_aws)
    first_sync_failure_in_its_dlq(local_aws)
    undelivered_event_in_its_dlq(local_aws)

    # When the operator lists them
    code, out, _ = local_aws.run(capsys, "list")

    # Then every dead-letter queue of the template is there with its count, and each message says what it is
    assert code == 0
    for queue, count in {
        "SalesforceChangesDLQ": 1,
        "ReminderChangesDLQ": 0,
        "EventDeliveryDLQ": 1,
        "TaskEventsPublisherDLQ": 1,
        "FirstSyncDLQ": 1,
        "DeletionSweepDLQ": 0,
        "ReconciliationDLQ": 0,
        "ReminderResyncDLQ": 0,
    }.items():
        assert any(
            line.startswith(f"{queue} (") and line.endswith(f": {count} message(s)") for line in out.splitlines()
        )
    assert f"FIFO change event, group {ORG}:{RECORD}" in out
    assert f"sequence numbers {sequences[0]} to {sequences[-1]}" in out
    assert "left in the stream's 24-hour retention" in out
    assert "error: RetryAttemptsExhausted, Unhandled" in out
    assert f"function {local_aws.function_name('FirstSyncFunction')}, event {json.dumps(FIRST_SYNC_EVENT)}" in out
    assert "error: 200: Task timed out after 900.00 seconds" in out
    assert f"could not deliver to {local_aws.arn('ReminderChangesQueue')}" in out
    assert "error: SDK_CLIENT_ERROR: Access denied to the queue" in out
    assert "(EventRelayChangesDLQ is not in this stack" in out
    # and listing took nothing away
    for queue in ("SalesforceChangesDLQ", "TaskEventsPublisherDLQ", "FirstSyncDLQ", "EventDeliveryDLQ"):
        assert local_aws.depth(queue) == 1
    assert len(local_aws.take("FirstSyncDLQ")) == 1  # visible again at once, not hidden for a time-out


# -- replay: each the way its queue needs -----------------------------------------------------------------


def test_a_fifo_change_goes_back_to_its_queue_with_its_group_and_a_fresh_deduplication_id(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
):
    fifo_change_in_its_dlq(local_aws)

    code, out, _ = local_aws.run(capsys, "replay", "--queue", "SalesforceChangesDLQ")

    assert code == 0, out
    (back,) = local_aws.take("SalesforceChangesQueue")
    assert back["Body"] == CHANGE
    assert back["Attributes"]["MessageGroupId"] == f"{ORG}:{RECORD}"
    assert back["Attributes"]["MessageDeduplicationId"] not in ("original-dedup", "")
    assert local_aws.depth("SalesforceChangesDLQ") == 0


def test_a_stream_failure_is_read_again_from_the_stream_and_handed_to_the_publisher_as_its_event(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
):
    sequences = stream_failure_in_its_dlq(local_aws, tasks=3)

    code, out, _ = local_aws.run(capsys, "replay", "--queue", "TaskEventsPublisherDLQ")

    # Then the publisher was invoked as its event source mapping invokes it, with exactly those records
    assert code == 0, out
    (invocation,) = local_aws.invocations
    assert invocation.function_name == local_aws.function_name("TaskEventsPublisherFunction")
    assert invocation.invocation_type == "RequestResponse"
    records = invocation.payload["Records"]
    assert [record["dynamodb"]["SequenceNumber"] for record in records] == sequences
    stream_arn = local_aws.template.attributes[("ReminderTaskTable", "StreamArn")]
    assert {record["eventSourceARN"] for record in records} == {stream_arn}
    assert local_aws.depth("TaskEventsPublisherDLQ") == 0
    # and that event, handed to the real publisher, puts the three tasks' events through the app bus's rule
    publish(local_aws, monkeypatch, invocation.payload)
    delivered = [reminder_event_of(message["Body"]) for message in local_aws.take("ReminderChangesQueue")]
    assert sorted(event.task.id for event in delivered) == ["task-0", "task-1", "task-2"]


def publish(stack: LocalAws, monkeypatch: pytest.MonkeyPatch, event: dict[str, Any]) -> None:
    """The publisher's handler, with its template environment, on ``event`` (as Lambda would run it)."""
    functions = functions_of(stack.template)
    function_environment(stack.template, functions)
    publisher = functions["TaskEventsPublisherFunction"]
    for name, value in publisher.environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(configuration, "_loaded", {})
    monkeypatch.setattr(metrics, "namespace", publisher.environment["POWERTOOLS_METRICS_NAMESPACE"])
    app = load_handler_module(publisher.code_uri)
    monkeypatch.setattr(app, "event_bridge", lambda: stack.events)
    answer = app.handler(event, LambdaContextStub(function_name=publisher.name))
    assert answer == {"batchItemFailures": []}


def test_an_asynchronous_invocation_that_failed_is_invoked_again_with_its_event(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
):
    first_sync_failure_in_its_dlq(local_aws)

    code, out, _ = local_aws.run(capsys, "replay", "--queue", "FirstSyncDLQ")

    assert code == 0, out
    (invocation,) = local_aws.invocations
    assert (invocation.function_name, invocation.invocation_type) == (
        local_aws.function_name("FirstSyncFunction"),
        "Event",
    )
    assert invocation.payload == FIRST_SYNC_EVENT
    assert local_aws.depth("FirstSyncDLQ") == 0


def test_an_event_the_rule_could_not_deliver_is_sent_to_the_rules_target_queue(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
):
    event = undelivered_event_in_its_dlq(local_aws)

    code, out, _ = local_aws.run(capsys, "replay", "--queue", "EventDeliveryDLQ")

    assert code == 0, out
    (delivered,) = local_aws.take("ReminderChangesQueue")
    assert json.loads(delivered["Body"]) == event
    assert reminder_event_of(delivered["Body"]).task.id == "task-9"  # as reminder_changes reads it
    assert local_aws.depth("EventDeliveryDLQ") == 0


def test_an_on_failure_destination_record_is_invoked_again_with_its_request_payload(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    """template.yaml sends no asynchronous failures to an on-failure destination today; a template that
    does (``EventInvokeConfig.DestinationConfig.OnFailure``) gets Lambda's invocation record there."""
    document = local_aws.template.document
    changed = json.loads(json.dumps(document))
    changed["Resources"]["FirstSyncFunction"]["Properties"]["EventInvokeConfig"]["DestinationConfig"] = {
        "OnFailure": {"Type": "SQS", "Destination": {"Fn::GetAtt": ["FirstSyncDLQ", "Arn"]}}
    }
    template = tmp_path / "template.yaml"
    template.write_text(json.dumps(changed), encoding="utf-8")  # JSON is YAML: read as template.yaml is
    record = {
        "version": "1.0",
        "timestamp": iso(datetime.now(UTC)),
        "requestContext": {
            "requestId": "e4b46cbf-b738-4a8e-8880-a18cdf61200e",
            "functionArn": local_aws.arn("FirstSyncFunction") + ":$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": FIRST_SYNC_EVENT,
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "Salesforce answered 503", "errorType": "GatewayUnavailable"},
    }
    local_aws.sqs.send_message(QueueUrl=local_aws.url("FirstSyncDLQ"), MessageBody=json.dumps(record))

    code, listed, _ = local_aws.run(capsys, "list", "--template", str(template))
    code, out, _ = local_aws.run(capsys, "replay", "--queue", "FirstSyncDLQ", "--template", str(template))

    assert "error: Unhandled: GatewayUnavailable: Salesforce answered 503" in listed
    assert code == 0, out
    (invocation,) = local_aws.invocations
    assert (invocation.invocation_type, invocation.payload) == ("Event", FIRST_SYNC_EVENT)
    assert local_aws.depth("FirstSyncDLQ") == 0


# -- what could not be replayed stays ------------------------------------------------------------------------


def test_a_change_its_queue_does_not_take_stays_in_the_dlq_and_holds_its_group_back(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
):
    # Given two changes of one record in the DLQ, and one of another record
    group = f"{ORG}:{RECORD}"
    for n, message_group in enumerate([group, group, f"{ORG}:00T8a00000ZzZzZ"]):
        local_aws.dead_letter(
            "SalesforceChangesQueue", f"change {n}", MessageGroupId=message_group, MessageDeduplicationId=str(n)
        )
    # and SQS refusing the first change when it is sent back (as it does when the queue's key is not usable)
    refused = refuse_first_send(local_aws, body="change 0")

    code, out, _ = local_aws.run(capsys, "replay", "--queue", "SalesforceChangesDLQ")

    # Then the refused change and its record's later change stay, the other record's change went back
    assert code == 1
    assert refused == ["change 0"]
    assert "KMS.AccessDeniedException" in out
    assert f"an earlier message of group {group} was not replayed" in out
    assert [message["Body"] for message in local_aws.take("SalesforceChangesQueue")] == ["change 2"]
    kept = local_aws.take("SalesforceChangesDLQ")  # there, and visible again
    assert [message["Body"] for message in kept] == ["change 0", "change 1"]


def refuse_first_send(stack: LocalAws, *, body: str) -> list[str]:
    """SQS answers ``SendMessage`` of ``body`` with an error, once; returns the bodies refused."""
    refused: list[str] = []

    def refuse(params: dict[str, Any], **_: Any) -> None:
        if params.get("MessageBody") == body and not refused:
            refused.append(body)
            raise ClientError(
                {"Error": {"Code": "KMS.AccessDeniedException", "Message": "The key is not usable"}}, "SendMessage"
            )

    stack.sqs.meta.events.register("provide-client-params.sqs.SendMessage", refuse)
    return refused


@pytest.mark.parametrize("local_aws", ["functions missing"], indirect=True)
def test_an_invocation_lambda_refuses_stays_in_the_dlq(local_aws: LocalAws, capsys: pytest.CaptureFixture[str]):
    first_sync_failure_in_its_dlq(local_aws)

    code, out, _ = local_aws.run(capsys, "replay", "--queue", "FirstSyncDLQ")

    assert code == 1
    assert "ResourceNotFoundException" in out
    (kept,) = local_aws.take("FirstSyncDLQ")
    assert json.loads(kept["Body"]) == FIRST_SYNC_EVENT


def test_a_stream_batch_the_publisher_fails_again_stays_in_the_dlq(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
):
    sequences = stream_failure_in_its_dlq(local_aws)
    local_aws.lambda_answers(json.dumps({"batchItemFailures": [{"itemIdentifier": sequences[1]}]}))

    code, out, _ = local_aws.run(capsys, "replay", "--queue", "TaskEventsPublisherDLQ")

    assert code == 1
    assert f"reported 1 record(s) failed again: {sequences[1]}" in out
    assert len(local_aws.invocations) == 1
    assert local_aws.depth("TaskEventsPublisherDLQ") == 1


def test_a_stream_batch_past_the_streams_retention_is_not_replayed_and_says_why(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
):
    stream_failure_in_its_dlq(local_aws, arrived=datetime.now(UTC) - timedelta(hours=25))

    code, listed, _ = local_aws.run(capsys, "list")
    code, out, _ = local_aws.run(capsys, "replay", "--queue", "TaskEventsPublisherDLQ")

    assert "past the stream's 24-hour retention, cannot be replayed" in listed
    assert code == 1
    assert "past the stream's 24-hour retention: the records are gone" in out
    assert local_aws.invocations == []
    assert local_aws.depth("TaskEventsPublisherDLQ") == 1


def test_a_dry_run_says_what_it_would_do_and_changes_nothing(local_aws: LocalAws, capsys: pytest.CaptureFixture[str]):
    fifo_change_in_its_dlq(local_aws)
    stream_failure_in_its_dlq(local_aws)

    fifo_code, fifo, _ = local_aws.run(capsys, "replay", "--queue", "SalesforceChangesDLQ", "--dry-run")
    stream_code, stream, _ = local_aws.run(capsys, "replay", "--queue", "TaskEventsPublisherDLQ", "--dry-run")

    assert (fifo_code, stream_code) == (0, 0)
    assert f"would send it back to SalesforceChangesQueue (group {ORG}:{RECORD})" in fifo
    assert f"would hand 2 re-read record(s) to {local_aws.function_name('TaskEventsPublisherFunction')}" in stream
    assert local_aws.depth("SalesforceChangesQueue") == 0
    assert local_aws.invocations == []
    assert len(local_aws.take("SalesforceChangesDLQ")) == 1
    assert len(local_aws.take("TaskEventsPublisherDLQ")) == 1


def test_limit_replays_that_many_and_leaves_the_rest(local_aws: LocalAws, capsys: pytest.CaptureFixture[str]):
    for n in range(3):
        local_aws.sqs.send_message(
            QueueUrl=local_aws.url("FirstSyncDLQ"), MessageBody=json.dumps({"userId": f"rep-{n}"})
        )

    listed_code, listed, _ = local_aws.run(capsys, "list", "--limit", "1")
    code, out, _ = local_aws.run(capsys, "replay", "--queue", "FirstSyncDLQ", "--limit", "2")

    assert listed_code == 0
    assert "FirstSyncDLQ (fed by FirstSyncFunction's asynchronous invocations): 3 message(s)" in listed
    assert "... 2 more not shown (--limit 1)" in listed
    assert code == 0, out
    assert len(local_aws.invocations) == 2
    assert len(local_aws.take("FirstSyncDLQ")) == 1


def test_a_queue_that_is_no_dead_letter_queue_is_refused(local_aws: LocalAws, capsys: pytest.CaptureFixture[str]):
    code, _, err = local_aws.run(capsys, "replay", "--queue", "SalesforceChangesQueue")

    assert code == 1
    assert "SalesforceChangesQueue is no dead-letter queue of this stack" in err
