"""A Salesforce changes queue message read back as the org's changes.

Two producers, two bodies: the CDC webhook puts ``{"orgId": <the URL's org id>, "event": <one change
event as it came>}`` on the FIFO queue (``tasksync.webhook_intake.queued_change_event``
builds it); Event Relay's rule puts the whole EventBridge event on its standard queue, the org in its
``source``. Both are read by the same parser, so a body the webhook accepted reads the same here.
"""

from __future__ import annotations

import json
from typing import Any

from tasksync.change_events.conversion import OrgChanges, parse_change_events
from tasksync.change_events.errors import ChangeEventRejected


def org_changes_of(body: str) -> OrgChanges:
    """Raises ``ChangeEventRejected`` for a body that is neither."""
    try:
        document: Any = json.loads(body)
    except json.JSONDecodeError as error:
        raise ChangeEventRejected(f"queue message is not JSON: {error}") from None
    if isinstance(document, dict) and set(document) == {"orgId", "event"}:
        return parse_change_events(document["event"], org_id=str(document["orgId"]))
    return parse_change_events(document)
