"""Error sorting: what the caller must do with each Salesforce failure."""

from __future__ import annotations

import pytest
import requests

from tasksync.adapters.salesforce.errors import (
    Operation,
    error_from_collection_item,
    error_from_response,
    sort_error,
    transient_error,
)
from tasksync.ports.salesforce import ErrorKind


@pytest.mark.parametrize(
    ("code", "status", "operation", "kind"),
    [
        ("UNABLE_TO_LOCK_ROW", 400, Operation.UPDATE, ErrorKind.TRANSIENT),
        ("UNABLE_TO_LOCK_ROW", None, Operation.CREATE, ErrorKind.TRANSIENT),
        ("REQUEST_LIMIT_EXCEEDED", 403, Operation.QUERY, ErrorKind.TRANSIENT),
        ("SERVER_UNAVAILABLE", 503, Operation.READ, ErrorKind.TRANSIENT),
        ("HTTP_502", 502, Operation.CREATE, ErrorKind.TRANSIENT),
        ("UNKNOWN_EXCEPTION", 500, Operation.DELETE, ErrorKind.TRANSIENT),
        ("FIELD_CUSTOM_VALIDATION_EXCEPTION", None, Operation.CREATE, ErrorKind.PERMANENT),
        ("REQUIRED_FIELD_MISSING", 400, Operation.UPDATE, ErrorKind.PERMANENT),
        ("INSUFFICIENT_ACCESS_OR_READONLY", 403, Operation.UPDATE, ErrorKind.PERMANENT),
        ("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", None, Operation.UPDATE, ErrorKind.PERMANENT),
        ("STRING_TOO_LONG", None, Operation.CREATE, ErrorKind.PERMANENT),
        ("SOME_NEW_CODE", 400, Operation.CREATE, ErrorKind.PERMANENT),
        ("ENTITY_IS_DELETED", None, Operation.UPDATE, ErrorKind.ALREADY_DELETED),
        ("ENTITY_IS_DELETED", 404, Operation.DELETE, ErrorKind.ALREADY_DELETED),
        ("NOT_FOUND", 404, Operation.UPDATE, ErrorKind.ALREADY_DELETED),
        ("NOT_FOUND", None, Operation.DELETE, ErrorKind.ALREADY_DELETED),
        ("NOT_FOUND", 404, Operation.READ, ErrorKind.ALREADY_DELETED),
        # Creating cannot hit a deleted record: NOT_FOUND there is a wrong URL or field, not a delete.
        ("NOT_FOUND", 404, Operation.CREATE, ErrorKind.PERMANENT),
        ("INVALID_SESSION_ID", 401, Operation.QUERY, ErrorKind.AUTH),
        ("invalid_grant", 400, Operation.READ, ErrorKind.AUTH),
    ],
)
def test_sort_error(code, status, operation, kind):
    assert sort_error(code, status, operation) is kind


def test_error_from_response_reads_the_error_list():
    content = [
        {"message": "Comments too long", "errorCode": "STRING_TOO_LONG", "fields": ["Description"]},
        {"message": "and more", "errorCode": "STRING_TOO_LONG", "fields": []},
    ]

    error = error_from_response(400, content, Operation.UPDATE)

    assert (error.kind, error.code, error.fields) == (ErrorKind.PERMANENT, "STRING_TOO_LONG", ("Description",))
    assert "Comments too long" in error.message and "and more" in error.message


def test_error_from_response_without_a_json_body_uses_the_status():
    error = error_from_response(503, b"<html>Service Unavailable</html>", Operation.QUERY)

    assert (error.kind, error.code) == (ErrorKind.TRANSIENT, "HTTP_503")
    assert "Service Unavailable" in error.message


def test_error_from_response_reads_oauth_errors():
    error = error_from_response(400, {"error": "invalid_grant", "error_description": "expired"}, Operation.READ)

    assert (error.kind, error.code, error.message) == (ErrorKind.AUTH, "invalid_grant", "expired")


def test_collection_items_carry_status_code_not_error_code():
    errors = [{"statusCode": "ENTITY_IS_DELETED", "message": "entity is deleted", "fields": []}]

    error = error_from_collection_item(errors, Operation.DELETE)

    assert (error.kind, error.code) == (ErrorKind.ALREADY_DELETED, "ENTITY_IS_DELETED")


def test_a_failed_item_without_errors_is_still_an_error():
    assert error_from_collection_item([], Operation.CREATE).code == "UNKNOWN_ERROR"


def test_time_outs_are_transient():
    error = transient_error(requests.ReadTimeout("read timed out"))

    assert (error.kind, error.code) == (ErrorKind.TRANSIENT, "READTIMEOUT")


@pytest.mark.parametrize(
    ("error", "nothing_written"),
    [
        (error_from_response(503, [{"errorCode": "SERVER_UNAVAILABLE", "message": "down"}], Operation.UPDATE), True),
        (
            error_from_response(403, [{"errorCode": "REQUEST_LIMIT_EXCEEDED", "message": "spent"}], Operation.UPDATE),
            True,
        ),
        (error_from_collection_item([{"statusCode": "UNABLE_TO_LOCK_ROW", "message": "busy"}], Operation.UPDATE), True),
        (error_from_response(502, b"<html>Bad Gateway</html>", Operation.UPDATE), False),  # a proxy: after the commit?
        (error_from_response(500, [{"errorCode": "UNKNOWN_EXCEPTION", "message": "?"}], Operation.UPDATE), False),
        (transient_error(requests.ReadTimeout("read timed out")), False),
    ],
)
def test_only_salesforces_own_refusals_say_nothing_was_written(error, nothing_written):
    assert error.nothing_written is nothing_written
