"""List what sits in each dead-letter queue of a stack, and replay it the way its queue needs.

    PYTHONPATH=layers/tasksync:. .venv/bin/python -m ops.dead_letters list --stack tasksync-dev
    PYTHONPATH=layers/tasksync:. .venv/bin/python -m ops.dead_letters replay --stack tasksync-dev \\
        --queue SalesforceChangesDLQ [--limit N] [--dry-run]

The local stack (moto server, the endpoint in ``AWS_ENDPOINT_URL`` as for any boto3 client) has no
CloudFormation stack: ``--stage local`` reads the wiring and the names from ``--template`` (default
template.yaml) the way ``local.stack`` builds them (``ops/dead_letter_wiring.py``). A deployed stack's
wiring is read from the template it was deployed with (``GetTemplate``), or from ``--template``, and
its physical names from ``ListStackResources``. AWS credentials and region come from the environment.

What each dead-letter queue holds, and how ``replay`` hands it back (a message leaves its queue only
once its replay succeeded; one that could not be replayed is made visible again and stays):

- **A queue's redrive** (``SalesforceChangesDLQ``, FIFO; ``ReminderChangesDLQ``,
  ``EventRelayChangesDLQ``): the message, sent back to its source queue with its body and message
  attributes; on a FIFO queue with its ``MessageGroupId`` and a fresh ``MessageDeduplicationId`` (the
  SHA-256 of ``replay/<message id>/<sent timestamp>``: new for each stay in the DLQ, the same for a
  replay repeated because its delete failed, so SQS drops that copy within its five-minute window).
  Within a FIFO group, a message that fails holds the group's later ones back, so the order stays.
  Sent and deleted here rather than by ``StartMessageMoveTask``: a move task takes a whole queue at its
  own pace and reports counts only (no ``--limit``, no ``--dry-run``, no word on a message that
  failed), only one can run per queue, it takes only the DLQs of SQS queues (not ``EventDeliveryDLQ``),
  and moto (the local stack) does not implement it.
- **A stream's on-failure destination** (``TaskEventsPublisherDLQ``): the record names the stream,
  the shard and the first and last sequence numbers, not the data. The records are read again
  (``GetShardIterator`` ``AT_SEQUENCE_NUMBER``, then ``GetRecords`` up to the last one) and handed to
  the function as its event source mapping would: a synchronous invoke with the stream event
  (``{"Records": [...]}``, each record with its ``eventSourceARN``); a ``FunctionError`` or a
  ``batchItemFailures`` answer is a failure. DynamoDB Streams keeps records 24 hours: a batch whose
  first record is older is not replayable, and says so (the reminder resync job syncs again the SIA
  tasks whose latest change never reached Salesforce).
- **A function's asynchronous invocations** (``FirstSyncDLQ``, and the scheduled jobs'
  ``DeletionSweepDLQ``, ``ReconciliationDLQ``, ``ReminderResyncDLQ``): the function invoked again
  asynchronously (``InvocationType=Event``) with the original event (the DLQ message's body, or an
  on-failure record's ``requestPayload``). A schedule's missed run is invoked with the input the
  schedule sends. "Succeeded" means Lambda took the event; a run that fails again comes back here.
- **An event rule's target** (``EventDeliveryDLQ``): the event (the body) sent to the target queue the
  message's ``TARGET_ARN`` names, as EventBridge would have delivered it.

Message shapes, as AWS documents them. Checked against the stored copies of these pages; where a copy
showed only part of a shape, what it did not show is marked "(not in the copy)":

- Lambda, "Capturing records of Lambda asynchronous invocations"
  (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html) and the CDK's
  "Lambda Destinations" README (its invocation record example): an on-failure destination gets an
  invocation record with ``version``, ``timestamp``, ``requestContext`` (``requestId``,
  ``functionArn``, ``condition``) and "the request and response payloads" (``requestPayload``,
  ``responseContext``, ``responsePayload``: not in the copy); a dead-letter queue gets "only the
  content of the event, without details about the response". "Dead-letter queues"
  (https://docs.aws.amazon.com/lambda/latest/dg/dlq.html): the body is "the original event payload
  with no modifications", the attributes ``RequestID``, ``ErrorCode``, ``ErrorMessage``.
- Lambda, "Retain discarded records for a DynamoDB event source"
  (https://docs.aws.amazon.com/lambda/latest/dg/services-dynamodb-errors.html): each record is "a JSON
  document containing metadata about the failed invocation"; its fields (``requestContext``,
  ``responseContext``, ``DDBStreamBatchInfo`` with ``shardId``, ``startSequenceNumber``,
  ``endSequenceNumber``, ``approximateArrivalOfFirstRecord``, ``approximateArrivalOfLastRecord``,
  ``batchSize``, ``streamArn``) are those of Powertools' parser model
  ``DynamoDBStreamLambdaOnFailureDestinationModel``, which cites that page (tested against it). The
  event the function gets: "Using AWS Lambda with Amazon DynamoDB"
  (https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html, its example event).
- DynamoDB Streams ``GetShardIterator`` (boto3's reference,
  https://docs.aws.amazon.com/boto3/latest/reference/services/dynamodbstreams/client/get_shard_iterator.html):
  ``AT_SEQUENCE_NUMBER`` reads "exactly from the position denoted by a specific sequence number";
  "a 24 hour limit on data retention"; an iterator "expires 15 minutes after it is returned".
- SQS ``StartMessageMoveTask``
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_StartMessageMoveTask.html):
  only for DLQs "of other Amazon SQS queues", "only one active message movement task ... per queue".
  "Setting-up dead-letter queue retention"
  (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/setting-up-dead-letter-queue-retention.html):
  a standard queue's message keeps its enqueue timestamp in the DLQ, a FIFO queue's is reset.
- EventBridge, "Using dead-letter queues to process undelivered events"
  (https://docs.aws.amazon.com/eventbridge/latest/userguide/rule-dlq.html): the event, with the
  attributes ``RULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE`` (``ERROR_MESSAGE``,
  ``EXHAUSTED_RETRY_CONDITION``, ``RETRY_ATTEMPTS``: not in the copy).
- EventBridge Scheduler, "Configuring a dead-letter queue for a schedule"
  (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html): a standard
  queue gets a "dead-letter event" with "invocation details and any response received from the
  target"; its attributes (``SCHEDULE_ARN``, ``TARGET_ARN``, ``ERROR_CODE``, ``ERROR_MESSAGE``: not in
  the copy) tell it apart here, and its body is not used.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from local.stack.lambdas import stream_event
from local.stack.template import TEMPLATE, load_template
from ops.dead_letter_records import (
    DiscardedEvent,
    FailedInvocation,
    FeedKind,
    Letter,
    MissedScheduleRun,
    QueuedMessage,
    Received,
    StreamBatch,
    UndeliveredEvent,
    Unrecognised,
    classify,
    error_of,
    function_name_of,
    shown,
)
from ops.dead_letter_wiring import (
    DeadLetterQueue,
    DeployedStack,
    Feed,
    LocalStack,
    Queue,
    Wiring,
    WiringError,
    wiring_of,
)
from tasksync.batching import batches

if TYPE_CHECKING:
    from mypy_boto3_sqs import SQSClient

STREAM_RETENTION = timedelta(hours=24)
"""DynamoDB Streams keeps a record this long."""
LIST_VISIBILITY_SECONDS = 30
"""A listed message is hidden this long at most (it is made visible again as soon as it is listed)."""
REPLAY_VISIBILITY_SECONDS = 300
"""A message being replayed is hidden this long: a stream batch waits on its function's answer."""
RECEIVE_WAIT_SECONDS = 1
"""Long polling, so that a standard queue's receive asks every server, not a sample of them."""
SYNC_INVOKE_MAX_BYTES = 6 * 1024 * 1024 - 1024
"""A synchronous invoke's payload limit (6 MB), less room for the event's envelope."""
LIST_LIMIT = 50
"""``list`` shows this many messages of each queue unless ``--limit`` says otherwise (it counts them all)."""
MAX_EMPTY_READS = 5
"""``GetRecords`` answers that may come back empty before the batch's last record: then it is not there."""


