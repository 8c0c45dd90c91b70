"""``sobjects/Task/updated`` and ``sobjects/Task/deleted``: the replication resources.

REST API Developer Guide, "sObject Get Updated": ``{"ids": [...], "latestDateCovered": ...}``; results
for no more than 30 days back; by ``SystemModstamp``; ``start``/``end`` in UTC ISO 8601 with the seconds
ignored (12:30:15 is 12:30:00). "sObject Get Deleted": ``{"deletedRecords": [{"id", "deletedDate"}],
"earliestDateAvailable", "latestDateCovered"}``; no more than 15 days back, or less if an administrator
purged the recycle bin. Example bodies in "Get a List of Updated/Deleted Records Within a Given
Timeframe" show dates as ``2013-05-08T21:20:00.000+0000``. SOAP API Developer Guide, "getDeleted()" and
"getUpdated()", Rules and Guidelines: start must precede end by more than one minute, else
``INVALID_REPLICATION_DATE``. "GetDeletedResult": ``earliestDateAvailable`` is the time of the last
physically deleted record; ``latestDateCovered`` is at most ``end`` and is the start of the next call.

"getDeleted()", Rules and Guidelines: "Results are returned for no more than 15 days previous to the day
the call is executed (or earlier if an administrator has purged the Recycle Bin). If the purge has been
performed before your getDeleted() call is executed, an INVALID_REPLICATION_DATE error is returned."
Read with the sentence before it: a window that reaches back before the last purge, into deletes the
purge took, is refused with 400 ``INVALID_REPLICATION_DATE``; the caller must reconcile fully. A window
starting at or after the purge is answered, with ``earliestDateAvailable`` the purge time (not after the
start). The 15-day horizon is no purge: a start further back is answered, and ``earliestDateAvailable``
(15 days ago) later than the start tells the caller what it lost.

Not documented, chosen here:

- the window is [start, latestDateCovered) by SystemModstamp (getUpdated) or deletion time
  (getDeleted), so consecutive calls with start = the last latestDateCovered neither miss nor repeat;
- ``latestDateCovered`` is ``end``, or the current minute when ``end`` lies in the future;
- a start more than 30 days back is ``INVALID_REPLICATION_DATE`` for both resources (Salesforce refuses
  starts beyond what the org keeps; for getDeleted the data itself reaches 15 days back);
- ``earliestDateAvailable`` is the later of 15 days ago and the last time the recycle bin was emptied,
  to the second (not truncated to the minute: that could hide a purge within the start's minute);
- only an emptied recycle bin counts as "the purge": records ageing out after 15 days, and the delete
  log's own purge (every two hours above a size limit, not modelled), do not refuse a call; a purge
  more than 15 days ago no longer matters (the horizon is later);
- GetDeletedResult also says the call fails when ``earliestDateAvailable`` "is less than endDate",
  which would refuse nearly every call: read as "later than startDate", which is the purge rule above;
- a start or end that is not a date-time is ``INVALID_REPLICATION_DATE`` too;
- getUpdated lists records that are not deleted; ids come in SystemModstamp order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from local.salesforce_org import formats
from local.salesforce_org.errors import ApiError
from local.salesforce_org.org import RECYCLE_BIN_DAYS, Org

UPDATED_DAYS = timedelta(days=30)
MIN_SPAN = timedelta(minutes=1)


def _to_minute(value: datetime) -> datetime:
    return value.replace(second=0, microsecond=0)


def _parse(name: str, text: str | None) -> datetime:
    parsed = formats.parse_iso_datetime(text) if text else None
    if parsed is None:
        raise ApiError(
            400,
            "INVALID_REPLICATION_DATE",
            f"{name}: the value '{text}' is not a date and time in ISO 8601 format (YYYY-MM-DDThh:mm:ss+hh:mm)",
        )
    return _to_minute(parsed)


def _window(org: Org, start_text: str | None, end_text: str | None) -> tuple[datetime, datetime, datetime]:
    """(start, latestDateCovered, now) after the documented checks."""
    start = _parse("start", start_text)
    end = _parse("end", end_text)
    now = org.now()
    if end - start < MIN_SPAN:
        raise ApiError(
            400,
            "INVALID_REPLICATION_DATE",
            "startDate must chronologically precede endDate by more than one minute",
        )
    if start < now - UPDATED_DAYS:
        raise ApiError(400, "INVALID_REPLICATION_DATE", "startDate cannot be more than 30 days ago")
    return start, min(end, _to_minute(now)), now


def updated(org: Org, start_text: str | None, end_text: str | None) -> dict[str, Any]:
    start, covered, _ = _window(org, start_text, end_text)
    with org.lock:
        rows = [r for r in org.tasks.values() if not r["IsDeleted"] and start <= r["SystemModstamp"] < covered]
    rows.sort(key=lambda r: r["SystemModstamp"])
    return {"ids": [r["Id"] for r in rows], "latestDateCovered": formats.rest_datetime(covered)}


def earliest_deleted_available(org: Org, now: datetime) -> datetime:
    floor = now - RECYCLE_BIN_DAYS
    if org.emptied_at is not None and org.emptied_at > floor:
        floor = org.emptied_at
    return formats.to_second(floor)


def deleted(org: Org, start_text: str | None, end_text: str | None) -> dict[str, Any]:
    start, covered, now = _window(org, start_text, end_text)
    with org.lock:
        org.expire_recycle_bin()
        earliest = earliest_deleted_available(org, now)
        purge_limits_the_window = org.emptied_at is not None and earliest == org.emptied_at
        if purge_limits_the_window and start < earliest:
            raise ApiError(
                400,
                "INVALID_REPLICATION_DATE",
                f"the recycle bin was purged at {formats.rest_datetime(earliest)}, after startDate "
                f"{formats.rest_datetime(start)}: deleted records before then are no longer available",
            )
        entries = sorted(
            (when, record_id)
            for record_id, when in org.delete_log.items()
            if start <= when < covered and when >= now - RECYCLE_BIN_DAYS
        )
    return {
        "deletedRecords": [
            {"id": record_id, "deletedDate": formats.rest_datetime(when)} for when, record_id in entries
        ],
        "earliestDateAvailable": formats.rest_datetime(earliest),
        "latestDateCovered": formats.rest_datetime(covered),
    }
