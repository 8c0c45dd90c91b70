"""Bulk API 2.0 query jobs, as simple-salesforce 1.12.10's ``sf.bulk2.Task.query(...)`` drives them.

simple-salesforce 1.12.10 (``bulk2.py``): ``POST {base}/jobs/query`` with ``{"operation": "query" |
"queryAll", "query", "columnDelimiter", "lineEnding"}`` (Accept ``text/csv``); then ``GET
jobs/query/{id}`` until ``state`` is ``JobComplete`` (``Aborted`` or ``Failed`` raise); then ``GET
jobs/query/{id}/results?maxRecords=N[&locator=L]`` until the ``Sforce-Locator`` header is ``null`` or
empty, reading ``Sforce-NumberOfRecords``.

Bulk API 2.0 and Bulk API Developer Guide: "Create a Query Job" answers the job info (``id``,
``operation``, ``object``, ``createdById``, ``createdDate``, ``systemModstamp``, ``state``
``UploadComplete``, ``concurrencyMode``, ``contentType`` ``CSV``, ``apiVersion``, ``lineEnding``,
``columnDelimiter``); queries with ``COUNT()`` or ``OFFSET`` are not supported. "Get Information About a
Query Job" adds ``numberRecordsProcessed``, ``retries``, ``totalProcessingTime``. "Get Results for a
Query Job": the job must be ``JobComplete``; CSV with a header row; ``Sforce-NumberOfRecords`` and
``Sforce-Locator`` (``null`` when no more results); results must be read with the API version the job
was created with, else 409. "Abort a Query Job" (``PATCH`` ``{"state": "Aborted"}``) and "Delete a
Query Job" (``DELETE``, 204).

The rows are taken when the job is created. The job reads ``InProgress`` for the org's
``bulk_polls_before_complete`` job-info reads, then ``JobComplete``. Not documented, chosen here: a null
is an empty cell; datetimes are ``2024-05-07T22:07:19.000Z``; the locator is the Base64 of the next
row's position; errors other than the SOQL ones are ``INVALIDJOB`` / ``INVALIDJOBSTATE`` /
``NOT_FOUND`` lists as the REST API writes them; a missing ``maxRecords`` returns every remaining row.
"""

from __future__ import annotations

import base64
import csv
import io
from datetime import date, datetime
from typing import Any

from werkzeug.wrappers import Response

from local.salesforce_org import formats, ids
from local.salesforce_org.bulk_jobs import BulkQueryJob
from local.salesforce_org.context import ApiContext, json_response, no_content
from local.salesforce_org.errors import ApiError
from local.salesforce_org.soql_eval import compile_query, run

_DELIMITERS = {"COMMA": ",", "TAB": "\t", "PIPE": "|", "SEMICOLON": ";", "CARET": "^", "BACKQUOTE": "`"}
_LINE_ENDINGS = {"LF": "\n", "CRLF": "\r\n"}


