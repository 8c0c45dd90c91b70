"""Builders of change-event bodies for the parser's tests, in the documented shapes: a header, a
CometD message, its data alone, an Event Relay event. Defaults are one UPDATE of one Task; a test
overrides what it varies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# What every read of a Task selects, written out here so the tests do not read it from the product.
EVERY_FIELD_READ = frozenset(
    {
        "Id",
        "Subject",
        "Status",
        "Priority",
        "ActivityDate",
        "Description",
        "OwnerId",
        "TaskSubtype",
        "IsRecurrence",
        "Tasksync_Id__c",
        "IsDeleted",
        "CreatedDate",
        "LastModifiedDate",
        "SystemModstamp",
    }
)

EVENTS = Path(__file__).resolve().parents[3] / "events"

ORG = "00D8a0000009ZkREAU"
OTHER_ORG = "00D8a0000009ZkSEAU"
TASK = "00T8a00000Qm3TbEAJ"
OTHER_TASK = "00T8a00000Qm3TcEAJ"
COMMIT_MS = 1_717_406_142_000
COMMIT_AT = datetime(2024, 6, 3, 9, 15, 42, tzinfo=UTC)
TRANSACTION = "0001b3c2-7e4f-9a10-5d2e-8c4b1f6a9e37"
FROM_TASKSYNC = "com/salesforce/api/rest/59.0;client=tasksync"


def sample(name: str) -> bytes:
    return (EVENTS / name).read_bytes()


def sample_json(name: str) -> Any:
    return json.loads(sample(name))


def header(**fields: Any) -> dict[str, Any]:
    """An UPDATE of Status by tasksync; ``key=None`` sends a null, ``absent=[keys]`` leaves keys out."""
    absent = fields.pop("absent", ())
    result: dict[str, Any] = {
        "entityName": "Task",
        "recordIds": [TASK],
        "changeType": "UPDATE",
        "changeOrigin": FROM_TASKSYNC,
        "transactionKey": TRANSACTION,
        "sequenceNumber": 1,
        "commitTimestamp": COMMIT_MS,
        "commitNumber": 11234509876543,
        "commitUser": "0058a00000Kd1QcAAJ",
        "changedFields": ["Status", "LastModifiedDate"],
    }
    result.update(fields)
    for key in absent:
        result.pop(key, None)
    return result


def payload(head: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A payload: ``head`` (default ``header()``) and record fields, by default those of that UPDATE."""
    values = fields or {"Status": "Completed", "LastModifiedDate": "2024-06-03T09:15:42.000Z"}
    return {"ChangeEventHeader": head if head is not None else header(), **values}


def data(body: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"schema": "Xq3vR8cN2mT5kWb0aLp9Jg", "payload": body or payload(), "event": {"replayId": 7}}


def cometd(body: dict[str, Any] | None = None, channel: str | None = "/data/TaskChangeEvent") -> dict[str, Any]:
    message: dict[str, Any] = {"data": data(body)}
    if channel is not None:
        message["channel"] = channel
    return message


def relay(body: dict[str, Any] | None = None, org: str = ORG) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "3b9d7f21-6c4e-4a58-9e0b-2f7a1c5d8e93",
        "detail-type": "TaskChangeEvent",
        "source": f"aws.partner/salesforce.com/{org}/0YL8a000000CaBcGAK",
        "account": "123456789012",
        "time": "2024-06-03T09:15:43Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": {"payload": body or payload(), "schemaId": "Tn7yB2fQ0cVx4sKe9RhWmA"},
    }