class NotReplayed(Exception):
    """The message was not replayed, and stays where it is; the text says why."""


@dataclass(frozen=True)
class Clients:
    sqs: SQSClient
    lambda_: Any
    streams: Any
    cloudformation: Any

    @classmethod
    def from_environment(cls) -> Clients:
        """boto3's clients: credentials, region and endpoint (``AWS_ENDPOINT_URL``) from the environment."""
        return cls(
            sqs=boto3.client("sqs"),
            lambda_=boto3.client("lambda"),
            streams=boto3.client("dynamodbstreams"),
            cloudformation=boto3.client("cloudformation"),
        )


# -- reading a queue -------------------------------------------------------------------------------


def queue_counts(sqs: SQSClient, queue: Queue) -> tuple[int, int, int]:
    """(visible, in flight, retention seconds) of ``queue``."""
    attributes = sqs.get_queue_attributes(
        QueueUrl=queue.url,
        AttributeNames=[
            "ApproximateNumberOfMessages",
            "ApproximateNumberOfMessagesNotVisible",
            "MessageRetentionPeriod",
        ],
    )["Attributes"]
    return (
        int(attributes.get("ApproximateNumberOfMessages", 0)),
        int(attributes.get("ApproximateNumberOfMessagesNotVisible", 0)),
        int(attributes.get("MessageRetentionPeriod", 0)),
    )


