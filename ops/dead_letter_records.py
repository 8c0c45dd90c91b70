"""What a message in a dead-letter queue is, read from the message alone (pure: no boto3, no clock).

Each way into a dead-letter queue leaves its own shape (the pages are cited in ``ops/dead_letters.py``):

- An SQS queue's redrive moves the message itself, with its system attributes (``MessageGroupId`` and
  ``MessageDeduplicationId`` on a FIFO queue); nothing says why it failed.
- A stream event source mapping's on-failure destination gets an invocation record that names the
  records (``DDBStreamBatchInfo``: stream ARN, shard id, first and last sequence number, batch size,
  arrival times) and the function (``requestContext.functionArn``), not their data.
- A function's on-failure destination gets an invocation record holding the event
  (``requestPayload``), the function (``requestContext.functionArn``) and its answer
  (``responsePayload``).
- A function's dead-letter queue gets the event itself as the body, and ``RequestID``, ``ErrorCode``
  and ``ErrorMessage`` as message attributes.
- An EventBridge rule target's dead-letter queue gets the event itself as the body, and ``RULE_ARN``,
  ``TARGET_ARN``, ``ERROR_CODE``, ``ERROR_MESSAGE`` ... as message attributes.
- A schedule's (EventBridge Scheduler) dead-letter queue: a message with ``SCHEDULE_ARN`` and
  ``TARGET_ARN`` attributes. Its body is not relied on: a missed run is replayed with the input the
  schedule sends (template.yaml), which is what the function would have had.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any


class FeedKind(StrEnum):
    """How messages get into a dead-letter queue."""

    QUEUE_REDRIVE = "queue redrive"
    STREAM_FAILURE = "stream on-failure destination"
    ASYNC_DLQ = "function dead-letter queue"
    ASYNC_DESTINATION = "function on-failure destination"
    RULE_DLQ = "rule target dead-letter queue"
    SCHEDULE_DLQ = "schedule dead-letter queue"


@dataclass(frozen=True)
class Received:
    """An SQS message as ``ReceiveMessage`` answered it (all system and message attributes asked for)."""

    message_id: str
    receipt_handle: str
    body: str
    attributes: Mapping[str, str]
    message_attributes: Mapping[str, Mapping[str, Any]]

    @classmethod
    def from_sqs(cls, message: Mapping[str, Any]) -> Received:
        return cls(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message.get("Body", ""),
            attributes=dict(message.get("Attributes", {})),
            message_attributes=dict(message.get("MessageAttributes", {})),
        )

    def attribute(self, name: str) -> str | None:
        """A message attribute's value as text (a Number's too)."""
        value = self.message_attributes.get(name)
        return None if value is None else value.get("StringValue")

    @property
    def sent_at(self) -> datetime | None:
        sent = self.attributes.get("SentTimestamp")
        return None if sent is None else datetime.fromtimestamp(int(sent) / 1000, UTC)


# -- what a message is ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueuedMessage:
    """A message an SQS queue's redrive moved: it goes back to that queue as it was."""

    group_id: str | None
    deduplication_id: str | None
    receive_count: int | None

    def describe(self) -> str:
        kind = f"FIFO change event, group {self.group_id}" if self.group_id else "queue message"
        seen = "" if self.receive_count is None else f", received {self.receive_count} times"
        return kind + seen


@dataclass(frozen=True)
class StreamBatch:
    """The on-failure record of a stream batch a function could not process: where the records are."""

    stream_arn: str
    shard_id: str
    start_sequence: str
    end_sequence: str
    batch_size: int
    first_arrival: datetime
    last_arrival: datetime
    function_arn: str | None
    condition: str | None
    function_error: str | None

    def describe(self) -> str:
        return (
            f"stream batch failure: {self.batch_size} record(s) of shard {self.shard_id}, sequence numbers "
            f"{self.start_sequence} to {self.end_sequence}, of {self.stream_arn}"
        )

    @property
    def error(self) -> str | None:
        said = [part for part in (self.condition, self.function_error) if part]
        return ", ".join(said) or None


@dataclass(frozen=True)
class FailedInvocation:
    """An asynchronous invocation's on-failure record: the function and the event it was given."""

    function_arn: str
    payload: Any
    condition: str | None
    error: str | None

    def describe(self) -> str:
        return f"asynchronous invocation of {function_name_of(self.function_arn)}, payload {shown(self.payload)}"


@dataclass(frozen=True)
class DiscardedEvent:
    """An event a function's asynchronous invocations gave up on (its dead-letter queue): the body is
    the event."""

    request_id: str | None
    error: str | None

    def describe(self) -> str:
        request = f" (request {self.request_id})" if self.request_id else ""
        return f"asynchronous invocation that failed{request}"


@dataclass(frozen=True)
class MissedScheduleRun:
    """A schedule's run that could not invoke its target."""

    schedule_arn: str | None
    target_arn: str | None
    error: str | None

    def describe(self) -> str:
        return (
            f"scheduled run of {self.schedule_arn or 'a schedule'} that did not reach {self.target_arn or 'its target'}"
        )


