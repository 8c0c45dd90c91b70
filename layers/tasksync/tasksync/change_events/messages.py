"""The Task change events of a webhook request or a queue message, read and validated.

Imports nothing of the engine, the use cases or the adapters, so that the webhook can refuse a bad body
cheaply (``tests/unit/change_events/test_imports.py`` holds it to that).

Accepted, as JSON text (bytes or str) or as already parsed objects:

- A CometD message (Change Data Capture Developer Guide, "Change Event Message Structure"):
  ``{"data": {"schema": ..., "payload": {"ChangeEventHeader": {...}, <fields>}, "event": {"replayId":
  N}}, "channel": "/data/TaskChangeEvent"}``. The channel may also be ``/data/ChangeEvents`` (every
  selected object, "Subscription Channels") or a custom channel ``/data/<Name>__chn`` ("Compose Streams
  of Change Data Capture Notifications with Custom Channels"); an absent channel is taken as Task's.
- Its ``data`` alone: ``{"schema": ..., "payload": {...}, "event": {...}}``.
- An Event Relay event on EventBridge: the EventBridge envelope (Amazon EventBridge Events Reference,
  "AWS service event metadata": ``version``, ``id``, ``detail-type``, ``source``, ``account``,
  ``time``, ``region``, ``resources``, ``detail``) from the partner event source
  ``aws.partner/salesforce.com/<orgId>/<channelId>`` (Object Reference, "EventRelayFeedback",
  ``RemoteResource``), ``detail-type`` the event's name, ``TaskChangeEvent``. Salesforce publishes no
  sample of this envelope, so this is assumed: the change event's payload, as the Pub/Sub API decodes
  it, is ``detail.payload``; every other key of ``detail`` and of the envelope is ignored.
- A JSON array of those, or ``{"events": [...]}`` holding them.

One body comes from one org: the webhook URL's (``org_id``) or an Event Relay source's, which must
agree. Anything else in a body (another object's change events, platform events, other JSON) refuses
it whole.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass

from tasksync.change_events.errors import ChangeEventRejected
from tasksync.change_events.header import ChangeEventHeader, read_header
from tasksync.change_events.record_fields import BODY_FIELDS, read_record_fields
from tasksync.change_events.wire_values import ORG_KEY_PREFIX, is_record_id, shown

EVENT_NAME = "TaskChangeEvent"

_CHANNEL = re.compile(rf"/data/(?:{EVENT_NAME}|ChangeEvents|[A-Za-z][A-Za-z0-9_]*__chn)")
_EVENT_RELAY_SOURCE = re.compile(r"aws\.partner/salesforce\.com/(?P<org_id>[^/]+)/[^/]+")


@dataclass(frozen=True)
class TaskChangeEvent:
    header: ChangeEventHeader
    values: Mapping[str, object]
    """The fields the sync reads that the body holds, by API name, each checked (a date a date, a Subject
    within its 255 characters; None for a null, and for a value sent as a diff): the same for every
    record of ``header.record_ids``. ``conversion`` makes them ``SalesforceTask`` records."""
    diffed_fields: frozenset[str]
    """Fields the sync reads whose new value came as a diff, so is not known."""


@dataclass(frozen=True)
class TaskChangeEvents:
    org_id: str
    events: tuple[TaskChangeEvent, ...]
    """In the body's order."""


def read_change_events(body: object, *, org_id: str | None = None) -> TaskChangeEvents:
    """``body`` as received (see the module docstring); ``org_id`` the webhook URL's, when there is one."""
    if org_id is not None and not is_record_id(org_id, ORG_KEY_PREFIX):
        raise ChangeEventRejected(f"{shown(org_id)} is not a Salesforce org id")
    events = []
    for where, item in _items(_document(body)):
        source_org_id, payload = _payload(item, where)
        if source_org_id is not None:
            if org_id is None:
                org_id = source_org_id
            elif org_id[:15] != source_org_id[:15]:  # the 15-character id, with or without its suffix
                raise ChangeEventRejected(f"{where} comes from org {source_org_id}, not {org_id}: one body, one org")
        events.append(_event(payload, where))
    if org_id is None:
        raise ChangeEventRejected("the org of these change events is unknown: give the webhook URL's org id")
    return TaskChangeEvents(org_id=org_id, events=tuple(events))


