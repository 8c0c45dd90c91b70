"""The REST Query, QueryAll and Query More resources: a query's answer one batch at a time, and the
cursors behind ``nextRecordsUrl``. What the query selects is ``soql_eval``'s.

REST API Developer Guide, "Query" and "Query More Results": the answer is ``{"totalSize", "done",
"nextRecordsUrl"?, "records": [{"attributes": {"type", "url"}, <fields>}]}``; when more rows remain,
``done`` is false and ``nextRecordsUrl`` (``/services/data/vXX.X/query/01gRO0000016PIAYA2-500``: a
locator and the position) fetches the next batch. "QueryAll": deleted records too. "Query Options
Header": ``Sforce-Query-Options: batchSize=N``, 200 to 2,000, default 2,000 (values outside are
clamped here; Salesforce may return fewer rows than asked anyway). An unknown or expired locator is
``INVALID_QUERY_LOCATOR``; a locator unused for the org's ``query_locator_idle`` is gone (SOAP API
Developer Guide, "queryMore()").
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from local.salesforce_org import ids
from local.salesforce_org.errors import ApiError
from local.salesforce_org.org import Org, User
from local.salesforce_org.soql_eval import compile_query, record_json, run

DEFAULT_BATCH = 2000
MIN_BATCH = 200


@dataclass
class QueryCursor:
    locator: str
    org_id: str
    user_id: str
    records: list[dict[str, Any]]
    include_deleted: bool
    last_used: datetime
    batch_size: int = DEFAULT_BATCH


class QueryCursors:
    """The open query locators of every org in the emulator, by locator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cursors: dict[str, QueryCursor] = {}

    def open(self, cursor: QueryCursor) -> None:
        with self._lock:
            self._cursors[cursor.locator] = cursor

    def use(self, org_id: str, user_id: str, locator: str, now: datetime, idle: timedelta) -> QueryCursor | None:
        """The cursor ``user_id`` opened in org ``org_id`` under ``locator``, marked used at ``now``; None
        when there is none. The org's cursors unused for longer than ``idle`` are gone first."""
        with self._lock:
            for key, old in list(self._cursors.items()):
                if old.org_id == org_id and now - old.last_used > idle:
                    del self._cursors[key]
            cursor = self._cursors.get(locator)
            if cursor is None or cursor.org_id != org_id or cursor.user_id != user_id:
                return None
            cursor.last_used = now
            return cursor


def batch_size(header: str | None) -> int | None:
    """``batchSize`` from a ``Sforce-Query-Options`` header, clamped to 200..2,000."""
    if not header:
        return None
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key.strip().lower() == "batchsize" and value.strip().isdigit():
            return min(max(int(value.strip()), MIN_BATCH), DEFAULT_BATCH)
    return None


def query_resource(
    cursors: QueryCursors,
    org: Org,
    user: User,
    text: str,
    *,
    include_deleted: bool,
    api_version: str,
    batch: int | None,
) -> dict[str, Any]:
    compiled = compile_query(text, user=user, now=org.now(), include_deleted=include_deleted)
    rows = run(org, compiled)
    if compiled.count:
        return {"totalSize": len(rows), "done": True, "records": []}
    records = [record_json(compiled.sobject, compiled.fields, row, api_version) for row in rows]
    size = batch or DEFAULT_BATCH
    if len(records) <= size:
        return {"totalSize": len(records), "done": True, "records": records}
    cursor = QueryCursor(
        locator=ids.new_id(ids.QUERY_LOCATOR),
        org_id=org.id,
        user_id=user.id,
        records=records,
        include_deleted=include_deleted,
        last_used=org.now(),
        batch_size=size,
    )
    cursors.open(cursor)
    return _page(cursor, 0, size, api_version)


def query_more_resource(
    cursors: QueryCursors, org: Org, user: User, locator_path: str, *, api_version: str, batch: int | None
) -> dict[str, Any]:
    locator, _, position = locator_path.rpartition("-")
    cursor = cursors.use(org.id, user.id, locator, org.now(), org.settings.query_locator_idle)
    if cursor is None or not position.isdigit():
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    start = int(position)
    if start >= len(cursor.records):
        raise ApiError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
    return _page(cursor, start, batch or cursor.batch_size, api_version)


def _page(cursor: QueryCursor, start: int, size: int, api_version: str) -> dict[str, Any]:
    end = start + size
    page: dict[str, Any] = {"totalSize": len(cursor.records), "done": end >= len(cursor.records)}
    if not page["done"]:
        resource = "queryAll" if cursor.include_deleted else "query"
        page["nextRecordsUrl"] = f"/services/data/v{api_version}/{resource}/{cursor.locator}-{end}"
    page["records"] = cursor.records[start:end]
    return page