def received(sqs: SQSClient, queue: Queue, *, visibility: int, most: int | None) -> Iterator[Received]:
    """The queue's visible messages, each hidden for ``visibility`` seconds, until ``most`` were taken,
    the queue answers none, or as many as it held at the start were seen."""
    visible, _, _ = queue_counts(sqs, queue)
    wanted = visible if most is None else min(visible, most)
    taken: set[str] = set()
    while len(taken) < wanted:
        answer = sqs.receive_message(
            QueueUrl=queue.url,
            MaxNumberOfMessages=min(10, wanted - len(taken)),
            VisibilityTimeout=visibility,
            WaitTimeSeconds=RECEIVE_WAIT_SECONDS,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        fresh = [Received.from_sqs(message) for message in answer.get("Messages", [])]
        fresh = [message for message in fresh if message.message_id not in taken]
        if not fresh:
            return
        for message in fresh:
            taken.add(message.message_id)
            yield message


def make_visible(sqs: SQSClient, queue: Queue, messages: Sequence[Received]) -> None:
    """Ends the messages' hiding now (what fails here ends by itself with the visibility time-out)."""
    for start in range(0, len(messages), 10):
        chunk = messages[start : start + 10]
        with contextlib.suppress(ClientError, BotoCoreError):
            sqs.change_message_visibility_batch(
                QueueUrl=queue.url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message.receipt_handle, "VisibilityTimeout": 0}
                    for index, message in enumerate(chunk)
                ],
            )


# -- list --------------------------------------------------------------------------------------------


def list_dead_letters(wiring: Wiring, clients: Clients, *, now: datetime, limit: int | None, out: IO[str]) -> int:
    """Prints every dead-letter queue, its message count, and what each message is. Returns how many
    messages wait in all."""
    waiting = 0
    for dead_letters in wiring.dead_letter_queues.values():
        queue = dead_letters.queue
        visible, in_flight, retention = queue_counts(clients.sqs, queue)
        waiting += visible + in_flight
        fed_by = "; ".join(feed.describe() for feed in dead_letters.feeds) or "nothing in this stack"
        fifo = "FIFO, " if queue.fifo else ""
        busy = f", {in_flight} in flight (being replayed or listed)" if in_flight else ""
        print(f"{queue.logical_id} ({fifo}fed by {fed_by}): {visible} message(s){busy}", file=out)
        shown_messages: list[Received] = []
        try:
            for message in received(clients.sqs, queue, visibility=LIST_VISIBILITY_SECONDS, most=limit):
                shown_messages.append(message)
                letter = classify(message, dead_letters.kinds)
                for line in message_lines(dead_letters, wiring, message, letter, now=now, retention=retention):
                    print(f"  {line}", file=out)
        finally:
            make_visible(clients.sqs, queue, shown_messages)
        if limit is not None and visible > len(shown_messages):
            print(f"  ... {visible - len(shown_messages)} more not shown (--limit {limit})", file=out)
    for logical_id in sorted(set(wiring.absent)):
        print(f"({logical_id} is not in this stack: its template's conditions left it out)", file=out)
    return waiting