def event_items(body: object) -> list[object]:
    """``body``'s events as they appear in it, parsed but not read: one per event that
    ``read_change_events(body)`` returns, in the same order, and ``read_change_events`` of this list
    reads them as it reads ``body`` (the webhook queues each event as it came). Raises
    ``ChangeEventRejected`` for a body that is not JSON or holds no events."""
    return [item for _, item in _items(_document(body))]


def _document(body: object) -> object:
    if isinstance(body, bytes | bytearray):
        try:
            body = body.decode()
        except UnicodeDecodeError:
            raise ChangeEventRejected("the body is not UTF-8 text") from None
    if not isinstance(body, str):
        return body
    try:
        return json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise ChangeEventRejected(f"the body is not JSON: {error}") from None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


def _items(document: object) -> list[tuple[str, object]]:
    """Each event of the body with how error messages name it."""
    if isinstance(document, Mapping) and "events" in document:
        document = document["events"]
        if not isinstance(document, list):
            raise ChangeEventRejected(f'"events" must be a list, not {shown(document)}')
    elif not isinstance(document, list):
        return [("the event", document)]
    if not document:
        raise ChangeEventRejected("the body holds no change events")
    return [(f"event {number}", item) for number, item in enumerate(document, start=1)]


def _payload(item: object, where: str) -> tuple[str | None, Mapping[str, object]]:
    """(the org id of an Event Relay source, the change event's payload)."""
    if not isinstance(item, Mapping):
        raise ChangeEventRejected(f"{where} must be a JSON object, not {shown(item)}")
    if "detail" in item or "detail-type" in item or "source" in item:
        return _event_relay_payload(item, where)
    if "data" in item:
        channel = item.get("channel")
        if channel is not None and not (isinstance(channel, str) and _CHANNEL.fullmatch(channel)):
            raise ChangeEventRejected(f"{where} came on {shown(channel)}, not on a channel of Task change events")
        return None, _object(_object(item, "data", where), "payload", f"{where}: data")
    if "payload" in item:
        return None, _object(item, "payload", where)
    raise ChangeEventRejected(
        f"{where} is neither a CometD change event message, nor its data, nor an Event Relay event"
    )


def _event_relay_payload(event: Mapping[str, object], where: str) -> tuple[str, Mapping[str, object]]:
    detail_type = event.get("detail-type")
    if detail_type != EVENT_NAME:
        raise ChangeEventRejected(f"{where} is an EventBridge event of {shown(detail_type)}, not of {EVENT_NAME}")
    source = event.get("source")
    match = _EVENT_RELAY_SOURCE.fullmatch(source) if isinstance(source, str) else None
    if match is None or not is_record_id(match["org_id"], ORG_KEY_PREFIX):
        raise ChangeEventRejected(
            f"{where}: source {shown(source)} is not an Event Relay source "
            "aws.partner/salesforce.com/<orgId>/<channelId>"
        )
    return match["org_id"], _object(_object(event, "detail", where), "payload", f"{where}: detail")


def _object(container: Mapping[str, object], key: str, where: str) -> Mapping[str, object]:
    value = container.get(key)
    if not isinstance(value, Mapping):
        raise ChangeEventRejected(f"{where}: {key} must be a JSON object, not {shown(value)}")
    return value


def _event(payload: Mapping[str, object], where: str) -> TaskChangeEvent:
    if payload.get("ChangeEventHeader") is None:
        raise ChangeEventRejected(f"{where} has no ChangeEventHeader")
    header = read_header(payload["ChangeEventHeader"], where)
    record = read_record_fields(payload, where)
    diffed = record.diffed | (header.diff_fields or frozenset()) & BODY_FIELDS
    return TaskChangeEvent(header=header, values={**record.values, **dict.fromkeys(diffed)}, diffed_fields=diffed)
