"""Errors as Salesforce answers them.

REST API Developer Guide, "Status Codes and Error Responses": the body is a JSON list of
``{"message", "errorCode"}`` objects, with ``"fields"`` where the error concerns fields; for example
``[{"fields": ["Id"], "message": "Account ID: id value of incorrect type: 001900K0001pPuOAAU",
"errorCode": "MALFORMED_ID"}]`` and ``[{"errorCode": "NOT_FOUND", "message": "The requested resource
does not exist"}]``. Inside sObject Collections results the same error is ``{"statusCode", "message",
"fields"}`` ("Create Records Using sObject Collections", example response bodies).

OAuth errors are ``{"error", "error_description"}`` with HTTP 400 (Salesforce Help, "OAuth 2.0 Refresh
Token Flow for Renewed Sessions").
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """One REST error: answered as ``[{"message", "errorCode", "fields"?}]`` with ``status``."""

    def __init__(self, status: int, code: str, message: str, fields: list[str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        item: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = list(self.fields)
        return [item]

    def collection_item(self) -> dict[str, Any]:
        """The error as one entry of a collection result's ``errors`` list."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields or [])}


class OAuthError(Exception):
    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def invalid_session() -> ApiError:
    # REST API Developer Guide, "Status Codes and Error Responses": 401, session expired or invalid.
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def malformed_id(label: str, value: str) -> ApiError:
    return ApiError(400, "MALFORMED_ID", f"{label} ID: id value of incorrect type: {value}", ["Id"])


def entity_is_deleted() -> ApiError:
    # Widely observed, not on a doc page: GET/PATCH/DELETE of a record in the recycle bin.
    return ApiError(404, "ENTITY_IS_DELETED", "entity is deleted", [])


def request_limit_exceeded() -> ApiError:
    # REST API Developer Guide, "Status Codes and Error Responses": 403 REQUEST_LIMIT_EXCEEDED.
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def server_unavailable() -> ApiError:
    return ApiError(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable. Please try again later.")


def unable_to_lock_row(record_id: str | None = None) -> ApiError:
    what = f": {record_id}" if record_id else ""
    return ApiError(
        400, "UNABLE_TO_LOCK_ROW", f"unable to obtain exclusive access to this record or 1 records{what}", []
    )


def json_parser_error(message: str) -> ApiError:
    return ApiError(400, "JSON_PARSER_ERROR", message)
