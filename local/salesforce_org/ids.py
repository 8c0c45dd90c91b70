"""Salesforce record ids: 15 case-sensitive characters (3-character key prefix, 2-character instance,
1 reserved, 9-character counter) plus a 3-character case-safe suffix that makes the 18-character form.

SOAP API Developer Guide, "ID Field Type": the 18-character id adds a suffix computed from the
capitalisation of the 15-character one, so that it survives case-insensitive comparisons. REST accepts
both forms and answers with 18 characters.

Key prefixes used here: ``00D`` organization, ``005`` User, ``00T`` Task, ``003`` Contact, ``00Q`` Lead,
``750`` Bulk API job, ``01g`` query locator (as in the REST API Developer Guide's "Query More Results"
example ``01gRO0000016PIAYA2-500``), ``0YL`` event channel (as in Object Reference, "EventRelayFeedback",
``aws.partner/salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE``). ``01J`` (TaskStatus) and ``01K``
(TaskPriority) are this emulator's choice: the picklist objects' key prefixes are not on a doc page we
could read.
"""

from __future__ import annotations

import itertools
import re
import secrets
import threading

ORG = "00D"
USER = "005"
TASK = "00T"
CONTACT = "003"
LEAD = "00Q"
BULK_JOB = "750"
QUERY_LOCATOR = "01g"
EVENT_CHANNEL = "0YL"
TASK_STATUS = "01J"
TASK_PRIORITY = "01K"

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_SHAPE = re.compile(r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$")
_INSTANCE = "8a"

# Ids are unique across every org of one emulator process, as on a real pod; the counter starts at a
# random point so that ids of an earlier run (kept by a client) do not resolve to new records.
_counter = itertools.count(secrets.randbelow(62**7))
_counter_lock = threading.Lock()


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, digit = divmod(number, 62)
        digits.append(_BASE62[digit])
    return "".join(reversed(digits))


def suffix(id15: str) -> str:
    """The 3-character case-safe suffix of a 15-character id."""
    out = []
    for chunk in range(3):
        bits = 0
        for position, char in enumerate(id15[chunk * 5 : chunk * 5 + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << position
        out.append(_SUFFIX[bits])
    return "".join(out)


def new_id(prefix: str) -> str:
    """A fresh 18-character id with ``prefix``."""
    with _counter_lock:
        number = next(_counter)
    id15 = f"{prefix}{_INSTANCE}0{_base62(number, 9)}"
    return id15 + suffix(id15)


def normalize(value: str) -> str | None:
    """The 18-character form of ``value``, or None when it is not a well-formed id (wrong length or
    characters, or an 18-character id whose suffix does not match)."""
    if not _SHAPE.match(value):
        return None
    id15 = value[:15]
    expected = id15 + suffix(id15)
    if len(value) == 18 and value.upper() != expected.upper():
        return None
    return expected


def has_prefix(value: str, prefix: str) -> bool:
    return value[:3] == prefix
