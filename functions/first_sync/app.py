"""The first (re)sync of one user (SPEC 5), invoked asynchronously with ``{"userId": ...}`` when sync is
turned on, and by itself with ``{"userId": ..., "resume": true}`` to go on from a checkpoint before its
time-out (docs/decisions/0010). Lambda retries a failed invocation twice, then sends it to the DLQ.
"""

from __future__ import annotations

from datetime import timedelta

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.parser import event_parser
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict, Field

from tasksync.composition.sync import sync_root
from tasksync.configuration.functions import FirstSyncConfig
from tasksync.domain.settings import FirstSyncState
from tasksync.observability import Metric, logger, metrics, tracer
from tasksync.use_cases.first_sync import Invocation, run_first_sync


class FirstSyncRequest(BaseModel):
    """A bad event (no user, unknown fields) is refused whole before anything is read or changed."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    user_id: str = Field(alias="userId", min_length=1, max_length=128)
    resume: bool = False


@logger.inject_lambda_context(correlation_id_path="userId")
@metrics.log_metrics
@tracer().capture_lambda_handler
@event_parser(model=FirstSyncRequest)
def handler(event: FirstSyncRequest, context: LambdaContext) -> dict[str, object]:
    root = sync_root(FirstSyncConfig)
    calls_before = root.salesforce_calls()
    invocation = Invocation(
        time_left=lambda: timedelta(milliseconds=context.get_remaining_time_in_millis()),
        hand_over=lambda: root.invoke(context.function_name, {"userId": event.user_id, "resume": True}),
        request_id=context.aws_request_id,
    )
    try:
        progress = run_first_sync(
            event.user_id, root.services, root.cursors, resume=event.resume, invocation=invocation
        )
    except Exception:
        logger.exception("first sync stopped by an error; Lambda retries the invocation")
        raise
    finally:
        metrics.add_metric(Metric.SALESFORCE_CALLS, MetricUnit.Count, root.salesforce_calls() - calls_before)
    if progress.state is FirstSyncState.FAILED:
        metrics.add_metric(Metric.SYNC_ERRORS, MetricUnit.Count, 1)
        logger.error("first sync failed", error_code=progress.error_code, error=progress.error)
    else:
        logger.info("first sync leg ended", state=progress.state, imported=progress.imported, total=progress.total)
    return {"state": progress.state.value, "total": progress.total, "imported": progress.imported}
