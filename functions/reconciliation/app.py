"""The reconciliation poll: hourly, each syncing rep's Salesforce changes since their cursor
(getUpdated); started by ``salesforce_changes`` with ``{"orgId": ...}`` when an event stands for every
Task of an org (``GAP_OVERFLOW``, a wildcard id), that org's reps also audit their links for deletes."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from tasksync.composition.sync import sync_root
from tasksync.configuration import load_config
from tasksync.configuration.functions import SafetyNetConfig
from tasksync.domain.settings import SyncSettings
from tasksync.observability import logger, metrics, tracer
from tasksync.sync_metrics import count_round
from tasksync.use_cases.safety_nets import SweepResult, reconcile_updates
from tasksync.use_cases.scheduled_rounds import BudgetGovernor, reconcile_org, run_round


class ReconciliationRequest(BaseModel):
    """The schedule's (empty) or an org's (``orgId``, from a whole-entity change event)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    org_id: str | None = Field(default=None, alias="orgId", pattern=r"^00D[0-9A-Za-z]{12}([0-9A-Za-z]{3})?$")
    reason: str | None = None
    commit_at: datetime | None = Field(default=None, alias="commitAt")
    """When every Task changed: the run fails (and Lambda tries again) until getUpdated covers it."""


@logger.inject_lambda_context
@metrics.log_metrics
@tracer().capture_lambda_handler
@event_parser(model=ReconciliationRequest)
def handler(event: ReconciliationRequest, context: LambdaContext) -> dict[str, object]:
    root = sync_root(SafetyNetConfig)
    calls_before = root.salesforce_calls()
    governor = BudgetGovernor(load_config(SafetyNetConfig).api_budget_threshold)
    if event.org_id is not None:
        logger.info("reconciling an org after a change of every Task", org_id=event.org_id, reason=event.reason)
        result = reconcile_org(event.org_id, root.services, root.cursors, governor, event.commit_at)
    else:

        def reconcile(settings: SyncSettings) -> SweepResult:
            return reconcile_updates(settings, root.services, root.cursors)

        result = run_round(reconcile, root.services, governor)
    return count_round(result, salesforce_calls=root.salesforce_calls() - calls_before)
