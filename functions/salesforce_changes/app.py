"""Applies Salesforce Task changes to SIA: ``handler`` reads the webhook's FIFO queue (in order per
record, one failing record's group skipped while the others go on), ``relay_handler`` Event Relay's
standard queue (the engine orders by commit time and drops what is stale, so no fixed message group
holds up the org). Each change goes to the reps it concerns (``use_cases.routing``); a change of every
Task (``GAP_OVERFLOW``, a wildcard id) starts the org's reconciliation once per event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasksync.adapters.dynamodb.idempotency import idempotency_config, idempotency_store
from tasksync.change_events.conversion import ReconcileOrg
from tasksync.change_events.queued import org_changes_of
from tasksync.composition.sync import sync_root
from tasksync.configuration import load_config
from tasksync.configuration.functions import SalesforceChangesConfig
from tasksync.engine.changes import SalesforceChange
from tasksync.engine.decisions import Decision
from tasksync.observability import logger, metrics, tracer
from tasksync.sync_metrics import count_decisions
from tasksync.use_cases.routing import apply_org_changes

fifo_processor = SqsFifoPartialProcessor(skip_group_on_error=True)
relay_processor = BatchProcessor(event_type=EventType.SQS)


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@metrics.log_metrics
@tracer().capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return _apply(event, context, fifo_processor)


@logger.inject_lambda_context(correlation_id_path="Records[0].messageId")
@metrics.log_metrics
@tracer().capture_lambda_handler
def relay_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return _apply(event, context, relay_processor)


def _apply(
    event: dict[str, Any], context: LambdaContext, processor: SqsFifoPartialProcessor | BatchProcessor
) -> PartialItemFailureResponse:
    root = sync_root(SalesforceChangesConfig).for_invocation()
    _idempotent_start().config.register_lambda_context(context)
    calls_before = root.salesforce_calls()
    decisions: list[Decision] = []

    def apply_message(record: SQSRecord) -> None:
        changes = org_changes_of(record.body)
        applied = apply_org_changes(
            changes.org_id, [c for c in changes.changes if isinstance(c, SalesforceChange)], root.services
        )
        decisions.extend(decision for by_rep in applied for decision in by_rep.values())
        for signal in (c for c in changes.changes if isinstance(c, ReconcileOrg)):
            start_reconciliation(signal=_signal(signal))

    try:
        return process_partial_response(event=event, record_handler=apply_message, processor=processor, context=context)
    finally:
        count_decisions(
            decisions,
            failed=len(processor.fail_messages),
            salesforce_calls=root.salesforce_calls() - calls_before,
        )


def _signal(signal: ReconcileOrg) -> dict[str, str]:
    return {
        "orgId": signal.org_id,
        "reason": signal.reason.value,
        "commitAt": signal.commit_at.isoformat(),
        "eventKey": signal.event_key or "",
    }


def start_reconciliation(*, signal: dict[str, str]) -> None:
    _idempotent_start().start(signal=signal)


@dataclass(frozen=True)
class _Start:
    start: Callable[..., dict[str, str]]
    config: IdempotencyConfig


@cache
def _idempotent_start() -> _Start:
    """A redelivered ``GAP_OVERFLOW`` starts no second reconciliation: no link records a whole-entity
    event, so the engine cannot drop it by itself (Powertools idempotency, docs/decisions/0009)."""
    settings = load_config(SalesforceChangesConfig)
    config = idempotency_config("[orgId, eventKey, commitAt]")

    @idempotent_function(  # type: ignore[untyped-decorator]  # Powertools types it as returning Any
        data_keyword_argument="signal",
        persistence_store=idempotency_store(settings.idempotency_table_name),
        config=config,
    )
    def start(signal: dict[str, str]) -> dict[str, str]:
        sync_root(SalesforceChangesConfig).invoke(settings.reconciliation_function_name, signal)
        logger.info("reconciliation started", extra=signal)
        return signal

    return _Start(start=start, config=config)
