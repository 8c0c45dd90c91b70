"""sObject Collections: up to 200 Task records per call, one API call each.

REST API Developer Guide, "Create Records Using sObject Collections" (``POST composite/sobjects``),
"Update Records Using sObject Collections" (``PATCH composite/sobjects``, each record with ``id``),
"Delete Records Using sObject Collections" (``DELETE composite/sobjects?ids=...&allOrNone=...``) and
"Upsert Records Using sObject Collections" (``PATCH composite/sobjects/<Object>/<ExternalIdField>``,
API 46.0+, each record carrying the external id value):

- at most 200 records; each with an ``attributes`` map holding ``type``; ``allOrNone`` defaults to
  false;
- a request that is not well formed answers 400; otherwise 200 with one result per record, in request
  order: ``{"id", "success", "errors": [{"statusCode", "message", "fields"}]}`` (upserts add
  ``created``); a failed create has no ``id`` (so results match requests by position);
- with ``allOrNone`` true, when any record fails nothing is committed and the others report
  ``ALL_OR_NONE_OPERATION_ROLLED_BACK`` ("Record rolled back because not all records were valid and the
  request was using AllOrNone header").

Not documented, chosen here: failed update, delete and upsert results carry no ``id`` either; more than
200 records is 400 ``EXCEEDED_ID_LIMIT``; a record without ``attributes.type`` makes the whole request
400 ``INVALID_TYPE``; a create carrying an id fails with ``INVALID_FIELD`` ("cannot specify Id in an
insert call"); an update without one with ``MISSING_ARGUMENT`` ("Id not specified in an update call");
one upsert request naming the same external id twice fails those records with
``DUPLICATE_EXTERNAL_ID``; deleting an id that never existed fails with
``INVALID_CROSS_REFERENCE_KEY``, one purged from the recycle bin with ``ENTITY_IS_DELETED``. All the
records of one call commit as one transaction: their change events share a ``transactionKey``.

Also not documented: whether ``Sforce-Call-Options: client=<id>`` reaches ``changeOrigin`` for changes
made through sObject Collections ("Call Options Header" does not list them among the resources it
applies to). By default the emulator passes the client id on, as for single-record calls; the org's
``collections_without_client`` switch leaves it out of a call's events with a given probability, and
the sync must not rely on it alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Response

from local.salesforce_org import ids
from local.salesforce_org.context import ApiContext, json_response
from local.salesforce_org.errors import ApiError, entity_is_deleted, malformed_id, unable_to_lock_row
from local.salesforce_org.records import TaskWrites
from local.salesforce_org.schema import EXTERNAL_ID_FIELD, TASK, object_def

MAX_RECORDS = 200
ROLLED_BACK = ApiError(
    400,
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone header",
    [],
)


def _too_many() -> ApiError:
    return ApiError(
        400, "EXCEEDED_ID_LIMIT", f"record limit reached. cannot submit more than {MAX_RECORDS} records into this call"
    )


def _records(ctx: ApiContext) -> tuple[list[dict[str, Any]], bool]:
    body = ctx.json_object("sObject Collection")
    records = body.get("records")
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise ApiError(400, "JSON_PARSER_ERROR", "records: a list of sObjects is required")
    if len(records) > MAX_RECORDS:
        raise _too_many()
    for record in records:
        attributes = record.get("attributes")
        if not isinstance(attributes, dict) or not isinstance(attributes.get("type"), str):
            raise ApiError(400, "INVALID_TYPE", "Must send a concrete entity type.")
    all_or_none = body.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise ApiError(400, "JSON_PARSER_ERROR", "allOrNone: a boolean is required")
    return records, all_or_none


def _type_error(record: dict[str, Any]) -> ApiError | None:
    name = record["attributes"]["type"]
    obj = object_def(name)
    if obj is None:
        return ApiError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.", [])
    if obj is not TASK:
        return ApiError(
            400, "INVALID_TYPE_FOR_OPERATION", f"entity type {obj.name} does not support this operation", []
        )
    return None


def _fields(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "attributes"}


Outcome = dict[str, Any]


def _run(
    ctx: ApiContext,
    all_or_none: bool,
    items: list[Any],
    apply: Callable[[TaskWrites, Any], Outcome],
) -> Response:
    """Apply each item in one unit of work; answer the per-record results."""
    outcomes: list[Outcome | ApiError] = []
    with TaskWrites(ctx.org, ctx.collections_actor()) as writes:
        for item in items:
            if ctx.lock_fault:
                outcomes.append(unable_to_lock_row())
                continue
            try:
                outcomes.append(apply(writes, item))
            except ApiError as error:
                outcomes.append(error)
        failed = any(isinstance(o, ApiError) for o in outcomes)
        if all_or_none and failed:
            writes.discard()
        else:
            writes.commit()
    results: list[dict[str, Any]] = []
    for outcome in outcomes:
        if isinstance(outcome, ApiError):
            results.append({"success": False, "errors": [outcome.collection_item()]})
        elif all_or_none and failed:
            results.append({"success": False, "errors": [ROLLED_BACK.collection_item()]})
        else:
            results.append(outcome)
    return json_response(results)


def create(ctx: ApiContext) -> Response:
    records, all_or_none = _records(ctx)

    def apply(writes: TaskWrites, record: dict[str, Any]) -> Outcome:
        error = _type_error(record)
        if error is not None:
            raise error
        fields = _fields(record)
        if any(k.lower() == "id" for k in fields):
            raise ApiError(400, "INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
        return {"id": writes.create(fields), "success": True, "errors": []}

    return _run(ctx, all_or_none, records, apply)


def update(ctx: ApiContext) -> Response:
    records, all_or_none = _records(ctx)

    def apply(writes: TaskWrites, record: dict[str, Any]) -> Outcome:
        error = _type_error(record)
        if error is not None:
            raise error
        fields = _fields(record)
        id_keys = [k for k in fields if k.lower() == "id"]
        raw_id = fields.pop(id_keys[0]) if id_keys else None
        if not isinstance(raw_id, str) or not raw_id:
            raise ApiError(400, "MISSING_ARGUMENT", "Id not specified in an update call", [])
        record_id = ids.normalize(raw_id)
        if record_id is None or not ids.has_prefix(record_id, ids.TASK):
            raise malformed_id("Task", raw_id)
        if record_id in ctx.org.purged_ids:
            raise entity_is_deleted()
        writes.update(record_id, fields)
        return {"id": record_id, "success": True, "errors": []}

    return _run(ctx, all_or_none, records, apply)


def delete(ctx: ApiContext) -> Response:
    raw = ctx.request.args.get("ids")
    if not raw:
        raise ApiError(400, "MISSING_ARGUMENT", "ids: the ids of the records to delete are required")
    raw_ids = [part.strip() for part in raw.split(",") if part.strip()]
    if len(raw_ids) > MAX_RECORDS:
        raise _too_many()
    all_or_none = ctx.request.args.get("allOrNone", "false").lower() == "true"

    def apply(writes: TaskWrites, raw_id: str) -> Outcome:
        record_id = ids.normalize(raw_id)
        if record_id is None:
            raise ApiError(400, "MALFORMED_ID", f"malformed id {raw_id}", [])
        if record_id in ctx.org.purged_ids:
            raise entity_is_deleted()
        if not ids.has_prefix(record_id, ids.TASK) or writes.current(record_id) is None:
            raise ApiError(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", [])
        writes.delete(record_id)
        return {"id": record_id, "success": True, "errors": []}

    return _run(ctx, all_or_none, raw_ids, apply)


def upsert(ctx: ApiContext, name: str, field_name: str) -> Response:
    obj = object_def(name)
    if obj is not TASK:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    definition = TASK.field(field_name)
    if definition is None or not definition.external_id:
        raise ApiError(
            400,
            "INVALID_FIELD",
            f"Field name provided, {field_name} is not an External ID or indexed field for {TASK.name}",
        )
    records, all_or_none = _records(ctx)

    def value_of(record: dict[str, Any]) -> Any:
        return next((v for k, v in record.items() if k.lower() == EXTERNAL_ID_FIELD.lower()), None)

    counts = Counter(v for r in records if isinstance(v := value_of(r), str))

    def apply(writes: TaskWrites, record: dict[str, Any]) -> Outcome:
        error = _type_error(record)
        if error is not None:
            raise error
        value = value_of(record)
        if not isinstance(value, str) or not value:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"External ID field {EXTERNAL_ID_FIELD} is missing from the record",
                [EXTERNAL_ID_FIELD],
            )
        if counts[value] > 1:
            raise ApiError(
                400, "DUPLICATE_EXTERNAL_ID", f"Duplicate external id specified: {value}", [EXTERNAL_ID_FIELD]
            )
        record_id, created = writes.upsert(value, _fields(record))
        return {"id": record_id, "success": True, "errors": [], "created": created}

    return _run(ctx, all_or_none, records, apply)
