"""The CDC webhook's intake (SPEC 6 and 8): the checks a request passes, and the queue message each of
its change events becomes. Imports nothing of the engine, the use cases or the adapters, so that the
webhook starts cold quickly (docs/decisions/0008-webhook-intake.md).

Checks, in this order; a refused request queues nothing:

1. Size: a body over ``MAX_BODY_BYTES`` (1 MiB), as it came or base64-decoded, is 413 (one that says
   it is base64 and is not, 400).
2. ``Content-Type``: ``application/json``, a ``charset`` parameter only ``utf-8`` (RFC 8259, section
   8.1: JSON between systems is UTF-8), else 415.
3. Signature (``webhook_signature``, over the raw body) with the org's secret: its ``AWSCURRENT``
   version, else its ``AWSPREVIOUS`` one (a rotation under way: the sender still has the old one), else
   ``AWSCURRENT`` read again past the cache (a rotation just done: the cached one is the old one). No
   version fits, or the org has no secret, or the org id is not one: 401.
4. The body's Task change events (``change_events.messages``): anything else in it refuses it whole, 400;
   an event whose message would be over SQS's ``MAX_MESSAGE_BYTES``, 413.

Queue message contract (the FIFO ``SalesforceChangesQueue``; ``salesforce_changes`` reads it):

- One message per change event of the body, in the body's order.
- Body (``queued_change_event``): ``{"orgId": "<the webhook URL's org id>", "event": <the event exactly
  as the request body held it: a CometD message or its data object>}``.
  ``read_change_events(body["event"], org_id=body["orgId"])`` reads it back.
- ``MessageGroupId``: ``<org15>:<record15>``, the org id and the event's first record id each cut to
  their 15 case-sensitive characters, so that one record's changes are applied in order and different
  records in parallel; ``<org15>`` alone for an event that stands for every Task (``GAP_OVERFLOW``, the
  ``00T*`` wildcard: ``ChangeEventHeader.whole_entity``).
- ``MessageDeduplicationId``: the SHA-256 hex digest of ``<org15>/<transactionKey>/<sequenceNumber>``,
  which names the event (Change Data Capture Developer Guide, "ChangeEventHeader Fields"), or of the
  event's canonical JSON (keys sorted, no spaces, ASCII) when either is missing. SQS drops a copy sent
  within five minutes; later ones the consumer deduplicates by event key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from tasksync.change_events.errors import ChangeEventRejected
from tasksync.change_events.messages import TaskChangeEvent, event_items, read_change_events
from tasksync.change_events.wire_values import ORG_KEY_PREFIX, is_record_id, shown
from tasksync.webhook_signature import SignatureError, SignatureMismatch, verify

MAX_BODY_BYTES = 1024 * 1024
MAX_MESSAGE_BYTES = 1024 * 1024
"""An SQS message's largest body (Amazon SQS API Reference, "SendMessage")."""