def message_lines(
    dead_letters: DeadLetterQueue,
    wiring: Wiring,
    message: Received,
    letter: Letter,
    *,
    now: datetime,
    retention: int,
) -> list[str]:
    sent = message.sent_at
    age = "age unknown" if sent is None else f"{ago(now - sent)} old"
    if sent is not None and retention:
        age += f", expires from this queue in {ago(sent + timedelta(seconds=retention) - now)}"
    lines = [f"{message.message_id}: {letter.describe()} ({age})"]
    match letter:
        case StreamBatch():
            lines.append(f"  records arrived {ago(now - letter.first_arrival)} ago: {_retention_note(letter, now)}")
        case DiscardedEvent() | MissedScheduleRun():
            functions = [wiring.functions.get(feed.source, feed.source) for feed in _feeds(dead_letters, letter)]
            lines.append(f"  function {', '.join(functions) or '?'}, event {shown(message.body)}")
        case UndeliveredEvent():
            lines.append(f"  event {shown(message.body)}")
        case QueuedMessage():
            lines.append(f"  body {shown(message.body)}")
        case _:
            pass
    error = error_of(letter)
    if error:
        lines.append(f"  error: {error}")
    return lines


def _retention_note(batch: StreamBatch, now: datetime) -> str:
    left = batch.first_arrival + STREAM_RETENTION - now
    if left <= timedelta(0):
        return "past the stream's 24-hour retention, cannot be replayed"
    return f"{ago(left)} left in the stream's 24-hour retention"


def ago(delta: timedelta) -> str:
    seconds = max(int(delta.total_seconds()), 0)
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"


# -- replay ------------------------------------------------------------------------------------------


