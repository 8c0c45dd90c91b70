"""Lambda's event sources for the local stack, as template.yaml wires them: SQS queues read in batches
of the mapping's ``BatchSize`` within its batching window, a failed record (``batchItemFailures``, or
the whole batch when the handler raises) made visible again so that the queue's redrive policy moves it
to its dead-letter queue after ``maxReceiveCount`` receives; the reminder-task table's stream in order,
a failed batch retried from its first failed record up to ``MaximumRetryAttempts`` and then named on the
``OnFailure`` destination; and the EventBridge schedules on timers, with their retry policy and
dead-letter queue (AWS Lambda Developer Guide, "Using Lambda with Amazon SQS", "Using AWS Lambda with
Amazon DynamoDB"; EventBridge Scheduler User Guide, "Schedule types": ``rate(value unit)``)."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.stack.lambda_service import LambdaService
from local.stack.lambdas import sqs_event, stream_event
from local.stack.template import Function, Template
from tasksync.observability import logger

IDLE_PAUSE = 0.2
"""Seconds a source waits before it polls again when it found nothing."""
RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86_400}


def _handed_over(lambda_: LambdaService, function: Function, event: dict[str, Any], ids: set[str]) -> set[str]:
    """The identifiers that failed: those the handler reported, or all when it raised."""
    try:
        answer = lambda_.invoke(function.logical_id, event)
    except Exception as error:  # Lambda retries the whole batch
        logger.warning("a batch failed", function=function.logical_id, error=str(error))
        return ids
    reported = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
    return {item["itemIdentifier"] for item in reported}


@dataclass
class QueueSource:
    function: Function
    url: str
    arn: str
    batch_size: int
    window: float
    sqs: Any

    def poll(self, lambda_: LambdaService) -> int:
        messages: list[dict[str, Any]] = []
        deadline = time.monotonic() + self.window
        while len(messages) < self.batch_size:
            answer = self.sqs.receive_message(
                QueueUrl=self.url,
                MaxNumberOfMessages=min(10, self.batch_size - len(messages)),
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            got = answer.get("Messages", [])
            messages.extend(got)
            if not got and (not messages or time.monotonic() >= deadline):
                break
        if not messages:
            return 0
        failed = _handed_over(lambda_, self.function, sqs_event(messages, self.arn), {m["MessageId"] for m in messages})
        for message in messages:
            if message["MessageId"] in failed:
                self.sqs.change_message_visibility(
                    QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
                )
            else:
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
        return len(messages)


@dataclass
class StreamSource:
    function: Function
    arn: str
    batch_size: int
    retries: int
    on_failure: str | None
    """The queue URL that hears of records given up on."""
    function_arn: str
    streams: Any
    sqs: Any
    _iterators: dict[str, str] = field(default_factory=dict)

    def poll(self, lambda_: LambdaService) -> int:
        moved = 0
        for shard_id, records in self._new_records().items():
            for start in range(0, len(records), self.batch_size):
                self._hand_over(lambda_, shard_id, records[start : start + self.batch_size])
            moved += len(records)
        return moved

    def _hand_over(self, lambda_: LambdaService, shard_id: str, batch: list[dict[str, Any]]) -> None:
        for _ in range(self.retries + 1):
            sequences = {record["dynamodb"]["SequenceNumber"] for record in batch}
            failed = _handed_over(lambda_, self.function, stream_event(batch, self.arn), sequences)
            if not failed:
                return
            first = min(i for i, record in enumerate(batch) if record["dynamodb"]["SequenceNumber"] in failed)
            batch = batch[first:]
        logger.error("stream records given up on", function=self.function.logical_id, records=len(batch))
        if self.on_failure is not None:
            # The shape of Lambda's on-failure record for a stream (AWS Lambda Developer Guide, "Retaining
            # records of discarded batches for a DynamoDB event source"): where to read them again.
            numbers = [record["dynamodb"]["SequenceNumber"] for record in batch]
            arrivals = [_arrival(record) for record in batch]
            failure = {
                "requestContext": {"condition": "RetryAttemptsExhausted", "functionArn": self.function_arn},
                "timestamp": datetime.now(UTC).isoformat(),
                "DDBStreamBatchInfo": {
                    "shardId": shard_id,
                    "streamArn": self.arn,
                    "startSequenceNumber": numbers[0],
                    "endSequenceNumber": numbers[-1],
                    "approximateArrivalOfFirstRecord": arrivals[0],
                    "approximateArrivalOfLastRecord": arrivals[-1],
                    "batchSize": len(batch),
                },
            }
            self.sqs.send_message(QueueUrl=self.on_failure, MessageBody=json.dumps(failure))

    def _new_records(self) -> dict[str, list[dict[str, Any]]]:
        return new_stream_records(self.streams, self.arn, self._iterators)


@dataclass
class Schedule:
    function: Function
    period: float
    payload: Any
    retries: int
    dead_letter: str | None
    sqs: Any
    due: float = field(default_factory=time.monotonic)

    def poll(self, lambda_: LambdaService) -> int:
        if time.monotonic() < self.due:
            return 0
        self.due = time.monotonic() + self.period
        for _ in range(self.retries + 1):
            try:
                lambda_.invoke(self.function.logical_id, self.payload)
                return 1
            except Exception as error:  # the schedule's retry policy, then its dead-letter queue
                last = error
        logger.error("a scheduled run failed for good", function=self.function.logical_id, error=str(last))
        if self.dead_letter is not None:
            self.sqs.send_message(QueueUrl=self.dead_letter, MessageBody=json.dumps(self.payload))
        return 1


def new_stream_records(streams: Any, arn: str, iterators: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """The stream's records since the last read, by shard, in each shard's order; ``iterators`` keeps
    where each shard was left (a shard not read yet starts at its oldest record)."""
    records: dict[str, list[dict[str, Any]]] = {}
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        shard_id = shard["ShardId"]
        iterator = (
            iterators.get(shard_id)
            or streams.get_shard_iterator(StreamArn=arn, ShardId=shard_id, ShardIteratorType="TRIM_HORIZON")[
                "ShardIterator"
            ]
        )
        while True:
            answer = streams.get_records(ShardIterator=iterator)
            iterator = answer["NextShardIterator"]
            if not answer["Records"]:
                break
            records.setdefault(shard_id, []).extend(answer["Records"])
        iterators[shard_id] = iterator
    return records


def _arrival(record: dict[str, Any]) -> str:
    created = record["dynamodb"].get("ApproximateCreationDateTime")
    moment = created if isinstance(created, datetime) else datetime.now(UTC)
    return moment.astimezone(UTC).isoformat()


Source = QueueSource | StreamSource | Schedule


def event_sources(template: Template, functions: dict[str, Function], clients: Any, streams: Any) -> list[Source]:
    """Every SQS, DynamoDB and schedule event source of the template's functions."""
    sources: list[Source] = []
    for function in functions.values():
        for event in function.events.values():
            properties = event.get("Properties", {})
            if event["Type"] == "SQS":
                queue = properties["Queue"]["Fn::GetAtt"][0]
                sources.append(
                    QueueSource(
                        function,
                        template.refs[queue],
                        template.attributes[(queue, "Arn")],
                        int(properties.get("BatchSize", 10)),
                        float(properties.get("MaximumBatchingWindowInSeconds", 0)),
                        clients.sqs,
                    )
                )
            elif event["Type"] == "DynamoDB":
                failure = properties.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
                sources.append(
                    StreamSource(
                        function,
                        template.resolve(properties["Stream"]),
                        int(properties.get("BatchSize", 100)),
                        int(properties.get("MaximumRetryAttempts", 0)),
                        template.refs[failure["Fn::GetAtt"][0]] if failure else None,
                        template.attributes[(function.logical_id, "Arn")],
                        streams,
                        clients.sqs,
                    )
                )
            elif event["Type"] in ("Schedule", "ScheduleV2"):
                dead_letter = (properties.get("DeadLetterConfig") or {}).get("Arn")
                sources.append(
                    Schedule(
                        function,
                        schedule_period(template.resolve(properties["ScheduleExpression"])),
                        json.loads(properties.get("Input", "{}")),
                        int(properties.get("RetryPolicy", {}).get("MaximumRetryAttempts", 0)),
                        template.refs[dead_letter["Fn::GetAtt"][0]] if dead_letter else None,
                        clients.sqs,
                    )
                )
    return sources


def schedule_period(expression: str) -> float:
    matched = RATE.match(expression)
    if matched is None:
        raise ValueError(f"the local stack runs rate(...) schedules only, not {expression!r}")
    count, unit = int(matched[1]), matched[2].rstrip("s")
    return float(count * UNIT_SECONDS[unit])


def run_source(
    source: Source, lambda_: LambdaService, stop: threading.Event, on_error: Callable[[Exception], None]
) -> None:
    while not stop.is_set():
        try:
            moved = source.poll(lambda_)
        except Exception as error:  # a source keeps polling, as Lambda's pollers do
            on_error(error)
            moved = 0
        if not moved:
            stop.wait(IDLE_PAUSE)