def _csv_value(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return formats.cdc_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _invalid(message: str) -> ApiError:
    return ApiError(400, "INVALIDJOB", message)


def create_job(ctx: ApiContext) -> Response:
    body = ctx.json_object("query job")
    operation = body.get("operation")
    if operation not in ("query", "queryAll"):
        raise _invalid(f"InvalidJob : Invalid operation: {operation}")
    text = body.get("query")
    if not isinstance(text, str) or not text.strip():
        raise _invalid("InvalidJob : query is required")
    delimiter = body.get("columnDelimiter", "COMMA")
    line_ending = body.get("lineEnding", "LF")
    if delimiter not in _DELIMITERS or line_ending not in _LINE_ENDINGS:
        raise _invalid("InvalidJob : invalid columnDelimiter or lineEnding")
    if body.get("contentType", "CSV") != "CSV":
        raise _invalid("InvalidJob : contentType must be CSV")
    compiled = compile_query(text, user=ctx.user, now=ctx.org.now(), include_deleted=operation == "queryAll")
    if compiled.count or compiled.query.offset is not None:
        raise _invalid("InvalidJob : Bulk API 2.0 doesn't support queries with COUNT() or OFFSET")
    rows = run(ctx.org, compiled)
    now = formats.to_second(ctx.org.now())
    job = BulkQueryJob(
        id=ids.new_id(ids.BULK_JOB),
        org_id=ctx.org.id,
        operation=operation,
        object=compiled.sobject.name,
        query=text,
        created_by=ctx.user.id,
        created=now,
        modified=now,
        api_version=ctx.api_version,
        column_delimiter=delimiter,
        line_ending=line_ending,
        header=[f.name for f in compiled.fields],
        rows=[[_csv_value(row.get(f.name)) for f in compiled.fields] for row in rows],
    )
    ctx.state.bulk_jobs.add(job)
    return json_response(job.info())


def _job(ctx: ApiContext, job_id: str) -> BulkQueryJob:
    job = ctx.state.bulk_jobs.get(ctx.org.id, ids.normalize(job_id) or "")
    if job is None:
        raise ApiError(404, "NOT_FOUND", "The requested resource does not exist")
    return job


def job_info(ctx: ApiContext, job_id: str) -> Response:
    job = _job(ctx, job_id)
    with ctx.org.lock:
        if job.state in ("UploadComplete", "InProgress"):
            if job.polls < ctx.org.settings.bulk_polls_before_complete:
                job.state = "InProgress"
            else:
                job.state = "JobComplete"
                job.modified = formats.to_second(ctx.org.now())
            job.polls += 1
        info = job.info()
    info.update(
        {
            "jobType": "V2Query",
            "numberRecordsProcessed": len(job.rows) if job.state == "JobComplete" else 0,
            "retries": 0,
            "totalProcessingTime": 0,
        }
    )
    return json_response(info)


def list_jobs(ctx: ApiContext) -> Response:
    with ctx.org.lock:
        jobs = [j.info() for j in ctx.state.bulk_jobs.of_org(ctx.org.id)]
    return json_response({"done": True, "records": jobs, "nextRecordsUrl": None})


def results(ctx: ApiContext, job_id: str) -> Response:
    job = _job(ctx, job_id)
    if job.api_version != ctx.api_version:
        raise ApiError(
            409, "API_VERSION_MISMATCH", f"Results must be read with API version {job.api_version}, the job's version"
        )
    if job.state != "JobComplete":
        raise ApiError(400, "INVALIDJOBSTATE", f"The job is {job.state}, not JobComplete")
    start = 0
    locator = ctx.request.args.get("locator")
    if locator:
        try:
            start = int(base64.b64decode(locator.encode()).decode())
        except ValueError:
            raise ApiError(400, "INVALIDLOCATOR", f"Invalid locator: {locator}") from None
    max_records = ctx.request.args.get("maxRecords")
    size = int(max_records) if max_records and max_records.isdigit() and int(max_records) > 0 else len(job.rows)
    page = job.rows[start : start + size]
    end = start + len(page)
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=_DELIMITERS[job.column_delimiter],
        lineterminator=_LINE_ENDINGS[job.line_ending],
        quoting=csv.QUOTE_ALL,
    )
    writer.writerow(job.header)
    for row in page:
        writer.writerow(["" if v is None else v for v in row])
    next_locator = base64.b64encode(str(end).encode()).decode() if end < len(job.rows) else "null"
    response = Response(buffer.getvalue(), status=200, content_type="text/csv")
    response.headers["Sforce-Locator"] = next_locator
    response.headers["Sforce-NumberOfRecords"] = str(len(page))
    return response


def abort(ctx: ApiContext, job_id: str) -> Response:
    job = _job(ctx, job_id)
    body = ctx.json_object("job state")
    if body.get("state") != "Aborted":
        raise _invalid("InvalidJob : a query job can only be set to Aborted")
    with ctx.org.lock:
        if job.state in ("JobComplete", "Failed", "Aborted"):
            raise ApiError(400, "INVALIDJOBSTATE", f"The job is {job.state} and cannot be aborted")
        job.state = "Aborted"
        job.modified = formats.to_second(ctx.org.now())
        return json_response(job.info())


def delete(ctx: ApiContext, job_id: str) -> Response:
    job = _job(ctx, job_id)
    ctx.state.bulk_jobs.remove(job.id)
    return no_content()
