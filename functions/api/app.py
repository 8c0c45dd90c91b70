"""The rep's HTTP API (SPEC 9): tasks, Command Center, sync settings, the Salesforce connection and sync
errors, behind the HTTP API's JWT authorizer. Routes live in ``tasksync.http_api``; errors are answered
in one place (``tasksync.http_api.errors``)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from tasksync.http_api import connection_routes, settings_routes, task_routes
from tasksync.http_api.errors import register_error_answers
from tasksync.observability import logger, metrics

app = APIGatewayHttpResolver()
app.include_router(task_routes.router)
app.include_router(settings_routes.router)
app.include_router(connection_routes.router)
register_error_answers(app)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
