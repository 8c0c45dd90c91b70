"""Sorting Salesforce failures into ``ErrorKind``: what the caller must do about them.

Sources: REST API Developer Guide, "Status Codes and Error Responses" (a JSON list of
``{"message", "errorCode", "fields"}``; 401 expired session; 403 ``REQUEST_LIMIT_EXCEEDED``; 404; 5xx),
and "sObject Collections" (per-item ``{"statusCode", "message", "fields"}``: ``statusCode`` there).
``ENTITY_IS_DELETED`` (a record in the recycle bin) is not on a doc page but widely observed: match the
code, not the HTTP status.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from tasksync.ports.salesforce import ErrorKind, SalesforceError


class Operation(StrEnum):
    """What the failed call tried: NOT_FOUND means "already deleted" only for some of them."""

    READ = "read"  # one record by id
    QUERY = "query"
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


TRANSIENT_CODES = frozenset(
    {
        "UNABLE_TO_LOCK_ROW",
        "REQUEST_LIMIT_EXCEEDED",
        "SERVER_UNAVAILABLE",
        # allOrNone=true only (we send false): the record itself was fine, another one failed.
        "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    }
)
ALREADY_DELETED_CODES = frozenset({"ENTITY_IS_DELETED"})
NOT_FOUND_CODES = frozenset({"NOT_FOUND"})
AUTH_CODES = frozenset({"INVALID_SESSION_ID", "invalid_grant"})
_DELETED_WHEN_NOT_FOUND = frozenset({Operation.READ, Operation.UPDATE, Operation.DELETE})
_TRANSIENT_STATUSES = frozenset({408, 429})


def sort_error(code: str, status: int | None, operation: Operation) -> ErrorKind:
    """``status`` is the HTTP status of a whole call, None for one item of a collection answer."""
    if code in TRANSIENT_CODES or (status is not None and (status >= 500 or status in _TRANSIENT_STATUSES)):
        return ErrorKind.TRANSIENT
    if code in AUTH_CODES or status == 401:
        return ErrorKind.AUTH
    if code in ALREADY_DELETED_CODES:
        return ErrorKind.ALREADY_DELETED
    if code in NOT_FOUND_CODES and operation in _DELETED_WHEN_NOT_FOUND:
        return ErrorKind.ALREADY_DELETED
    # Validation rules, required fields, access, restricted picklists, too-long strings, and any other
    # 4xx: the same request fails again, so record it and move on.
    return ErrorKind.PERMANENT


def error_from_response(status: int, content: Any, operation: Operation) -> SalesforceError:
    """From a failed call's status and parsed body (simple-salesforce's ``exc.status``/``exc.content``)."""
    code, message, fields = _first_error(content, code_key="errorCode")
    code = code or f"HTTP_{status}"
    return SalesforceError(sort_error(code, status, operation), code, message, fields, nothing_written=_refused(code))


def error_from_collection_item(errors: Sequence[Mapping[str, Any]], operation: Operation) -> SalesforceError:
    """From one failed item of an sObject Collections answer."""
    code, message, fields = _first_error(errors, code_key="statusCode")
    code = code or "UNKNOWN_ERROR"
    return SalesforceError(sort_error(code, None, operation), code, message, fields, nothing_written=_refused(code))


def _refused(code: str) -> bool:
    """Whether Salesforce's own error code says it took nothing: a lock it could not get, a server down
    or an allowance spent refuse the request whole ("Status Codes and Error Responses": 503, 403
    ``REQUEST_LIMIT_EXCEEDED``), and with ``allOrNone=false`` a record that failed was not saved
    ("sObject Collections"). A bare 5xx (a proxy's 502 or 504, say) may come after the commit."""
    return code in TRANSIENT_CODES


def transient_error(exc: Exception) -> SalesforceError:
    """Time-outs and connection failures: the request may or may not have reached Salesforce."""
    return SalesforceError(ErrorKind.TRANSIENT, type(exc).__name__.upper(), str(exc))


def _first_error(content: Any, *, code_key: str) -> tuple[str, str, tuple[str, ...]]:
    if isinstance(content, Mapping):
        # OAuth answers: {"error": "invalid_grant", "error_description": "..."}; some gateways send one
        # error object instead of a list.
        if "error" in content:
            return str(content["error"]), str(content.get("error_description", "")), ()
        content = [content]
    if isinstance(content, Sequence) and not isinstance(content, str | bytes) and content:
        items = [item for item in content if isinstance(item, Mapping)]
        if items:
            first = items[0]
            code = str(first.get(code_key) or first.get("errorCode") or first.get("statusCode") or "")
            message = "; ".join(str(item.get("message", "")) for item in items)
            fields = tuple(str(name) for name in first.get("fields") or ())
            return code, message, fields
    if isinstance(content, bytes):
        content = content.decode("utf-8", "replace")
    return "", str(content)[:500] if content else "", ()
