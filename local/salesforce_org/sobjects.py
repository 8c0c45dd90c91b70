"""The sObject resources: describe, and one Task at a time by id or by external id.

REST API Developer Guide:

- "sObject Basic Information" / "Describe Global" / "sObject Describe" (see ``describe``).
- "sObject Rows": ``POST sobjects/Task`` answers 201 ``{"id", "success": true, "errors": []}``
  ("Create a Record": ``{"id": "001D000000IqhSLIAZ", "errors": [], "success": true}``); ``GET
  sobjects/Task/<id>`` (``?fields=`` a comma-separated list) answers the record with ``attributes``;
  ``PATCH`` answers 204; ``DELETE`` answers 204.
- "sObject Rows by External ID" / "Insert or Update (Upsert) a Record Using an External ID": ``PATCH
  sobjects/Task/Tasksync_Id__c/<value>`` creates (201) or updates; the answer body is the UpsertResult
  (``id``, ``success``, ``errors``, ``created``). An unknown external ID field answers 404 NOT_FOUND. From
  API version 46.0 an update answers 200 with ``"created": false``; before, 204 with no body (the
  emulator follows this; the v46 change is from the docs' release history as we recall it, the
  excerpts we could read show the v20 shapes). ``GET``/``DELETE`` by external id act on the record too.
- "Status Codes and Error Responses": a malformed id is 400 ``MALFORMED_ID`` ("Task ID: id value of
  incorrect type: ..."), an unknown one 404 ``NOT_FOUND``; a record in the recycle bin answers
  ``ENTITY_IS_DELETED`` (observed, not on a doc page; the emulator answers it with 404).
"""

from __future__ import annotations

from typing import Any

from werkzeug.wrappers import Response

from local.salesforce_org import describe as describing
from local.salesforce_org.context import ApiContext, json_response, no_content
from local.salesforce_org.errors import ApiError, entity_is_deleted, not_found, unable_to_lock_row
from local.salesforce_org.records import TaskWrites, task_id
from local.salesforce_org.schema import OBJECTS, TASK, ObjectDef, object_def
from local.salesforce_org.soql_eval import json_value, source_rows

UPSERT_RESULT_SINCE = 46.0


def sobject_or_404(name: str) -> ObjectDef:
    obj = object_def(name)
    if obj is None:
        raise not_found()
    return obj


def describe_global(ctx: ApiContext) -> Response:
    return json_response(
        {
            "encoding": "UTF-8",
            "maxBatchSize": 200,
            "sobjects": [describing.sobject_summary(o, ctx.api_version) for o in OBJECTS.values()],
        }
    )


def basic_info(ctx: ApiContext, name: str) -> Response:
    obj = sobject_or_404(name)
    return json_response({"objectDescribe": describing.sobject_summary(obj, ctx.api_version), "recentItems": []})


def describe(ctx: ApiContext, name: str) -> Response:
    obj = sobject_or_404(name)
    return json_response(describing.describe(ctx.org, obj, ctx.api_version))


def _writable(name: str, verb: str) -> None:
    obj = sobject_or_404(name)
    if obj is not TASK:
        raise ApiError(400, "INVALID_TYPE_FOR_OPERATION", f"entity type {obj.name} does not support {verb}")


def _check_lock(ctx: ApiContext, record_id: str | None = None) -> None:
    if ctx.lock_fault:
        raise unable_to_lock_row(record_id)


def create(ctx: ApiContext, name: str) -> Response:
    _writable(name, "insert")
    body = ctx.json_object()
    _check_lock(ctx)
    with TaskWrites(ctx.org, ctx.actor) as writes:
        new_id = writes.create(body)
        writes.commit()
    return json_response({"id": new_id, "success": True, "errors": []}, 201)


def record_body(obj: ObjectDef, row: dict[str, Any], api_version: str, fields: list[str] | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "attributes": {"type": obj.name, "url": f"/services/data/v{api_version}/sobjects/{obj.name}/{row['Id']}"}
    }
    names = fields if fields is not None else list(obj.field_names)
    for name in names:
        out[name] = json_value(row.get(name))
    if "Id" not in out:
        out["Id"] = row["Id"]
    return out