@dataclass
class Replayer:
    """Hands one dead-letter queue's messages back to where they failed (``dry_run``: says what it
    would do, and reads only)."""

    dead_letters: DeadLetterQueue
    wiring: Wiring
    clients: Clients
    now: datetime
    dry_run: bool = False

    def replay(self, message: Received, letter: Letter) -> str:
        """What was done (or would be); raises ``NotReplayed``."""
        match letter:
            case QueuedMessage():
                return self._to_source_queue(message, letter)
            case StreamBatch():
                return self._stream_batch(letter)
            case FailedInvocation():
                function = self._function(FeedKind.ASYNC_DESTINATION, function_name_of(letter.function_arn))
                return self._invoke_async(function, json.dumps(letter.payload))
            case DiscardedEvent():
                return self._invoke_async(self._function(FeedKind.ASYNC_DLQ, None), message.body)
            case MissedScheduleRun():
                feed = self._feed(FeedKind.SCHEDULE_DLQ, _name_in(letter.target_arn))
                payload = feed.schedule_input if feed.schedule_input is not None else message.body
                return self._invoke_async(self.wiring.functions[feed.source], payload)
            case UndeliveredEvent():
                return self._to_rule_target(message, letter)
            case Unrecognised():
                raise NotReplayed(letter.describe())

    # -- a queue's redrive

    def _to_source_queue(self, message: Received, letter: QueuedMessage) -> str:
        sources = [
            self.wiring.queues[feed.source]
            for feed in self.dead_letters.feeds
            if feed.kind is FeedKind.QUEUE_REDRIVE and feed.source in self.wiring.queues
        ]
        if len(sources) != 1:
            raise NotReplayed(f"{len(sources)} source queues redrive here: which one this came from is unknown")
        source = sources[0]
        arguments: dict[str, Any] = {"QueueUrl": source.url, "MessageBody": message.body}
        if message.message_attributes:
            arguments["MessageAttributes"] = _message_attributes(message.message_attributes)
        if source.fifo:
            if not letter.group_id:
                raise NotReplayed(f"{source.logical_id} is FIFO and the message has no MessageGroupId")
            arguments["MessageGroupId"] = letter.group_id
            arguments["MessageDeduplicationId"] = replay_deduplication_id(message)
        group = f" (group {letter.group_id})" if source.fifo else ""
        if self.dry_run:
            return f"would send it back to {source.logical_id}{group}"
        try:
            sent = self.clients.sqs.send_message(**arguments)
        except (ClientError, BotoCoreError) as error:
            raise NotReplayed(f"{source.logical_id} did not take it: {error}") from None
        return f"sent back to {source.logical_id}{group} as {sent['MessageId']}"

    # -- an event rule's target

    def _to_rule_target(self, message: Received, letter: UndeliveredEvent) -> str:
        targets = [
            self.wiring.queues[feed.target]
            for feed in self.dead_letters.feeds
            if feed.kind is FeedKind.RULE_DLQ and feed.target in self.wiring.queues
        ]
        chosen = [queue for queue in targets if queue.arn == letter.target_arn] if letter.target_arn else targets
        if len(chosen) != 1:
            raise NotReplayed(
                f"the target {letter.target_arn or '(none named)'} is no queue a rule of this stack sends to"
            )
        target = chosen[0]
        if target.fifo:
            raise NotReplayed(f"{target.logical_id} is FIFO: the rule's message group is not known here")
        if self.dry_run:
            return f"would send the event to {target.logical_id}"
        try:
            sent = self.clients.sqs.send_message(QueueUrl=target.url, MessageBody=message.body)
        except (ClientError, BotoCoreError) as error:
            raise NotReplayed(f"{target.logical_id} did not take it: {error}") from None
        return f"sent the event to {target.logical_id} as {sent['MessageId']}"

    # -- asynchronous invocations

    def _feed(self, kind: FeedKind, function_name: str | None) -> Feed:
        feeds = [feed for feed in self.dead_letters.feeds if feed.kind is kind]
        if function_name is not None:
            feeds = [feed for feed in feeds if self.wiring.functions.get(feed.source) == function_name]
        if len(feeds) != 1:
            named = f" {function_name}" if function_name else ""
            raise NotReplayed(f"no single function{named} of this stack sends its failures here ({kind})")
        return feeds[0]

    def _function(self, kind: FeedKind, function_name: str | None) -> str:
        return self.wiring.functions[self._feed(kind, function_name).source]

    def _invoke_async(self, function: str, payload: str) -> str:
        if self.dry_run:
            return f"would invoke {function} asynchronously with {shown(payload)}"
        try:
            answer = self.clients.lambda_.invoke(
                FunctionName=function, InvocationType="Event", Payload=payload.encode()
            )
        except (ClientError, BotoCoreError) as error:
            raise NotReplayed(f"{function} was not invoked: {error}") from None
        if answer.get("StatusCode") != 202:
            raise NotReplayed(f"{function} answered {answer.get('StatusCode')} to an asynchronous invoke")
        return f"invoked {function} asynchronously with {shown(payload)}"

    # -- a stream batch

    def _stream_batch(self, batch: StreamBatch) -> str:
        function = self._function(
            FeedKind.STREAM_FAILURE, function_name_of(batch.function_arn) if batch.function_arn else None
        )
        if self.now - batch.first_arrival >= STREAM_RETENTION:
            raise NotReplayed(
                f"its first record arrived {ago(self.now - batch.first_arrival)} ago, past the stream's 24-hour "
                "retention: the records are gone and cannot be handed over again"
            )
        records = read_stream_batch(self.clients.streams, batch)
        if self.dry_run:
            return f"would hand {len(records)} re-read record(s) to {function}"
        handed = 0
        for chunk in batches(records, _record_size, max_items=len(records), max_bytes=SYNC_INVOKE_MAX_BYTES):
            try:
                self._invoke_with_stream_event(function, chunk, batch.stream_arn)
            except NotReplayed as why:
                done = f" ({handed} of its records were handed over first)" if handed else ""
                raise NotReplayed(f"{why}{done}") from None
            handed += len(chunk)
        return f"handed {handed} re-read record(s) to {function}"

    def _invoke_with_stream_event(self, function: str, records: list[dict[str, Any]], stream_arn: str) -> None:
        payload = json.dumps(stream_event(records, stream_arn), default=_binary).encode()
        try:
            answer = self.clients.lambda_.invoke(
                FunctionName=function, InvocationType="RequestResponse", Payload=payload
            )
        except (ClientError, BotoCoreError) as error:
            raise NotReplayed(f"{function} was not invoked: {error}") from None
        said = answer["Payload"].read() if "Payload" in answer else b""
        if answer.get("FunctionError"):
            raise NotReplayed(
                f"{function} failed again ({answer['FunctionError']}): {shown(said.decode(errors='replace'))}"
            )
        try:
            result = json.loads(said) if said else None
        except ValueError:
            result = None
        failures = result.get("batchItemFailures") if isinstance(result, dict) else None
        if failures:
            which = ", ".join(str(failure.get("itemIdentifier")) for failure in failures)
            raise NotReplayed(f"{function} reported {len(failures)} record(s) failed again: {which}")


