"""The local stack's stream source gives up on a batch as Lambda does: after its retries, it names the
batch on the on-failure queue in the record shape Lambda writes, which the dead-letter command reads."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from local.stack.event_sources import StreamSource
from local.stack.template import Function
from ops.dead_letter_records import FeedKind, Received, StreamBatch, classify

ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/tasks/stream/2026-12-01T00:00:00.000"
CREATED = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


class Streams:
    def __init__(self) -> None:
        self.given = False

    def describe_stream(self, StreamArn: str) -> dict[str, Any]:
        return {"StreamDescription": {"Shards": [{"ShardId": "shardId-1"}]}}

    def get_shard_iterator(self, **_: Any) -> dict[str, Any]:
        return {"ShardIterator": "it-0"}

    def get_records(self, ShardIterator: str) -> dict[str, Any]:
        if self.given:
            return {"Records": [], "NextShardIterator": "it-2"}
        self.given = True
        records = [
            {"eventName": "INSERT", "dynamodb": {"SequenceNumber": str(n), "ApproximateCreationDateTime": CREATED}}
            for n in (100, 101)
        ]
        return {"Records": records, "NextShardIterator": "it-1"}


class Queue:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **message: Any) -> None:
        self.sent.append(message)


class FailingLambda:
    def __init__(self) -> None:
        self.calls = 0

    def invoke(self, logical_id: str, event: Any) -> Any:
        self.calls += 1
        raise RuntimeError("the bus is down")


def test_a_batch_given_up_on_is_named_where_the_dead_letter_command_finds_it() -> None:
    function = Function(
        "TaskEventsPublisherFunction", "tasksync-local-publisher", "functions/x", "app.handler", 30, {}, {}
    )
    queue = Queue()
    source = StreamSource(
        function, ARN, 100, 2, "https://sqs/dlq", "arn:aws:lambda:function:publisher", Streams(), queue
    )
    failing = FailingLambda()

    assert source.poll(failing) == 2  # type: ignore[arg-type]

    assert failing.calls == 3  # the first try and two retries
    (sent,) = queue.sent
    message = {"MessageId": "m1", "ReceiptHandle": "r1", "Body": sent["MessageBody"], "Attributes": {}}
    letter = classify(Received.from_sqs(message), {FeedKind.STREAM_FAILURE})
    assert isinstance(letter, StreamBatch), letter
    assert (letter.shard_id, letter.start_sequence, letter.end_sequence, letter.batch_size) == (
        "shardId-1",
        "100",
        "101",
        2,
    )
    assert (
        letter.first_arrival == CREATED
        and json.loads(sent["MessageBody"])["requestContext"]["condition"] == "RetryAttemptsExhausted"
    )
