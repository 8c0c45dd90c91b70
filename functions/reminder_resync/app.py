"""The scheduled SIA-side resync: each syncing rep's tasks whose latest change never reached Salesforce
(a lost event, a dead-lettered one) are synced again, as their current state."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from tasksync.composition.sync import sync_root
from tasksync.configuration import load_config
from tasksync.configuration.functions import SafetyNetConfig
from tasksync.domain.settings import SyncSettings
from tasksync.observability import logger, metrics, tracer
from tasksync.sync_metrics import count_round
from tasksync.use_cases.reminder_resync import resync_reminders
from tasksync.use_cases.safety_nets import SweepResult
from tasksync.use_cases.scheduled_rounds import BudgetGovernor, run_round


@logger.inject_lambda_context
@metrics.log_metrics
@tracer().capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, object]:
    root = sync_root(SafetyNetConfig)
    calls_before = root.salesforce_calls()

    def resync(settings: SyncSettings) -> SweepResult:
        return resync_reminders(settings, root.services)

    result = run_round(resync, root.services, BudgetGovernor(load_config(SafetyNetConfig).api_budget_threshold))
    return count_round(result, salesforce_calls=root.salesforce_calls() - calls_before)
