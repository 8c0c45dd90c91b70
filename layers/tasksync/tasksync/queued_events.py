"""SIA reminder-task events on the app's event bus: the entry the stream publisher puts, and the event
read back from the SQS message EventBridge delivers (the whole EventBridge event as the body, Amazon
EventBridge User Guide, "Amazon SQS as a target"). One module holds both ends of that contract."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tasksync.batching import batches
from tasksync.domain.reminder_events import ReminderTaskEvent

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

Key = TypeVar("Key")


class _Envelope(BaseModel):
    """The bus's rule already chose the source and detail-type: only the detail matters here."""

    model_config = ConfigDict(extra="ignore")

    detail: ReminderTaskEvent


def reminder_event_entry(
    event: ReminderTaskEvent, *, bus_name: str, source: str, detail_type: str
) -> PutEventsRequestEntryTypeDef:
    """The ``detail`` is the event as JSON; its ``origin`` is what the bus's rule filters on (the sync's
    own changes never go back to Salesforce)."""
    return {
        "EventBusName": bus_name,
        "Source": source,
        "DetailType": detail_type,
        "Detail": event.model_dump_json(),
        "Time": event.occurred_at,
    }


PUT_EVENTS_MAX_ENTRIES = 10
PUT_EVENTS_MAX_BYTES = 256 * 1024
"""Amazon EventBridge API Reference, "PutEvents": at most 10 entries, and the entries' total size (User
Guide, "Calculating PutEvents event entry size") under 256 KB, else the whole request is refused."""


def entry_size(entry: PutEventsRequestEntryTypeDef) -> int:
    """The User Guide's sum: 14 bytes for ``Time``, the UTF-8 bytes of ``Source``, ``DetailType``,
    ``Detail`` and each resource."""
    texts = [entry.get("Source", ""), entry.get("DetailType", ""), entry.get("Detail", ""), *entry.get("Resources", [])]
    return (14 if "Time" in entry else 0) + sum(len(text.encode()) for text in texts)


def put_events_requests(
    entries: Sequence[tuple[Key, PutEventsRequestEntryTypeDef]],
) -> Iterator[list[tuple[Key, PutEventsRequestEntryTypeDef]]]:
    """``entries`` (an entry with what the caller keeps beside it) in order, cut into PutEvents requests
    that EventBridge takes: ten entries at most, under 256 KB together."""
    return batches(
        entries,
        lambda item: entry_size(item[1]),
        max_items=PUT_EVENTS_MAX_ENTRIES,
        max_bytes=PUT_EVENTS_MAX_BYTES - 1,  # under, not up to
    )


def reminder_event_of(body: str) -> ReminderTaskEvent:
    """The event of an SQS message body; a ``ValueError`` saying why when it is none."""
    try:
        # From JSON: the domain models are strict, and only JSON input may give enums and times as text.
        return _Envelope.model_validate_json(body).detail
    except ValidationError as error:
        raise ValueError(f"not a reminder-task event: {error}") from None
