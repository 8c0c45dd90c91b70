"""Date and time text as Salesforce writes and reads it.

- REST JSON and getUpdated/getDeleted answers: ``2013-05-07T22:07:19.000+0000`` (REST API Developer
  Guide, "Get a List of Deleted Records Within a Given Timeframe", example response body).
- Dates: ``YYYY-MM-DD`` (SOQL and SOSL Reference, "Date Formats and Date Literals in WHERE").
- Change events over CometD: ``2022-05-11T16:20:59.000Z`` (Change Data Capture Developer Guide,
  "Example: Delivered Enriched Event Messages").
- Bulk API 2.0 CSV results: ``2022-01-02T17:38:59.000Z`` (not on a doc page; as seen in results).

Salesforce keeps datetimes to the second; the emulator truncates stored datetimes the same way.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

_OFFSET_NO_COLON = re.compile(r"([+-]\d{2})(\d{2})$")


def rest_datetime(value: datetime) -> str:
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}+0000"


def cdc_datetime(value: datetime) -> str:
    utc = value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def rest_date(value: date) -> str:
    return value.isoformat()


def to_second(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(microsecond=0)


def epoch_millis(value: datetime) -> int:
    return int(value.timestamp() * 1000)


def parse_iso_datetime(text: str) -> datetime | None:
    """``2024-01-01T00:00:00Z``, ``...+00:00``, ``...+0000``, with optional fraction; aware only.

    A ``+`` that arrived unencoded in a query string has become a space: it is put back.
    """
    value = text.strip()
    if " " in value and "T" in value:
        head, _, tail = value.rpartition(" ")
        value = f"{head}+{tail}"
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    value = _OFFSET_NO_COLON.sub(r"\1:\2", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None or "T" not in value:
        return None
    return parsed.astimezone(UTC)


def parse_date(text: str) -> date | None:
    """Exactly ``YYYY-MM-DD``."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None
