"""The fallback idempotency key for orgs without ``Tasksync_Id__c``: a last line ``[tasksync:<id>]`` in
Description, written on create and stripped again on every read (docs/decisions/0004)."""

from __future__ import annotations

import re

from tasksync.domain.salesforce_task import DESCRIPTION_MAX

_MARKER = re.compile(r"(?:\r?\n)?\[tasksync:([^\]\s]+)\]\s*\Z")


def marker_line(external_id: str) -> str:
    return f"[tasksync:{external_id}]"


def with_marker(description: str | None, external_id: str) -> str:
    marker = marker_line(external_id)
    if not description:
        return marker
    # Keep the marker even on a full-length description: it is what makes a retried create safe.
    room = DESCRIPTION_MAX - len(marker) - 1
    return f"{description[:room]}\n{marker}"


def split_marker(description: str | None) -> tuple[str | None, str | None]:
    """(description without the marker, the external id it carried)."""
    if not description:
        return description, None
    match = _MARKER.search(description)
    if match is None:
        return description, None
    rest = description[: match.start()]
    return (rest or None), match.group(1)
