"""``SalesforceGateway`` over simple-salesforce 1.12.10 (the only module here that imports it).

Every call goes through ``_call``: a token from ``TokenSource``; on ``SalesforceExpiredSession`` (401
``INVALID_SESSION_ID``) one refresh and one more try; failures sorted by ``errors``; transient ones
retried by ``RetryPolicy``. ``requests`` time-outs, TLS trust and the ``Sforce-Call-Options`` header
live on the session (``http_session``); API usage is read by a response hook (``limits``).
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import IO, Any, TypeVar, cast

import requests
from simple_salesforce.api import Salesforce, SFType
from simple_salesforce.exceptions import (
    SalesforceError as SimpleSalesforceError,
)
from simple_salesforce.exceptions import SalesforceExpiredSession
from simple_salesforce.util import call_salesforce

from tasksync.adapters.salesforce.auth import PROCESS_TOKENS, AccessToken, TokenCache, TokenSource
from tasksync.adapters.salesforce.credentials import SecretStore
from tasksync.adapters.salesforce.description_marker import split_marker, with_marker
from tasksync.adapters.salesforce.errors import (
    Operation,
    error_from_collection_item,
    error_from_response,
    transient_error,
)
from tasksync.adapters.salesforce.http_session import build_session
from tasksync.adapters.salesforce.limits import UsageRecorder
from tasksync.adapters.salesforce.records import (
    TASK,
    field_values_json,
    rows_from_csv,
    sobject,
    task_from_record,
)
from tasksync.adapters.salesforce.retry import RetryPolicy
from tasksync.adapters.salesforce.settings import ExternalIdMode, GatewaySettings
from tasksync.adapters.salesforce.soql import chunk_for_url, in_list, is_record_id, quote
from tasksync.adapters.salesforce.timestamps import clamp_window, parse_sf_datetime, soql_datetime
from tasksync.domain.base import require_aware
from tasksync.domain.eligibility import REMINDER_SUBTYPES
from tasksync.domain.salesforce_task import (
    EXTERNAL_ID_FIELD,
    QUERY_FIELDS,
    Picklists,
    PriorityValue,
    SalesforceTask,
    StatusValue,
)
from tasksync.domain.salesforce_writes import TaskCreate, TaskUpdate
from tasksync.domain.settings import ImportCheckpoint
from tasksync.ports.salesforce import (
    DELETED_RETENTION,
    UPDATED_RETENTION,
    ApiUsage,
    DeletedRecord,
    DeletedWindow,
    ErrorKind,
    OwnedTasks,
    SalesforceError,
    UpdatedWindow,
    WriteResult,
)

T = TypeVar("T")
W = TypeVar("W")

COLLECTION_LIMIT = 200  # REST API Developer Guide, "sObject Collections": at most 200 records a call


REPLICATION_DATE_REFUSED = "INVALID_REPLICATION_DATE"
UNEXPECTED_ANSWER = "UNEXPECTED_ANSWER"

BULK_POLL_CAP = 30.0
"""Seconds between two polls of a Bulk API 2.0 job at most."""

_REMINDERS = (
    "IsRecurrence = false AND (TaskSubtype = null OR TaskSubtype IN "
    + in_list(sorted(subtype for subtype in REMINDER_SUBTYPES if subtype))
    + ")"
)
"""SPEC 4 in SOQL, so that the count and the rows are of the tasks that may be reminders (the engine
still decides each one); Salesforce stores no empty strings, an empty subtype is null."""


@dataclass(frozen=True)
class _ResultsPage:
    csv: IO[bytes]
    locator: str
    """Of the next page; empty after the last."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _query_more(sf: Salesforce, *, url: str, headers: dict[str, str]) -> Any:
    return sf.query_more(url, identifier_is_url=True, headers=headers)


def _json(answer: Any) -> dict[str, Any]:
    """A JSON object answer (``restful`` is typed to answer None for an empty body)."""
    if not isinstance(answer, dict):
        raise SalesforceError(ErrorKind.TRANSIENT, UNEXPECTED_ANSWER, f"expected a JSON object, got {answer!r}")
    return answer


