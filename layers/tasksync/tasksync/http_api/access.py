"""Who may call a user route: the API Gateway JWT authorizer has checked the token's signature, issuer,
audience and lifetime before the function runs; the function checks that the token's subject is the
``{userId}`` of the path, so that a rep reaches only their own tasks, settings, connection and errors."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from tasksync.http_api.errors import ApiError

Model = TypeVar("Model", bound=BaseModel)


def caller(event: Any) -> str:
    """The authenticated user's id (the token's ``sub``); 401 without one."""
    claims = event.request_context.authorizer.jwt_claim or {}
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject:
        raise ApiError(HTTPStatus.UNAUTHORIZED, "UNAUTHENTICATED", "a valid bearer token is required")
    return subject


def require_owner(event: Any, user_id: str) -> None:
    """403 when the caller is not ``user_id``: the route names the user, so saying it exists leaks nothing
    the caller did not send."""
    if caller(event) != user_id:
        raise ApiError(HTTPStatus.FORBIDDEN, "FORBIDDEN", "you can reach only your own resources")


def body_as(event: Any, model: type[Model]) -> Model:
    """The JSON body as ``model``; 400 for no body, bad JSON or a body the model refuses."""
    raw = event.decoded_body if event.body is not None else None
    if not raw:
        raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_BODY", "a JSON body is required")
    try:
        return model.model_validate_json(raw)
    except ValidationError as error:
        if any(problem["type"] == "json_invalid" for problem in error.errors()):
            raise ApiError(HTTPStatus.BAD_REQUEST, "INVALID_JSON", "the body is not valid JSON") from error
        raise