_MAX_BASE64_LENGTH = 4 * -(-MAX_BODY_BYTES // 3)  # the base64 text of MAX_BODY_BYTES bytes


class Refused(Exception):
    """The request's answer: ``status`` and ``{"error": {"code", "message"}}`` (SPEC 9)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class WebhookRequest:
    org_id: str
    """The URL's ``{orgId}``, as it came."""
    content_type: str | None
    signature: str | None
    """The ``X-Tasksync-Signature`` header."""
    body: str
    """As API Gateway hands it over: the text, or its base64 when ``base64_encoded``."""
    base64_encoded: bool = False


@dataclass(frozen=True)
class QueueMessage:
    body: str
    group_id: str
    deduplication_id: str


class SigningSecrets(Protocol):
    def current(self, org_id: str, *, fresh: bool = False) -> str | None:
        """The org's ``AWSCURRENT`` secret, None when it has none; ``fresh`` reads past the cache."""
        ...

    def previous(self, org_id: str) -> str | None:
        """The org's ``AWSPREVIOUS`` secret, None when it has none."""
        ...


class ChangesQueue(Protocol):
    def send(self, messages: Sequence[QueueMessage]) -> list[str]:
        """Sends every message, in order; the error code of each that SQS refused twice."""
        ...


def take_in(request: WebhookRequest, *, secrets: SigningSecrets, queue: ChangesQueue, now: int) -> int:
    """Checks ``request`` (the module docstring) and queues its change events; how many. Raises
    ``Refused``, with nothing queued, or with 503 when SQS took only part (the sender sends again)."""
    body = _raw_body(request)
    _check_content_type(request.content_type)
    _check_signature(request, body, secrets, now)
    messages = _queue_messages(request.org_id, body)
    refused = queue.send(messages)
    if refused:
        raise Refused(
            503,
            "queue_unavailable",
            f"{len(refused)} of {len(messages)} change events could not be queued ({', '.join(sorted(set(refused)))}):"
            " send the request again",
        )
    return len(messages)


def queued_change_event(org_id: str, event: object) -> dict[str, Any]:
    """The body of the queue message for ``event``, one item of a request body as it came."""
    return {"orgId": org_id, "event": event}


def _raw_body(request: WebhookRequest) -> bytes:
    # A character is at least a byte: text over the limit is too large before it is encoded or decoded.
    if len(request.body) > (_MAX_BASE64_LENGTH if request.base64_encoded else MAX_BODY_BYTES):
        raise _too_large()
    if request.base64_encoded:
        try:
            body = base64.b64decode(request.body, validate=True)
        except binascii.Error:
            raise Refused(400, "invalid_body", "the body is not valid base64") from None
    else:
        # surrogatepass: a stray surrogate in the event's text fails the signature, not the function.
        body = request.body.encode("utf-8", "surrogatepass")
    if len(body) > MAX_BODY_BYTES:
        raise _too_large()
    return body


def _too_large() -> Refused:
    return Refused(413, "payload_too_large", f"the body is over {MAX_BODY_BYTES} bytes")


def _check_content_type(content_type: str | None) -> None:
    media_type, *parameters = (content_type or "").split(";")
    charsets = {
        value.strip().strip('"').lower()
        for name, _, value in (parameter.partition("=") for parameter in parameters)
        if name.strip().lower() == "charset"
    }
    if media_type.strip().lower() != "application/json" or not charsets <= {"utf-8"}:
        raise Refused(
            415, "unsupported_media_type", f"Content-Type must be application/json (UTF-8), not {shown(content_type)}"
        )


def _check_signature(request: WebhookRequest, body: bytes, secrets: SigningSecrets, now: int) -> None:
    # The org id becomes part of a secret's name: nothing but an org id's shape goes that far.
    if not is_record_id(request.org_id, ORG_KEY_PREFIX):
        raise Refused(401, "invalid_signature", f"{shown(request.org_id)} is not a Salesforce org id")
    current = secrets.current(request.org_id)
    if current is None:
        raise Refused(401, "invalid_signature", f"org {request.org_id} has no webhook secret")
    for secret in _versions(current, request.org_id, secrets):
        if secret is None:
            continue
        try:
            verify(request.signature, body, secret, now)
            return
        except SignatureMismatch:
            continue
        except SignatureError as error:  # missing, malformed or out of time: no other secret helps
            raise Refused(401, "invalid_signature", str(error)) from None
    raise Refused(401, "invalid_signature", "the signature does not match the org's webhook secret")


def _versions(current: str, org_id: str, secrets: SigningSecrets) -> Iterator[str | None]:
    """``current``, then, each read only when the one before did not fit, the previous version (a
    rotation under way) and the current one read past the cache (a rotation just done)."""
    yield current
    yield secrets.previous(org_id)
    yield secrets.current(org_id, fresh=True)


def _queue_messages(org_id: str, body: bytes) -> list[QueueMessage]:
    try:
        items = event_items(body)
        events = read_change_events(items, org_id=org_id).events  # reads the items as it reads the body
    except ChangeEventRejected as error:
        raise Refused(400, "invalid_change_events", str(error)) from None
    messages = [_queue_message(org_id, item, event) for item, event in zip(items, events, strict=True)]
    for number, message in enumerate(messages, start=1):
        if len(message.body) > MAX_MESSAGE_BYTES:  # ASCII: characters are bytes
            raise Refused(413, "payload_too_large", f"event {number} is over the {MAX_MESSAGE_BYTES} bytes SQS takes")
    return messages


def _queue_message(org_id: str, item: object, event: TaskChangeEvent) -> QueueMessage:
    org15, header = org_id[:15], event.header
    key = header.event_key
    named_by = f"{org15}/{key}" if key else json.dumps(item, sort_keys=True, separators=(",", ":"))
    return QueueMessage(
        body=json.dumps(queued_change_event(org_id, item), separators=(",", ":")),
        group_id=org15 if header.whole_entity else f"{org15}:{header.record_ids[0][:15]}",
        deduplication_id=hashlib.sha256(named_by.encode()).hexdigest(),
    )