def _may_have_landed(result: WriteResult) -> WriteResult:
    """``result`` with its error, if it says nothing was written, saying instead that it may have been."""
    error = result.error
    if error is None or not error.nothing_written:
        return result
    return WriteResult(result.sf_id, SalesforceError(error.kind, error.code, error.message, error.fields))


def _own_failure(result: WriteResult) -> bool:
    """A record's own failure, not a malformed answer's (which fails every record of its call)."""
    return result.error is not None and result.error.code != UNEXPECTED_ANSWER


def _tasks(sf: Salesforce) -> SFType:
    # ``sf.Task`` builds a new SFType at every access (its own api_usage too: see limits.UsageRecorder).
    return cast(SFType, sf.Task)


def connect(
    secret_name: str,
    settings: GatewaySettings,
    *,
    secrets: SecretStore | None = None,
    retry: RetryPolicy | None = None,
    token_cache: TokenCache = PROCESS_TOKENS,
    clock: Callable[[], datetime] = _utc_now,
) -> SimpleSalesforceGateway:
    """The gateway for the connection whose secret is ``secret_name`` (shape: ``credentials``).

    No network call happens here: the first Salesforce call fetches the access token. ``clock`` is what
    the getUpdated/getDeleted windows are clamped against (the org's idea of now).
    """
    session = build_session(settings)
    usage = UsageRecorder()
    usage.attach(session)
    tokens = TokenSource(
        secret_name,
        secrets or SecretStore(max_age=settings.secret_max_age),
        session,
        timeout=settings.timeout,
        cache=token_cache,
    )
    return SimpleSalesforceGateway(tokens, session, settings, usage=usage, retry=retry, clock=clock)


