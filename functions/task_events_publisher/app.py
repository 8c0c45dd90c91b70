"""Publishes the reminder-task table's stream as SIA task events on the app's event bus.

Every stream record of the batch is turned into its event first, then the events are put in as few
PutEvents calls as EventBridge takes (ten entries, under 256 KB); a record whose event EventBridge did
not take is reported as failed, so that Lambda retries from it (bisecting, up to its retry limit, then
the record's metadata lands in the DLQ).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasksync.adapters.dynamodb.reminder_stream import reminder_event_from_stream_record
from tasksync.composition.publisher import event_bridge
from tasksync.configuration import load_config
from tasksync.configuration.functions import PublisherConfig
from tasksync.observability import logger, metrics, tracer
from tasksync.queued_events import put_events_requests, reminder_event_entry

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


@logger.inject_lambda_context
@metrics.log_metrics
@tracer().capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    config = load_config(PublisherConfig)
    entries: list[tuple[str, PutEventsRequestEntryTypeDef]] = []
    failed: dict[str, Exception] = {}
    for record in event["Records"]:
        sequence = record["dynamodb"]["SequenceNumber"]
        try:
            task_event = reminder_event_from_stream_record(record)
        except (ValueError, KeyError) as error:
            logger.error("stream record is no task change", sequence_number=sequence, error=repr(error))
            failed[sequence] = error
            continue
        if task_event is not None:
            entry = reminder_event_entry(
                task_event,
                bus_name=config.app_event_bus_name,
                source=config.task_event_source,
                detail_type=config.task_event_detail_type,
            )
            entries.append((sequence, entry))
    for chunk in put_events_requests(entries):
        answer = event_bridge().put_events(Entries=[entry for _, entry in chunk])
        for (sequence, _), result in zip(chunk, answer["Entries"], strict=True):
            if "ErrorCode" in result:
                logger.warning("event not taken by EventBridge", sequence_number=sequence, error=result["ErrorCode"])
                failed[sequence] = RuntimeError(f"{result['ErrorCode']}: {result.get('ErrorMessage', '')}")

    def published(record: DynamoDBRecord) -> None:
        sequence = record.dynamodb.sequence_number if record.dynamodb else None
        if sequence in failed:
            raise failed[sequence]

    return process_partial_response(event=event, record_handler=published, processor=processor, context=context)