def _requested_fields(ctx: ApiContext, obj: ObjectDef) -> list[str] | None:
    raw = ctx.request.args.get("fields")
    if raw is None:
        return None
    names = []
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        definition = obj.field(name)
        if definition is None:
            raise ApiError(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{obj.name}'. If you are attempting to use a custom field, be "
                "sure to append the '__c' after the custom field name. Please reference your WSDL or the describe "
                "call for the appropriate names.",
            )
        names.append(definition.name)
    return names


def _stored_task(ctx: ApiContext, record_id: str) -> dict[str, Any]:
    with ctx.org.lock:
        ctx.org.expire_recycle_bin()
        row = ctx.org.tasks.get(record_id)
        if row is None:
            if record_id in ctx.org.purged_ids:
                raise entity_is_deleted()
            raise not_found()
        if row["IsDeleted"]:
            raise entity_is_deleted()
        return dict(row)


def get_record(ctx: ApiContext, name: str, raw_id: str) -> Response:
    obj = sobject_or_404(name)
    fields = _requested_fields(ctx, obj)
    if obj is TASK:
        row = _stored_task(ctx, task_id(raw_id))
    else:
        with ctx.org.lock:
            rows = {r["Id"]: r for r in source_rows(ctx.org, obj, include_deleted=False)}
        found = rows.get(raw_id) or next((r for i, r in rows.items() if i[:15] == raw_id[:15]), None)
        if found is None:
            raise not_found()
        row = dict(found)
    return json_response(record_body(obj, row, ctx.api_version, fields))


def _purged_check(ctx: ApiContext, record_id: str) -> None:
    if record_id in ctx.org.purged_ids:
        raise entity_is_deleted()


def update_record(ctx: ApiContext, name: str, raw_id: str) -> Response:
    _writable(name, "update")
    record_id = task_id(raw_id)
    body = ctx.json_object()
    _purged_check(ctx, record_id)
    _check_lock(ctx, record_id)
    with TaskWrites(ctx.org, ctx.actor) as writes:
        writes.update(record_id, body)
        writes.commit()
    return no_content()


def delete_record(ctx: ApiContext, name: str, raw_id: str) -> Response:
    _writable(name, "delete")
    record_id = task_id(raw_id)
    _purged_check(ctx, record_id)
    _check_lock(ctx, record_id)
    with TaskWrites(ctx.org, ctx.actor) as writes:
        writes.delete(record_id)
        writes.commit()
    return no_content()


def _external_field(obj: ObjectDef, field_name: str) -> None:
    definition = obj.field(field_name)
    if definition is None or not definition.external_id:
        # "Insert or Update (Upsert) a Record Using an External ID", error responses: an incorrect
        # external ID field answers NOT_FOUND "The requested resource does not exist".
        raise not_found()


def _by_external(ctx: ApiContext, value: str) -> dict[str, Any]:
    with TaskWrites(ctx.org, ctx.actor) as writes:
        match = writes.find_external(value)
    if match is None:
        raise not_found()
    return dict(match)


def external_get(ctx: ApiContext, name: str, field_name: str, value: str) -> Response:
    obj = sobject_or_404(name)
    _external_field(obj, field_name)
    fields = _requested_fields(ctx, obj)
    return json_response(record_body(obj, _by_external(ctx, value), ctx.api_version, fields))


def external_upsert(ctx: ApiContext, name: str, field_name: str, value: str) -> Response:
    _writable(name, "upsert")
    _external_field(TASK, field_name)
    body = ctx.json_object()
    _check_lock(ctx)
    with TaskWrites(ctx.org, ctx.actor) as writes:
        record_id, created = writes.upsert(value, body)
        writes.commit()
    if ctx.version_number >= UPSERT_RESULT_SINCE:
        result = {"id": record_id, "success": True, "errors": [], "created": created}
        return json_response(result, 201 if created else 200)
    if created:
        return json_response({"id": record_id, "errors": [], "success": True}, 201)
    return no_content()


def external_delete(ctx: ApiContext, name: str, field_name: str, value: str) -> Response:
    _writable(name, "delete")
    _external_field(TASK, field_name)
    record = _by_external(ctx, value)
    _check_lock(ctx, record["Id"])
    with TaskWrites(ctx.org, ctx.actor) as writes:
        writes.delete(record["Id"])
        writes.commit()
    return no_content()