class SimpleSalesforceGateway:
    """One connected user's org through simple-salesforce. Implements ``SalesforceGateway``."""

    def __init__(
        self,
        tokens: TokenSource,
        session: requests.Session,
        settings: GatewaySettings,
        *,
        usage: UsageRecorder,
        retry: RetryPolicy | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self._tokens = tokens
        self._session = session
        self._settings = settings
        self._usage = usage
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self._client: Salesforce | None = None
        self._client_token: AccessToken | None = None
        self._marker_mode = settings.external_id_mode is ExternalIdMode.DESCRIPTION_MARKER
        # Orgs without the External ID field cannot select it (INVALID_FIELD).
        self._fields = ", ".join(f for f in QUERY_FIELDS if not (self._marker_mode and f == EXTERNAL_ID_FIELD))

    # -- plumbing ------------------------------------------------------------------------------------

    def _salesforce(self, token: AccessToken) -> Salesforce:
        if self._client is None or self._client_token is not token:
            # "Direct" auth: no login call; simple-salesforce keeps https and any non-443 port of the URL.
            self._client = Salesforce(
                session_id=token.value,
                instance_url=token.instance_url,
                session=self._session,
                version=self._settings.api_version,
            )
            self._client_token = token
        return self._client

    def _attempt(self, operation: Operation, call: Callable[[Salesforce], T]) -> T:
        token = self._tokens.current()
        try:
            try:
                return call(self._salesforce(token))
            except SalesforceExpiredSession:
                # simple-salesforce cannot refresh a session it was handed: refresh once, retry once.
                token = self._tokens.refresh(stale=token)
                return call(self._salesforce(token))
        except SimpleSalesforceError as exc:
            raise error_from_response(exc.status, exc.content, operation) from exc
        except requests.RequestException as exc:
            raise transient_error(exc) from exc

    def _call(self, operation: Operation, call: Callable[[Salesforce], T]) -> T:
        return self._retry.run(lambda: self._attempt(operation, call))

    def _query_headers(self) -> dict[str, str]:
        size = self._settings.query_batch_size
        return {"Sforce-Query-Options": f"batchSize={size}"} if size else {}

    def _query_records(self, soql: str, *, include_deleted: bool = False) -> Iterator[dict[str, Any]]:
        """REST query, then ``queryMore`` through ``nextRecordsUrl``; each page retried on its own."""
        headers = self._query_headers()
        page = self._call(Operation.QUERY, lambda sf: sf.query(soql, include_deleted=include_deleted, headers=headers))
        while True:
            yield from page["records"]
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            page = self._call(Operation.QUERY, partial(_query_more, url=page["nextRecordsUrl"], headers=headers))

    def _task(self, record: Mapping[str, Any]) -> SalesforceTask:
        return task_from_record(record, description_marker=self._marker_mode)

    # -- reads ---------------------------------------------------------------------------------------

    def picklists(self) -> Picklists:
        statuses = [
            StatusValue(api_name=r["ApiName"], is_closed=bool(r["IsClosed"]), is_default=bool(r["IsDefault"]))
            for r in self._query_records("SELECT ApiName, IsClosed, IsDefault FROM TaskStatus")
        ]
        priorities = [
            PriorityValue(
                api_name=r["ApiName"], is_default=bool(r["IsDefault"]), is_high_priority=bool(r["IsHighPriority"])
            )
            for r in self._query_records("SELECT ApiName, IsDefault, IsHighPriority FROM TaskPriority")
        ]
        return Picklists(statuses=tuple(statuses), priorities=tuple(priorities))

    def get_task(self, sf_id: str) -> SalesforceTask | None:
        if not is_record_id(sf_id):
            return None
        params = {"fields": self._fields.replace(" ", "")}
        try:
            record = self._call(Operation.READ, lambda sf: _tasks(sf).get(sf_id, params=params))
        except SalesforceError as error:
            # NOT_FOUND, ENTITY_IS_DELETED (recycle bin), or MALFORMED_ID (an 18-character id whose
            # checksum suffix is wrong): in each case no such record exists.
            if error.kind is ErrorKind.ALREADY_DELETED or error.code == "MALFORMED_ID":
                return None
            raise
        return self._task(record)

    def find_by_external_ids(self, external_ids: Sequence[str]) -> dict[str, SalesforceTask]:
        """``queryAll`` (REST API Developer Guide, "Execute a SOQL Query that Includes Deleted Items"),
        so that a record in the recycle bin is found too; ordered by ``IsDeleted``, a live one first."""
        wanted = list(dict.fromkeys(external_ids))
        if not wanted:
            return {}
        if self._marker_mode:
            # Description (a long text area) cannot be filtered in SOQL: scan the recent creates.
            since = soql_datetime(self._clock() - self._settings.marker_lookback)
            soqls = [f"SELECT {self._fields} FROM Task WHERE CreatedDate >= {since} ORDER BY IsDeleted"]  # noqa: S608
        else:
            before = f"SELECT {self._fields} FROM Task WHERE {EXTERNAL_ID_FIELD} IN "  # noqa: S608 - quoted
            after = " ORDER BY IsDeleted"
            chunks = chunk_for_url(before, wanted, after, self._settings.max_query_url_chars)
            soqls = [before + in_list(chunk) + after for chunk in chunks]
        found: dict[str, SalesforceTask] = {}
        keep = set(wanted)
        for soql in soqls:
            for record in self._query_records(soql, include_deleted=True):
                task = self._task(record)
                if task.external_id in keep:
                    found.setdefault(task.external_id, task)
        return found

    def get_tasks(self, sf_ids: Sequence[str], *, include_deleted: bool = False) -> list[SalesforceTask]:
        """``Id IN (...)`` pages; ``queryAll`` with ``include_deleted`` (REST API Developer Guide,
        "Execute a SOQL Query that Includes Deleted Items"): the recycle bin's rows carry ``IsDeleted``."""
        ids = list(dict.fromkeys(i for i in sf_ids if is_record_id(i)))
        before, after = f"SELECT {self._fields} FROM Task WHERE Id IN ", ""  # noqa: S608 - ids are quoted
        tasks: list[SalesforceTask] = []
        for chunk in chunk_for_url(before, ids, after, self._settings.max_query_url_chars):
            soql = before + in_list(chunk) + after
            tasks.extend(self._task(r) for r in self._query_records(soql, include_deleted=include_deleted))
        return tasks

    def owned_tasks_modified_since(
        self, owner_id: str, since: datetime, *, after: ImportCheckpoint | None = None
    ) -> OwnedTasks:
        """REST query below ``bulk_threshold`` rows, a Bulk API 2.0 query above: a ``SELECT COUNT()``
        (one API call) decides, and is the answer's ``total``, because Bulk 2.0 costs several calls and
        seconds of polling even for a few rows, while REST pages of 2,000 cost one call each.

        Ordered by ``LastModifiedDate, Id``, so that ``after`` is a keyset: the rows strictly after the
        checkpoint, none twice. (Bulk API 2.0 Developer Guide, "Understanding Bulk API 2.0 Query": ORDER
        BY turns off PK chunking, which a per-owner window of a day does not need.)"""
        where = f"OwnerId = {quote(owner_id)} AND LastModifiedDate >= {soql_datetime(since)} AND {_REMINDERS}"
        if after is not None:
            at = soql_datetime(after.modified_at)
            where += f" AND (LastModifiedDate > {at} OR (LastModifiedDate = {at} AND Id > {quote(after.sf_id)}))"
        count = self._call(Operation.QUERY, lambda sf: sf.query(f"SELECT COUNT() FROM Task WHERE {where}"))  # noqa: S608
        total = int(count["totalSize"])
        soql = f"SELECT {self._fields} FROM Task WHERE {where} ORDER BY LastModifiedDate, Id"  # noqa: S608 - quoted
        if total > self._settings.bulk_threshold:
            return OwnedTasks(total, (self._task(row) for row in self._bulk_query_rows(soql)))
        return OwnedTasks(total, (self._task(record) for record in self._query_records(soql)))

    def owned_tasks_stamped_since(self, owner_id: str, since: datetime) -> Iterator[SalesforceTask]:
        where = f"OwnerId = {quote(owner_id)} AND SystemModstamp >= {soql_datetime(since)} AND {_REMINDERS}"
        soql = f"SELECT {self._fields} FROM Task WHERE {where}"  # noqa: S608 - quoted
        return (self._task(record) for record in self._query_records(soql))

    def _bulk_query_rows(self, soql: str) -> Iterator[dict[str, str | None]]:
        """A Bulk API 2.0 query job read one result page at a time, each page retried on its own: "As
        long as the associated job exists, the locator string for a set of results does not change. You
        can use the locator to retrieve a set of results multiple times" (Bulk API 2.0 Developer Guide,
        "Get Results for a Query Job"), so a page read again after a failure is the same rows."""
        # Bulk API 2.0 Developer Guide, "Create a Query Job": POST jobs/query; the answer is the job info.
        body = {"operation": "query", "query": soql}
        job = self._call(Operation.QUERY, lambda sf: _json(sf.restful("jobs/query", method="POST", json=body)))
        self._wait_for_bulk_job(str(job["id"]))
        locator = ""
        while True:
            page = self._call(Operation.QUERY, partial(self._bulk_results_page, job_id=str(job["id"]), locator=locator))
            with page.csv:
                yield from rows_from_csv(io.TextIOWrapper(page.csv, encoding="utf-8", newline=""))
            if not page.locator:
                return
            locator = page.locator

    def _wait_for_bulk_job(self, job_id: str) -> None:
        """Poll "Get Information About a Query Job" until ``JobComplete``, waiting twice as long each
        time (few calls for a long job), for at most ``bulk_max_wait`` seconds."""
        delay, waited = self._settings.bulk_poll_seconds, 0.0
        while True:
            self._retry.sleep(delay)
            waited += delay
            info = self._call(Operation.QUERY, lambda sf: _json(sf.restful(f"jobs/query/{job_id}")))
            state = info["state"]
            if state == "JobComplete":
                return
            if state in ("Failed", "Aborted"):
                raise SalesforceError(ErrorKind.PERMANENT, "BULK_JOB_FAILED", f"{state}: {info.get('errorMessage')}")
            if waited >= self._settings.bulk_max_wait:
                raise SalesforceError(
                    ErrorKind.TRANSIENT, "BULK_JOB_SLOW", f"job {job_id} is {state} after {waited:.0f} s"
                )
            delay = min(delay * 2, BULK_POLL_CAP)

    def _bulk_results_page(self, sf: Salesforce, *, job_id: str, locator: str) -> _ResultsPage:
        """One page of a query job's results (Bulk API 2.0 Developer Guide, "Get Results for a Query
        Job": ``maxRecords``, ``locator``; the ``Sforce-Locator`` header names the next page, ``null``
        after the last). Streamed to a spooled file, so a page of long Descriptions does not sit in
        memory (it spills to /tmp past ``bulk_spool_bytes``)."""
        params = {"maxRecords": self._settings.bulk_page_size, **({"locator": locator} if locator else {})}
        headers = {**sf.headers, "Accept": "text/csv"}
        url = f"{sf.bulk2_url}query/{job_id}/results"
        spool = tempfile.SpooledTemporaryFile(max_size=self._settings.bulk_spool_bytes)  # noqa: SIM115 - handed on
        try:
            with call_salesforce(url, "GET", sf.session, headers, params=params, stream=True) as response:
                for chunk in response.iter_content(chunk_size=64 * 1024):
                    spool.write(chunk)
                next_locator = response.headers.get("Sforce-Locator") or ""
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return _ResultsPage(spool, "" if next_locator == "null" else next_locator)

    def updated_ids(self, start: datetime, end: datetime) -> UpdatedWindow:
        """``getUpdated`` over the part of [start, end] Salesforce keeps (30 days). A start older than
        that is clamped: the caller should reconcile by query when it asks that far back."""
        window = clamp_window(start, end, self._clock(), UPDATED_RETENTION)
        if window.too_short:
            return UpdatedWindow(ids=(), latest_date_covered=require_aware(start, "start").astimezone(UTC))
        # REST API Developer Guide, "sObject Get Updated": {"ids": [...], "latestDateCovered": ...}.
        # sf.Task.updated formats aware datetimes as ISO 8601 with an encoded offset.
        answer = self._call(Operation.QUERY, lambda sf: _tasks(sf).updated(window.start, window.end))
        return UpdatedWindow(
            ids=tuple(answer.get("ids") or ()),
            latest_date_covered=parse_sf_datetime(answer["latestDateCovered"]),
        )

    def deleted_records(self, start: datetime, end: datetime) -> DeletedWindow:
        """``getDeleted`` over the last 15 days at most. When the asked start is clamped,
        ``earliest_date_available`` is at least the clamped start, so the caller sees the loss."""
        window = clamp_window(start, end, self._clock(), DELETED_RETENTION)
        asked = require_aware(start, "start").astimezone(UTC)
        if window.too_short:
            earliest = window.start if window.start_clamped else asked
            return DeletedWindow(records=(), earliest_date_available=earliest, latest_date_covered=asked)
        # REST API Developer Guide, "sObject Get Deleted": {"deletedRecords": [{"id", "deletedDate"}],
        # "earliestDateAvailable", "latestDateCovered"}.
        try:
            answer = self._call(Operation.QUERY, lambda sf: _tasks(sf).deleted(window.start, window.end))
        except SalesforceError as error:
            if error.code != REPLICATION_DATE_REFUSED:
                raise
            # SOAP API Developer Guide, getDeleted(), Usage: "If the purge has been performed before your
            # getDeleted() call is executed, an INVALID_REPLICATION_DATE error is returned." The window is
            # well formed (clamped above), so the deletes before the purge are lost to the caller: say so.
            return DeletedWindow(records=(), earliest_date_available=window.end, latest_date_covered=window.end)
        earliest_text = answer.get("earliestDateAvailable")
        earliest = parse_sf_datetime(earliest_text) if earliest_text else window.start
        if window.start_clamped:
            earliest = max(earliest, window.start)
        return DeletedWindow(
            records=tuple(
                DeletedRecord(sf_id=r["id"], deleted_at=parse_sf_datetime(r["deletedDate"]))
                for r in answer.get("deletedRecords") or ()
            ),
            earliest_date_available=earliest,
            latest_date_covered=parse_sf_datetime(answer["latestDateCovered"]),
        )

    # -- writes --------------------------------------------------------------------------------------

    def create_tasks(self, creates: Sequence[TaskCreate]) -> list[WriteResult]:
        if self._marker_mode:
            return self._create_with_markers(creates)
        # REST API Developer Guide, "Upsert Records Using sObject Collections" (API 46+): PATCH
        # composite/sobjects/<Object>/<ExternalIdField>, up to 200 records, results in request order.
        # A create retried after a time-out finds the record the first attempt made: no duplicate.
        path = f"composite/sobjects/{TASK}/{EXTERNAL_ID_FIELD}"

        def body(chunk: Sequence[TaskCreate]) -> dict[str, Any]:
            records = [
                sobject({**field_values_json(c.values), "OwnerId": c.owner_id, EXTERNAL_ID_FIELD: c.external_id})
                for c in chunk
            ]
            return {"allOrNone": False, "records": records}

        return self._collection_writes(
            creates,
            Operation.CREATE,
            lambda chunk: lambda sf: sf.restful(path, method="PATCH", json=body(chunk)),
            lambda _: None,
        )

    def _create_with_markers(self, creates: Sequence[TaskCreate]) -> list[WriteResult]:
        """Fallback for orgs without ``Tasksync_Id__c`` (``ExternalIdMode.DESCRIPTION_MARKER``): look for
        records an earlier attempt made (owned by the same users, created within ``marker_lookback``,
        carrying the marker line), then create the rest with the marker in Description."""
        found = self._marker_matches({c.owner_id for c in creates})
        missing = [c for c in creates if c.external_id not in found]

        def body(chunk: Sequence[TaskCreate]) -> dict[str, Any]:
            records = []
            for c in chunk:
                values = {**field_values_json(c.values), "OwnerId": c.owner_id}
                values["Description"] = with_marker(values.get("Description"), c.external_id)
                records.append(sobject(values))
            return {"allOrNone": False, "records": records}

        created = iter(
            self._collection_writes(
                missing,
                Operation.CREATE,
                lambda chunk: lambda sf: sf.restful("composite/sobjects", method="POST", json=body(chunk)),
                lambda _: None,
            )
        )
        return [WriteResult(found[c.external_id]) if c.external_id in found else next(created) for c in creates]

    def _marker_matches(self, owner_ids: Iterable[str]) -> dict[str, str]:
        since = soql_datetime(self._clock() - self._settings.marker_lookback)
        before = "SELECT Id, Description FROM Task WHERE OwnerId IN "
        after = f" AND CreatedDate >= {since}"
        found: dict[str, str] = {}
        owners = sorted(owner_ids)
        for chunk in chunk_for_url(before, owners, after, self._settings.max_query_url_chars):
            for record in self._query_records(before + in_list(chunk) + after):
                _, external_id = split_marker(record.get("Description"))
                if external_id is not None:
                    found.setdefault(external_id, record["Id"])
        return found

    def update_tasks(self, updates: Sequence[TaskUpdate]) -> list[WriteResult]:
        # REST API Developer Guide, "Update Records Using sObject Collections": PATCH composite/sobjects,
        # each record with attributes.type and id.
        def body(chunk: Sequence[TaskUpdate]) -> dict[str, Any]:
            records = [sobject({**field_values_json(u.values), "id": u.sf_id}) for u in chunk]
            return {"allOrNone": False, "records": records}

        return self._collection_writes(
            updates,
            Operation.UPDATE,
            lambda chunk: lambda sf: sf.restful("composite/sobjects", method="PATCH", json=body(chunk)),
            lambda u: u.sf_id,
        )

    def delete_tasks(self, sf_ids: Sequence[str]) -> list[WriteResult]:
        # REST API Developer Guide, "Delete Records Using sObject Collections":
        # DELETE composite/sobjects?ids=<id>,<id>&allOrNone=false.
        def call(chunk: Sequence[str]) -> Callable[[Salesforce], Any]:
            params = {"ids": ",".join(chunk), "allOrNone": "false"}
            return lambda sf: sf.restful("composite/sobjects", params=params, method="DELETE")

        return self._collection_writes(sf_ids, Operation.DELETE, call, lambda sf_id: sf_id)

    def _collection_writes(
        self,
        items: Sequence[W],
        operation: Operation,
        make_call: Callable[[Sequence[W]], Callable[[Salesforce], Any]],
        known_id: Callable[[W], str | None],
    ) -> list[WriteResult]:
        """Chunks of 200, one call each, per-record results in request order (matched by position: a
        failed create has no id). A whole chunk that fails gives every record in it that error; after
        a transient one (its call retried already) the remaining chunks are not tried. A record that
        fails transiently on its own (``UNABLE_TO_LOCK_ROW`` in a Collections answer) is sent again with
        the retry policy's back-off: each item either did not happen or is idempotent (an upsert, an
        update of the same values, a delete). Auth failures are raised."""
        results, retryable, doubted = self._chunked_writes(items, operation, make_call, known_id)
        for retry in range(self._retry.attempts - 1):
            again = [index for index in retryable if not results[index].ok]
            if not again:
                break
            self._retry.sleep(self._retry.delay(retry))
            retried, still, doubts = self._chunked_writes([items[i] for i in again], operation, make_call, known_id)
            for index, result in zip(again, retried, strict=True):
                results[index] = result
            retryable = {again[position] for position in still}
            doubted |= {again[position] for position in doubts}
        # An attempt that may have landed (a time-out) makes a later refusal no proof that nothing did.
        return [_may_have_landed(result) if index in doubted else result for index, result in enumerate(results)]

    def _chunked_writes(
        self,
        items: Sequence[W],
        operation: Operation,
        make_call: Callable[[Sequence[W]], Callable[[Salesforce], Any]],
        known_id: Callable[[W], str | None],
    ) -> tuple[list[WriteResult], set[int], set[int]]:
        """The results, the positions of the records that failed transiently on their own, and those of
        the records an attempt of which may have landed (its call timed out, then was tried again)."""
        results: list[WriteResult] = []
        retryable: set[int] = set()
        doubted: set[int] = set()
        halted: SalesforceError | None = None
        for start in range(0, len(items), COLLECTION_LIMIT):
            chunk = items[start : start + COLLECTION_LIMIT]
            if halted is not None:
                results.extend(WriteResult(known_id(item), halted) for item in chunk)
                continue
            doubts: list[SalesforceError] = []
            try:
                answer = self._retry.run(partial(self._doubted_attempt, operation, make_call(chunk), doubts))
            except SalesforceError as error:
                if error.kind is ErrorKind.AUTH:
                    raise
                if error.kind is ErrorKind.TRANSIENT:
                    halted = error
                answered = [WriteResult(known_id(item), error) for item in chunk]
            else:
                answered = self._item_results(answer, chunk, operation, known_id)
                retryable.update(
                    start + offset
                    for offset, result in enumerate(answered)
                    if result.error is not None and result.error.kind is ErrorKind.TRANSIENT and _own_failure(result)
                )
            results.extend(answered)
            if doubts:
                doubted.update(range(start, start + len(chunk)))
        return results, retryable, doubted

    def _doubted_attempt(
        self, operation: Operation, call: Callable[[Salesforce], T], doubts: list[SalesforceError]
    ) -> T:
        """One attempt of a write call; a failure that leaves open whether it landed goes into ``doubts``."""
        try:
            return self._attempt(operation, call)
        except SalesforceError as error:
            if not error.nothing_written:
                doubts.append(error)
            raise

    @staticmethod
    def _item_results(
        answer: Any, chunk: Sequence[W], operation: Operation, known_id: Callable[[W], str | None]
    ) -> list[WriteResult]:
        if not isinstance(answer, list) or len(answer) != len(chunk):
            error = SalesforceError(
                ErrorKind.TRANSIENT, UNEXPECTED_ANSWER, "sObject Collections answer does not match the request"
            )
            return [WriteResult(known_id(item), error) for item in chunk]
        results = []
        for item, outcome in zip(chunk, answer, strict=True):
            sf_id = outcome.get("id") or known_id(item)
            if outcome.get("success"):
                results.append(WriteResult(sf_id))
            else:
                results.append(WriteResult(sf_id, error_from_collection_item(outcome.get("errors") or (), operation)))
        return results

    # -- usage ---------------------------------------------------------------------------------------

    def api_usage(self) -> ApiUsage | None:
        return self._usage.latest

    @property
    def calls(self) -> int:
        """REST API calls made through this gateway so far (retries and token refreshes' repeats included)."""
        return self._usage.calls
