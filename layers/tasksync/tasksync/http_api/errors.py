"""The one place where what went wrong becomes an HTTP answer, in SPEC 9's shape
``{"error": {"code", "message"}}``. Routes raise domain errors or ``ApiError``; nothing else answers an
error."""

from __future__ import annotations

import json
from http import HTTPStatus

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from pydantic import ValidationError

from tasksync.observability import logger
from tasksync.ports.reminder_tasks import TaskNotFound, VersionConflict
from tasksync.ports.sync_state import ConcurrentUpdate, SalesforceUserTaken


class ApiError(Exception):
    def __init__(self, status: HTTPStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def error_response(status: HTTPStatus, code: str, message: str) -> Response[str]:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(status_code=status.value, content_type=content_types.APPLICATION_JSON, body=body)


def validation_message(error: ValidationError) -> str:
    """Each problem as ``<where>: <what>``, where is the JSON field (camelCase, as sent)."""
    problems = []
    for problem in error.errors(include_url=False):
        where = ".".join(str(part) for part in problem["loc"]) or "body"
        problems.append(f"{where}: {problem['msg']}")
    return "; ".join(problems)


def _api_error(error: ApiError) -> Response[str]:
    return error_response(error.status, error.code, error.message)


def _invalid(error: ValidationError) -> Response[str]:
    return error_response(HTTPStatus.BAD_REQUEST, "INVALID_BODY", validation_message(error))


def _no_task(error: TaskNotFound) -> Response[str]:
    return error_response(HTTPStatus.NOT_FOUND, "TASK_NOT_FOUND", f"no task {error}")


def _busy(error: Exception) -> Response[str]:
    # The store and the settings retry their own races; one that outlasts them is the client's to retry.
    return error_response(HTTPStatus.CONFLICT, "CONCURRENT_CHANGE", "it changed meanwhile; try again")


def _taken(error: SalesforceUserTaken) -> Response[str]:
    return error_response(HTTPStatus.CONFLICT, "SALESFORCE_USER_TAKEN", str(error))


def _no_route(error: NotFoundError) -> Response[str]:
    return error_response(HTTPStatus.NOT_FOUND, "NOT_FOUND", "no such resource")


def _unexpected(error: Exception) -> Response[str]:
    logger.exception("the API failed")
    return error_response(HTTPStatus.INTERNAL_SERVER_ERROR, "INTERNAL", "something went wrong on our side")


def register_error_answers(app: APIGatewayHttpResolver) -> None:
    app.exception_handler(ApiError)(_api_error)
    app.exception_handler(ValidationError)(_invalid)
    app.exception_handler(TaskNotFound)(_no_task)
    app.exception_handler([VersionConflict, ConcurrentUpdate])(_busy)
    app.exception_handler(SalesforceUserTaken)(_taken)
    app.not_found(_no_route)
    app.exception_handler(Exception)(_unexpected)
