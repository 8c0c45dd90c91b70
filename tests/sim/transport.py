"""The bodies the sync's queues hold, built as the systems in between build them.

- A Salesforce change event reaches the sync by the CDC webhook (a CometD message, which the webhook
  queues as ``{"orgId", "event"}``: ``tasksync.webhook_intake.queued_change_event``) or by Event Relay
  (the EventBridge event, its payload in the Pub/Sub shape, is the SQS body: the org emulator's
  ``relay_envelope``; Amazon EventBridge User Guide, "Amazon SQS as a target").
- An SIA reminder-task event is put on the bus as the stream publisher puts it
  (``tasksync.queued_events.reminder_event_entry``) and delivered to SQS as the whole EventBridge event
  ("AWS service event metadata": ``version``, ``id``, ``detail-type``, ``source``, ``account``,
  ``time``, ``region``, ``resources``, ``detail``), ``detail`` the entry's JSON parsed.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC

from local.salesforce_org.cdc import ChangeEvent
from local.salesforce_org.event_relay import DEFAULT_ACCOUNT, DEFAULT_REGION, relay_envelope
from tasksync.domain.reminder_events import ReminderTaskEvent
from tasksync.queued_events import reminder_event_entry
from tasksync.webhook_intake import queued_change_event

RELAY_CHANNEL_ID = "0YL000000000001AAA"
TASK_EVENT_SOURCE = "tasksync.reminder-tasks"
TASK_EVENT_DETAIL_TYPE = "ReminderTaskEvent"
"""As template.yaml names them (TASK_EVENT_SOURCE, TASK_EVENT_DETAIL_TYPE)."""


def change_event_body(event: ChangeEvent, org_id: str, *, relayed: bool) -> str:
    if relayed:
        return json.dumps(relay_envelope(event, org_id=org_id, channel_id=RELAY_CHANNEL_ID))
    return json.dumps(queued_change_event(org_id, event.message), separators=(",", ":"))


def reminder_event_body(event: ReminderTaskEvent, number: int) -> str:
    entry = reminder_event_entry(
        event, bus_name="tasksync", source=TASK_EVENT_SOURCE, detail_type=TASK_EVENT_DETAIL_TYPE
    )
    return json.dumps(
        {
            "version": "0",
            "id": str(uuid.UUID(int=number)),
            "detail-type": entry["DetailType"],
            "source": entry["Source"],
            "account": DEFAULT_ACCOUNT,
            "time": event.occurred_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "region": DEFAULT_REGION,
            "resources": [],
            "detail": json.loads(entry["Detail"]),
        }
    )
