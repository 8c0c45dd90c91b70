"""Powertools idempotency on the table template.yaml defines: a redelivered event has its effect once."""

from __future__ import annotations

from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import IdempotencyKeyError

from tasksync.adapters.dynamodb.idempotency import idempotency_config, idempotency_store


@pytest.fixture
def apply_event(dynamodb: Any, tables: dict[str, str]) -> Any:
    applied: list[str] = []
    store = idempotency_store(tables["IdempotencyTable"], dynamodb)

    @idempotent_function(data_keyword_argument="event", persistence_store=store, config=idempotency_config("event_id"))
    def apply(event: dict[str, Any]) -> dict[str, Any]:
        applied.append(event["event_id"])
        return {"applied": event["event_id"]}

    apply.applied = applied
    return apply


def test_an_event_delivered_twice_is_applied_once(apply_event: Any) -> None:
    first = apply_event(event={"event_id": "user-1/t-1/2/updated", "name": "Call Ada"})
    again = apply_event(event={"event_id": "user-1/t-1/2/updated", "name": "Call Ada"})

    assert apply_event.applied == ["user-1/t-1/2/updated"]
    assert first == again == {"applied": "user-1/t-1/2/updated"}


def test_two_events_are_two_effects(apply_event: Any) -> None:
    apply_event(event={"event_id": "user-1/t-1/2/updated"})
    apply_event(event={"event_id": "user-1/t-1/3/updated"})

    assert apply_event.applied == ["user-1/t-1/2/updated", "user-1/t-1/3/updated"]


def test_an_event_without_its_id_is_refused_not_applied(apply_event: Any) -> None:
    with pytest.raises(IdempotencyKeyError):
        apply_event(event={"name": "no id"})

    assert apply_event.applied == []


def test_records_expire_through_the_tables_ttl(dynamodb: Any, tables: dict[str, str], apply_event: Any) -> None:
    apply_event(event={"event_id": "e-1"})

    (item,) = dynamodb.scan(TableName=tables["IdempotencyTable"])["Items"]
    ttl = dynamodb.describe_time_to_live(TableName=tables["IdempotencyTable"])["TimeToLiveDescription"]

    assert ttl["AttributeName"] == "expiration" and "expiration" in item
    assert item["status"]["S"] == "COMPLETED"