@dataclass(frozen=True)
class UndeliveredEvent:
    """An event an EventBridge rule could not deliver to its target: the body is the event."""

    rule_arn: str | None
    target_arn: str | None
    error: str | None

    def describe(self) -> str:
        return f"event rule {self.rule_arn or '?'} could not deliver to {self.target_arn or '?'}"


@dataclass(frozen=True)
class Unrecognised:
    reason: str
    error: str | None = None

    def describe(self) -> str:
        return f"unrecognised message: {self.reason}"


Letter = (
    QueuedMessage
    | StreamBatch
    | FailedInvocation
    | DiscardedEvent
    | MissedScheduleRun
    | UndeliveredEvent
    | Unrecognised
)


def classify(message: Received, kinds: Collection[FeedKind]) -> Letter:
    """What ``message`` is, given the ways into its queue (``kinds``): its shape decides, among those."""
    if FeedKind.QUEUE_REDRIVE in kinds:
        count = message.attributes.get("ApproximateReceiveCount")
        return QueuedMessage(
            group_id=message.attributes.get("MessageGroupId"),
            deduplication_id=message.attributes.get("MessageDeduplicationId"),
            receive_count=None if count is None else int(count),
        )
    body = _json_object(message.body)
    if FeedKind.STREAM_FAILURE in kinds and body is not None and "DDBStreamBatchInfo" in body:
        return _stream_batch(body)
    if FeedKind.ASYNC_DESTINATION in kinds and body is not None and "requestPayload" in body:
        return _failed_invocation(body)
    if FeedKind.RULE_DLQ in kinds and message.attribute("RULE_ARN") is not None:
        return UndeliveredEvent(
            rule_arn=message.attribute("RULE_ARN"),
            target_arn=message.attribute("TARGET_ARN"),
            error=_error(
                message.attribute("ERROR_CODE"),
                message.attribute("ERROR_MESSAGE"),
                message.attribute("EXHAUSTED_RETRY_CONDITION"),
            ),
        )
    if FeedKind.SCHEDULE_DLQ in kinds and message.attribute("SCHEDULE_ARN") is not None:
        return MissedScheduleRun(
            schedule_arn=message.attribute("SCHEDULE_ARN"),
            target_arn=message.attribute("TARGET_ARN"),
            error=_error(message.attribute("ERROR_CODE"), message.attribute("ERROR_MESSAGE")),
        )
    if FeedKind.ASYNC_DLQ in kinds:
        # Lambda's own attributes; a message without them is still the event (the body is all it sends).
        return DiscardedEvent(
            request_id=message.attribute("RequestID"),
            error=_error(message.attribute("ErrorCode"), message.attribute("ErrorMessage")),
        )
    expected = ", ".join(sorted(kinds)) or "nothing"
    return Unrecognised(f"not the shape this queue receives ({expected})")


def _stream_batch(body: Mapping[str, Any]) -> Letter:
    info = body["DDBStreamBatchInfo"]
    context = body.get("requestContext", {})
    response = body.get("responseContext", {})
    try:
        return StreamBatch(
            stream_arn=info["streamArn"],
            shard_id=info["shardId"],
            start_sequence=str(info["startSequenceNumber"]),
            end_sequence=str(info["endSequenceNumber"]),
            batch_size=int(info["batchSize"]),
            first_arrival=_timestamp(info["approximateArrivalOfFirstRecord"]),
            last_arrival=_timestamp(info["approximateArrivalOfLastRecord"]),
            function_arn=context.get("functionArn"),
            condition=context.get("condition"),
            function_error=response.get("functionError"),
        )
    except (KeyError, TypeError, ValueError) as error:
        return Unrecognised(f"a stream batch record without {error}")


def _failed_invocation(body: Mapping[str, Any]) -> Letter:
    context = body.get("requestContext", {})
    if "functionArn" not in context:
        return Unrecognised("an invocation record without requestContext.functionArn")
    answer = body.get("responsePayload")
    said = None
    if isinstance(answer, Mapping):
        said = _error(answer.get("errorType"), answer.get("errorMessage"))
    elif answer is not None:
        said = shown(answer)
    response = body.get("responseContext", {})
    return FailedInvocation(
        function_arn=context["functionArn"],
        payload=body["requestPayload"],
        condition=context.get("condition"),
        error=_error(response.get("functionError"), said),
    )


def error_of(letter: Letter) -> str | None:
    """The error that sent the message to its queue, where the message carries one."""
    return None if isinstance(letter, QueuedMessage) else letter.error


def function_name_of(function: str) -> str:
    """A function's name from its name or ARN (``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]``)."""
    if function.startswith("arn:"):
        parts = function.split(":")
        return parts[6] if len(parts) > 6 else function
    return function


def shown(value: Any, limit: int = 200) -> str:
    """``value`` as compact JSON, cut at ``limit`` characters."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"), default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def _timestamp(value: Any) -> datetime:
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _error(*parts: str | None) -> str | None:
    said = [part for part in parts if part]
    return ": ".join(said) or None
