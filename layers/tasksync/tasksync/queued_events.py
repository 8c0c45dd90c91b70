"""SIA reminder-task events on the app's event bus: the entry the stream publisher puts, and the event
read back from the SQS message EventBridge delivers (the whole EventBridge event as the body, Amazon
EventBridge User Guide, "Amazon SQS as a target"). One module holds both ends of that contract."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, ValidationError

from tasksync.domain.reminder_events import ReminderTaskEvent

if TYPE_CHECKING:
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef


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


def reminder_event_of(body: str) -> ReminderTaskEvent:
    """The event of an SQS message body; a ``ValueError`` saying why when it is none."""
    try:
        # From JSON: the domain models are strict, and only JSON input may give enums and times as text.
        return _Envelope.model_validate_json(body).detail
    except ValidationError as error:
        raise ValueError(f"not a reminder-task event: {error}") from None
