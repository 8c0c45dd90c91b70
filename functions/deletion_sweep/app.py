"""The scheduled deletion sweep: each syncing rep's Salesforce deletes since their cursor (getDeleted,
never more than 15 days back), and the audit of their links when Salesforce says deletes were lost."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tasksync.observability import logger, metrics, tracer
from tasksync.scheduled_jobs import run_scheduled
from tasksync.use_cases.safety_nets import sweep_deletions
from tasksync.use_cases.scheduled_rounds import run_round


@logger.inject_lambda_context
@metrics.log_metrics
@tracer().capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    return run_scheduled(
        lambda root, governor: run_round(
            lambda settings: sweep_deletions(settings, root.services, root.cursors), root.services, governor
        )
    )