def read_stream_batch(streams: Any, batch: StreamBatch) -> list[dict[str, Any]]:
    """The records of ``batch``, read again from its shard: from its first sequence number to its last."""
    start, end = int(batch.start_sequence), int(batch.end_sequence)
    records: list[dict[str, Any]] = []
    try:
        iterator = streams.get_shard_iterator(
            StreamArn=batch.stream_arn,
            ShardId=batch.shard_id,
            ShardIteratorType="AT_SEQUENCE_NUMBER",
            SequenceNumber=batch.start_sequence,
        ).get("ShardIterator")
        empty = 0
        while iterator and empty < MAX_EMPTY_READS:
            page = streams.get_records(ShardIterator=iterator, Limit=1000)
            empty = 0 if page["Records"] else empty + 1
            for record in page["Records"]:
                sequence = int(record["dynamodb"]["SequenceNumber"])
                if sequence > end:
                    iterator = None
                    break
                records.append(record)
                if sequence == end:
                    iterator = None
                    break
            else:
                iterator = page.get("NextShardIterator")
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code == "TrimmedDataAccessException":
            raise NotReplayed("the stream no longer holds these records (trimmed after 24 hours)") from None
        if code == "ResourceNotFoundException":
            raise NotReplayed(f"the stream or shard is gone ({batch.stream_arn}, {batch.shard_id})") from None
        raise NotReplayed(f"the stream could not be read: {error}") from None
    except BotoCoreError as error:
        raise NotReplayed(f"the stream could not be read: {error}") from None
    sequences = [int(record["dynamodb"]["SequenceNumber"]) for record in records]
    if not sequences or sequences[0] != start or sequences[-1] != end:
        raise NotReplayed(
            f"only {len(records)} of the batch's {batch.batch_size} record(s) could be read again "
            f"(sequence numbers {batch.start_sequence} to {batch.end_sequence})"
        )
    return records


def replay_deduplication_id(message: Received) -> str:
    """A FIFO message's deduplication id for its replay: not its original one (SQS would drop the copy
    within five minutes of it), and the same for every replay of this stay in the DLQ."""
    stay = message.attributes.get("SentTimestamp", "")
    return hashlib.sha256(f"replay/{message.message_id}/{stay}".encode()).hexdigest()


def replay_queue(
    wiring: Wiring,
    logical_id: str,
    clients: Clients,
    *,
    now: datetime,
    limit: int | None,
    dry_run: bool,
    out: IO[str],
) -> tuple[int, int]:
    """Replays the messages of one dead-letter queue; (replayed, left)."""
    if logical_id not in wiring.dead_letter_queues:
        known = ", ".join(sorted(wiring.dead_letter_queues)) or "none"
        raise WiringError(f"{logical_id} is no dead-letter queue of this stack (its dead-letter queues: {known})")
    dead_letters = wiring.dead_letter_queues[logical_id]
    replayer = Replayer(dead_letters, wiring, clients, now, dry_run=dry_run)
    visibility = LIST_VISIBILITY_SECONDS if dry_run else REPLAY_VISIBILITY_SECONDS
    held: list[Received] = []
    stalled_groups: set[str] = set()
    replayed = left = 0
    try:
        for message in received(clients.sqs, dead_letters.queue, visibility=visibility, most=limit):
            letter = classify(message, dead_letters.kinds)
            group = letter.group_id if isinstance(letter, QueuedMessage) else None
            if group is not None and group in stalled_groups:
                held.append(message)
                left += 1
                print(f"left {message.message_id}: an earlier message of group {group} was not replayed", file=out)
                continue
            try:
                done = replayer.replay(message, letter)
            except NotReplayed as why:
                held.append(message)
                left += 1
                if group is not None:
                    stalled_groups.add(group)
                print(f"left {message.message_id} ({letter.describe()}): {why}", file=out)
                continue
            if dry_run:
                held.append(message)
                replayed += 1
                print(f"{message.message_id} ({letter.describe()}): {done}", file=out)
                continue
            replayed += 1
            try:
                clients.sqs.delete_message(QueueUrl=dead_letters.queue.url, ReceiptHandle=message.receipt_handle)
            except (ClientError, BotoCoreError) as error:
                print(f"replayed {message.message_id}: {done}; but not deleted ({error}): it will show again", file=out)
                continue
            print(f"replayed {message.message_id}: {done}", file=out)
    finally:
        make_visible(clients.sqs, dead_letters.queue, held)
    return replayed, left


