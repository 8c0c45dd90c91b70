"""The scheduled SIA-side resync: each syncing rep's tasks whose latest change never reached Salesforce
(a lost event, a dead-lettered one) are synced again, as their current state."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tasksync.observability import logger, metrics, tracer
from tasksync.scheduled_jobs import run_scheduled
from tasksync.use_cases.reminder_resync import resync_reminders
from tasksync.use_cases.scheduled_rounds import run_round


@logger.inject_lambda_context
@metrics.log_metrics
@tracer().capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    return run_scheduled(
        lambda root, governor: run_round(
            lambda settings: resync_reminders(settings, root.services), root.services, governor
        )
    )
