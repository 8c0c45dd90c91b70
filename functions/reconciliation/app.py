"""The reconciliation poll: hourly, each syncing rep's Salesforce changes since their cursor
(getUpdated); started by ``salesforce_changes`` with ``{"orgId": ...}`` when an event stands for every
Task of an org (``GAP_OVERFLOW``, a wildcard id), that org's reps also audit their links for deletes."""

from __future__ import annotations

from datetime import datetime

from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from tasksync.observability import logger, metrics, tracer
from tasksync.scheduled_jobs import run_scheduled
from tasksync.use_cases.safety_nets import reconcile_updates
from tasksync.use_cases.scheduled_rounds import reconcile_org, run_round


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
    org_id = event.org_id
    if org_id is None:
        return run_scheduled(
            lambda root, governor: run_round(
                lambda settings: reconcile_updates(settings, root.services, root.cursors), root.services, governor
            )
        )
    logger.info("reconciling an org after a change of every Task", org_id=org_id, reason=event.reason)
    return run_scheduled(
        lambda root, governor: reconcile_org(org_id, root.services, root.cursors, governor, event.commit_at)
    )
