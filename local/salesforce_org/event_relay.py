"""Retained change events as Event Relay would put them on an Amazon EventBridge partner event bus.

- Amazon EventBridge User Guide, "AWS service event metadata": every event carries ``version`` (``"0"``),
  ``id`` (a UUID), ``detail-type``, ``source``, ``account`` (12 digits), ``time``, ``region``,
  ``resources`` (ARNs, possibly none) and ``detail``.
- Object Reference, "EventRelayFeedback", ``RemoteResource``: the partner event source is
  ``aws.partner/salesforce.com/<orgID>/<channelID>``, e.g.
  ``aws.partner/salesforce.com/00DRM000000Fxts2AC/0YLRM0000004Dfg4AE``.
- Event Relay relays what the Pub/Sub API delivers, so the payload is in the Pub/Sub shape (``cdc``),
  whatever shape the event took for the webhook.

Salesforce publishes no sample of the whole envelope (the Event Relay guide's "Event Relay Configuration
and Event Channels" and "Process Events in Amazon EventBridge Using Rules" show none). Chosen here:
``detail-type`` is the event's name, ``TaskChangeEvent``; ``detail`` is ``{"payload": <the Pub/Sub
payload as JSON>, "schemaId": <the schema id>, "id": <the event's UUID>}``; ``time`` is when the event
was published, to the second (``2024-05-07T22:07:19Z``); ``id`` is derived from the event's UUID, so one
event keeps one envelope id; ``resources`` is empty; ``account`` and ``region`` are the AWS account and
region of the relay's named credential, ``123456789012`` and ``us-east-1`` unless given.
"""

from __future__ import annotations

import uuid
from datetime import UTC
from typing import Any

from local.salesforce_org.cdc import SCHEMA_ID, ChangeEvent, Shape

DETAIL_TYPE = "TaskChangeEvent"
DEFAULT_ACCOUNT = "123456789012"
DEFAULT_REGION = "us-east-1"


def relay_envelope(
    event: ChangeEvent, *, org_id: str, channel_id: str, account: str = DEFAULT_ACCOUNT, region: str = DEFAULT_REGION
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{org_id}/{event.event_uuid}")),
        "detail-type": DETAIL_TYPE,
        "source": f"aws.partner/salesforce.com/{org_id}/{channel_id}",
        "account": account,
        "time": event.published_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [],
        "detail": {"payload": event.content.payload(Shape.PUBSUB), "schemaId": SCHEMA_ID, "id": event.event_uuid},
    }
