"""Applies SIA reminder-task events to Salesforce: a batch of the standard queue at a time, each task
synced once from its latest event, each rep's writes shared (``use_cases.reminder_batches``).

The queue is not FIFO, so no rep's failing record holds up another's: a failed task's messages come
back after the visibility time-out, and go to the dead-letter queue after five receives.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasksync.composition.sync import sync_root
from tasksync.configuration.functions import ReminderChangesConfig
from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.observability import logger, metrics, tracer
from tasksync.queued_events import reminder_event_of
from tasksync.sync_metrics import count_decisions
from tasksync.use_cases.reminder_batches import apply_reminder_batch

processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@metrics.log_metrics
@tracer().capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    root = sync_root(ReminderChangesConfig).for_invocation()
    calls_before = root.salesforce_calls()
    events: dict[str, ReminderTaskEvent] = {}
    unreadable: dict[str, ValueError] = {}
    for record in event["Records"]:
        try:
            events[record["messageId"]] = reminder_event_of(record["body"])
        except ValueError as error:
            logger.error("unreadable reminder-task event", message_id=record["messageId"], error=str(error))
            unreadable[record["messageId"]] = error
    outcome = apply_reminder_batch(events.values(), root.services)
    for event_id, failure in outcome.failed.items():
        logger.warning("reminder-task event not applied; it will be retried", event_id=event_id, error=repr(failure))
    count_decisions(
        outcome.decisions.values(),
        failed=len(outcome.failed) + len(unreadable),
        salesforce_calls=root.salesforce_calls() - calls_before,
    )

    def settled(record: SQSRecord) -> None:
        """Raises for a message whose event was not applied, so that it alone comes back."""
        if record.message_id in unreadable:
            raise unreadable[record.message_id]
        failure = outcome.failed.get(events[record.message_id].event_id)
        if failure is not None:
            raise failure

    return process_partial_response(event=event, record_handler=settled, processor=processor, context=context)
