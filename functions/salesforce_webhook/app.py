"""``POST /v1/webhooks/salesforce/{orgId}/cdc``: checks a relay's signed request and queues its Task
change events for ``salesforce_changes`` (``tasksync.webhook_intake`` holds the checks and the queue's
contract). Answers 202 ``{"queued": n}``, or ``{"error": {"code", "message"}}`` with 413, 415, 401, 400,
or 503 when SQS took only part (the relay sends again; copies are deduplicated).

No tracer: Powertools' Tracer imports the X-Ray SDK, which would put this function's cold start over
its budget, and the relay waits for the answer. Lambda's own segment (``Tracing: Active``) and the HTTP API's access
log still time each request (docs/decisions/0008-webhook-intake.md).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit

from tasksync.composition.intake import intake_root
from tasksync.observability import Metric, logger, metrics
from tasksync.webhook_intake import Refused, WebhookRequest, take_in
from tasksync.webhook_signature import HEADER

if TYPE_CHECKING:
    from aws_lambda_powertools.utilities.typing import LambdaContext


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Payload format 2.0: header names lower-case, duplicates joined with commas (API Gateway Developer
    # Guide, "Create AWS Lambda proxy integrations for HTTP APIs"). Powertools' event data classes would
    # cost a tenth of the cold start for these five reads.
    headers = event.get("headers") or {}
    request = WebhookRequest(
        org_id=(event.get("pathParameters") or {}).get("orgId", ""),
        content_type=headers.get("content-type"),
        signature=headers.get(HEADER.lower()),
        body=event.get("body") or "",
        base64_encoded=bool(event.get("isBase64Encoded")),
    )
    root = intake_root()
    try:
        queued = take_in(request, secrets=root.secrets, queue=root.queue, now=root.clock())
    except Refused as refusal:
        logger.warning(
            "webhook request refused",
            org_id=request.org_id,
            status=refusal.status,
            code=refusal.code,
            reason=refusal.message,
        )
        metrics.add_metric(name=Metric.WEBHOOK_REFUSED, unit=MetricUnit.Count, value=1)
        return _answer(refusal.status, {"error": {"code": refusal.code, "message": refusal.message}})
    logger.info("change events queued", org_id=request.org_id, queued=queued)
    metrics.add_metric(name=Metric.CHANGES_ENQUEUED, unit=MetricUnit.Count, value=queued)
    return _answer(202, {"queued": queued})


def _answer(status: int, body: dict[str, Any]) -> dict[str, Any]:
    return {"statusCode": status, "headers": {"content-type": "application/json"}, "body": json.dumps(body)}
