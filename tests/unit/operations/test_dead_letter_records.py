"""Reading what a dead-letter queue's message is, from the shapes AWS documents (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models.dynamodb import DynamoDBStreamLambdaOnFailureDestinationModel

from ops.dead_letter_records import (
    DiscardedEvent,
    FailedInvocation,
    FeedKind,
    MissedScheduleRun,
    QueuedMessage,
    Received,
    StreamBatch,
    UndeliveredEvent,
    Unrecognised,
    classify,
    error_of,
    function_name_of,
)
from ops.dead_letters import replay_deduplication_id

STREAM_FAILURE = {
    "requestContext": {
        "requestId": "316aa6d0-8154-4a8e-9af7-85d5f4a6bc81",
        "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:tasksync-dev-TaskEventsPublisherFunction-AbC",
        "condition": "RetryAttemptsExhausted",
        "approximateInvokeCount": 11,
    },
    "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
    "version": "1.0",
    "timestamp": "2026-12-01T09:31:02.000Z",
    "DDBStreamBatchInfo": {
        "shardId": "shardId-00000001573689847184-864758bb",
        "startSequenceNumber": "800000000003126276362",
        "endSequenceNumber": "800000000003126276364",
        "approximateArrivalOfFirstRecord": "2026-12-01T09:30:00Z",
        "approximateArrivalOfLastRecord": "2026-12-01T09:30:01Z",
        "batchSize": 3,
        "streamArn": "arn:aws:dynamodb:us-east-1:123456789012:table/tasks/stream/2026-11-30T00:00:00.000",
    },
}


def message(body: Any = "", attributes: dict[str, str] | None = None, **message_attributes: str) -> Received:
    return Received.from_sqs(
        {
            "MessageId": "m-1",
            "ReceiptHandle": "r-1",
            "Body": body if isinstance(body, str) else json.dumps(body),
            "Attributes": {"SentTimestamp": "1796148000000", **(attributes or {})},
            "MessageAttributes": {
                name: {"DataType": "String", "StringValue": value} for name, value in message_attributes.items()
            },
        }
    )


def test_a_stream_failure_record_is_read_as_powertools_reads_the_documented_shape():
    letter = classify(message(STREAM_FAILURE), {FeedKind.STREAM_FAILURE})

    parsed = DynamoDBStreamLambdaOnFailureDestinationModel.model_validate(STREAM_FAILURE)
    info = parsed.ddb_stream_batch_info
    assert letter == StreamBatch(
        stream_arn=info.stream_arn,
        shard_id=info.shard_id,
        start_sequence=info.start_sequence_number,
        end_sequence=info.end_sequence_number,
        batch_size=info.batch_size,
        first_arrival=info.approximate_arrival_of_first_record,
        last_arrival=info.approximate_arrival_of_last_record,
        function_arn=parsed.request_context.function_arn,
        condition="RetryAttemptsExhausted",
        function_error="Unhandled",
    )
    assert letter.first_arrival == datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    assert error_of(letter) == "RetryAttemptsExhausted, Unhandled"


def test_a_stream_failure_record_missing_what_names_its_records_is_unrecognised():
    broken = json.loads(json.dumps(STREAM_FAILURE))
    del broken["DDBStreamBatchInfo"]["shardId"]

    letter = classify(message(broken), {FeedKind.STREAM_FAILURE})

    assert isinstance(letter, Unrecognised)
    assert "shardId" in letter.reason


def test_an_on_failure_destination_record_gives_the_function_its_event_and_the_error():
    record = {
        "version": "1.0",
        "timestamp": "2026-12-01T09:31:02.000Z",
        "requestContext": {
            "requestId": "e4b46cbf",
            "functionArn": "arn:aws:lambda:us-east-1:123456789012:function:tasksync-dev-first-sync:$LATEST",
            "condition": "RetriesExhausted",
            "approximateInvokeCount": 3,
        },
        "requestPayload": {"userId": "rep-1"},
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "responsePayload": {"errorMessage": "boom", "errorType": "RuntimeError"},
    }

    letter = classify(message(record), {FeedKind.ASYNC_DESTINATION})

    assert isinstance(letter, FailedInvocation)
    assert letter.payload == {"userId": "rep-1"}
    assert function_name_of(letter.function_arn) == "tasksync-dev-first-sync"
    assert letter.error == "Unhandled: RuntimeError: boom"


def test_a_functions_dead_letter_is_its_event_with_lambdas_attributes():
    letter = classify(
        message({"userId": "rep-1"}, RequestID="req-1", ErrorCode="200", ErrorMessage="timed out"),
        {FeedKind.ASYNC_DLQ, FeedKind.SCHEDULE_DLQ},
    )

    assert letter == DiscardedEvent(request_id="req-1", error="200: timed out")


def test_a_schedules_dead_letter_is_told_apart_from_the_functions_by_its_attributes():
    letter = classify(
        message(
            "{}", SCHEDULE_ARN="arn:aws:scheduler:::schedule/default/x", TARGET_ARN="arn:fn", ERROR_CODE="Throttled"
        ),
        {FeedKind.ASYNC_DLQ, FeedKind.SCHEDULE_DLQ},
    )

    assert letter == MissedScheduleRun("arn:aws:scheduler:::schedule/default/x", "arn:fn", "Throttled")


def test_a_rules_dead_letter_names_the_target_and_the_error():
    letter = classify(
        message({"detail": {}}, RULE_ARN="arn:rule", TARGET_ARN="arn:queue", ERROR_CODE="NO_PERMISSIONS"),
        {FeedKind.RULE_DLQ},
    )

    assert letter == UndeliveredEvent("arn:rule", "arn:queue", "NO_PERMISSIONS")


def test_a_redriven_message_keeps_its_group_and_carries_no_error():
    letter = classify(
        message("x", {"MessageGroupId": "00D:00T", "MessageDeduplicationId": "d", "ApproximateReceiveCount": "6"}),
        {FeedKind.QUEUE_REDRIVE},
    )

    assert letter == QueuedMessage(group_id="00D:00T", deduplication_id="d", receive_count=6)
    assert error_of(letter) is None


@pytest.mark.parametrize("body", ["not json", "[1, 2]", json.dumps({"requestPayload": {}})])
def test_a_body_that_is_no_shape_its_queue_receives_is_unrecognised(body: str):
    assert isinstance(classify(message(body), {FeedKind.STREAM_FAILURE}), Unrecognised)


def test_a_replays_deduplication_id_is_new_and_the_same_for_a_repeated_replay():
    first = message("x", {"MessageDeduplicationId": "original"})
    again = message("x", {"MessageDeduplicationId": "original"})
    later_stay = message("x", {"MessageDeduplicationId": "original", "SentTimestamp": "1796149000000"})

    assert replay_deduplication_id(first) != "original"
    assert replay_deduplication_id(first) == replay_deduplication_id(again)
    assert replay_deduplication_id(first) != replay_deduplication_id(later_stay)
    assert len(replay_deduplication_id(first)) <= 128  # SQS's limit