# -- the command ---------------------------------------------------------------------------------------


def stack_wiring(arguments: argparse.Namespace, clients: Clients) -> Wiring:
    template = Path(arguments.template) if arguments.template else None
    if arguments.stage == "local":
        parameters = {"Stage": "local", **dict(arguments.parameter)}
        local = LocalStack.from_template(template or TEMPLATE, arguments.stack, parameters, clients.sqs)
        return wiring_of(local.document, local, clients.sqs)
    deployed = DeployedStack(clients.cloudformation, arguments.stack)
    document = load_template(template) if template else deployed.template()
    return wiring_of(document, deployed, clients.sqs)


def _parameter(text: str) -> tuple[str, str]:
    name, equals, value = text.partition("=")
    if not equals or not name:
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=VALUE")
    return name, value


def main(argv: list[str] | None = None, clients: Clients | None = None, now: datetime | None = None) -> int:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--stack", required=True, help="the stack's name (the local stack's too)")
    common.add_argument(
        "--stage",
        choices=["local", "dev", "prod"],
        help="local: names from the template, as the local stack makes them; otherwise the deployed stack's",
    )
    common.add_argument(
        "--template",
        help="the SAM template to read the wiring from (default: the deployed stack's own; local: template.yaml)",
    )
    common.add_argument(
        "--parameter",
        action="append",
        type=_parameter,
        default=[],
        metavar="NAME=VALUE",
        help="a template parameter (local)",
    )
    common.add_argument(
        "--limit", type=int, help=f"at most this many messages (list: of each queue, default {LIST_LIMIT}; replay: all)"
    )
    parser = argparse.ArgumentParser(prog="python -m ops.dead_letters", description=__doc__.split("\n\n")[0])
    actions = parser.add_subparsers(dest="action", required=True)
    actions.add_parser("list", parents=[common], help="every dead-letter queue and what it holds")
    replay = actions.add_parser("replay", parents=[common], help="replay one dead-letter queue's messages")
    replay.add_argument("--queue", required=True, help="the dead-letter queue's logical id, e.g. SalesforceChangesDLQ")
    replay.add_argument("--dry-run", action="store_true", help="say what would be done; change nothing")
    arguments = parser.parse_args(argv)
    if arguments.limit is not None and arguments.limit < 1:
        parser.error("--limit must be at least 1")
    clients = clients or Clients.from_environment()
    moment = now or datetime.now(UTC)
    try:
        wiring = stack_wiring(arguments, clients)
        if arguments.action == "list":
            list_dead_letters(wiring, clients, now=moment, limit=arguments.limit or LIST_LIMIT, out=sys.stdout)
            return 0
        replayed, left = replay_queue(
            wiring,
            arguments.queue,
            clients,
            now=moment,
            limit=arguments.limit,
            dry_run=arguments.dry_run,
            out=sys.stdout,
        )
    except (WiringError, ClientError, BotoCoreError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    verb = "would replay" if arguments.dry_run else "replayed"
    print(f"{verb} {replayed}, left {left}", file=sys.stderr)
    return 1 if left else 0


def _feeds(dead_letters: DeadLetterQueue, letter: Letter) -> list[Feed]:
    kind = FeedKind.SCHEDULE_DLQ if isinstance(letter, MissedScheduleRun) else FeedKind.ASYNC_DLQ
    return [feed for feed in dead_letters.feeds if feed.kind is kind]


def _name_in(arn: str | None) -> str | None:
    return None if arn is None else function_name_of(arn)


def _message_attributes(attributes: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    kept = ("DataType", "StringValue", "BinaryValue")
    return {name: {key: value[key] for key in kept if key in value} for name, value in attributes.items()}


def _record_size(record: Mapping[str, Any]) -> int:
    return len(json.dumps(record, default=_binary))


def _binary(value: Any) -> Any:
    """JSON for what boto3 hands back that JSON has not: bytes as base64 (as Lambda's event carries B and
    BS values), times as epoch seconds."""
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON")


if __name__ == "__main__":
    sys.exit(main())
