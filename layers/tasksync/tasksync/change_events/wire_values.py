"""Values as change events carry them: record ids, the commit timestamp, datetimes and dates.

- Ids: 15 case-sensitive characters, or 18 with the case-safe suffix; the first three are the object's
  key prefix (SOAP API Developer Guide, "ID Field Type"): ``00T`` Task, ``00D`` Organization. The
  suffix is not checked: a malformed one names no other record, and test ids rarely carry a real one.
- ``commitTimestamp``: "the number of milliseconds since January 1, 1970 00:00:00 GMT" (Apex Reference,
  "ChangeEventHeader Class"); whole seconds in every documented example, kept as it comes.
- CometD JSON: datetimes as ``2022-05-11T16:20:59.000Z`` (Change Data Capture Developer Guide,
  "Example: Delivered Enriched Event Messages") or ``2021-02-09T23:17:59Z`` (Object Reference,
  "StandardObjectNameChangeEvent"), and REST's ``+0000`` offset is taken too; dates as ``YYYY-MM-DD``.
- Pub/Sub API, and so Event Relay: "Date fields are in Epoch time" (Streaming API Developer Guide,
  "Differences Between Change Events Received with Streaming API vs. Pub/Sub API"), without the unit.
  A datetime number is read as epoch milliseconds, like ``commitTimestamp``. A date number is read as
  epoch milliseconds when it is a whole number of days (midnight UTC), else as a count of days, Avro's
  ``date`` logical type (Apache Avro Specification, "Logical Types: Date"): the two readings never
  meet, since a count of days that is a multiple of 86,400,000 lies beyond year 9999.
"""

from __future__ import annotations

import re
import reprlib
from datetime import UTC, date, datetime, timedelta
from typing import TypeGuard

from tasksync.change_events.errors import ChangeEventRejected

TASK_KEY_PREFIX = "00T"
ORG_KEY_PREFIX = "00D"
MS_PER_DAY = 86_400_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

_ID_BODY = re.compile(r"[0-9A-Za-z]{12}(?:[0-9A-Za-z]{3})?")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:?\d{2})")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def shown(value: object) -> str:
    """``value`` for an error message, shortened."""
    return reprlib.repr(value)


def is_record_id(value: str, key_prefix: str) -> bool:
    """A 15- or 18-character id of the object whose key prefix is ``key_prefix``."""
    return value.startswith(key_prefix) and _ID_BODY.fullmatch(value, len(key_prefix)) is not None


def datetime_of_epoch_ms(value: object, where: str) -> datetime:
    if not _is_integer(value):
        raise ChangeEventRejected(f"{where} must be epoch milliseconds (an integer), not {shown(value)}")
    try:
        return EPOCH + timedelta(milliseconds=value)
    except OverflowError:
        raise ChangeEventRejected(f"{where} is out of range: {shown(value)}") from None


def datetime_value(value: object, where: str) -> datetime:
    """A datetime field's value: CometD text or Pub/Sub epoch milliseconds, as an aware UTC datetime."""
    if _is_integer(value):
        return datetime_of_epoch_ms(value, where)
    if not isinstance(value, str) or not _DATETIME.fullmatch(value):
        raise ChangeEventRejected(
            f"{where} must be a datetime like 2024-05-07T22:07:19.000Z or epoch milliseconds, not {shown(value)}"
        )
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except ValueError:
        raise ChangeEventRejected(f"{where} is not a real datetime: {shown(value)}") from None
    except OverflowError:  # year 1 east of UTC, year 9999 west of it: no UTC form
        raise ChangeEventRejected(f"{where} is out of range: {shown(value)}") from None


def date_value(value: object, where: str) -> date:
    """A date field's value: CometD ``YYYY-MM-DD``, or a Pub/Sub number (see the module docstring)."""
    if _is_integer(value):
        days, rest = divmod(value, MS_PER_DAY)
        try:
            return EPOCH.date() + timedelta(days=days if rest == 0 else value)
        except OverflowError:
            raise ChangeEventRejected(f"{where} is not a date: {shown(value)}") from None
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        raise ChangeEventRejected(f"{where} must be a date like 2024-05-07, not {shown(value)}")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ChangeEventRejected(f"{where} is not a real date: {shown(value)}") from None


def _is_integer(value: object) -> TypeGuard[int]:
    # JSON true/false are ints to Python; they are never a time.
    return isinstance(value, int) and not isinstance(value, bool)
