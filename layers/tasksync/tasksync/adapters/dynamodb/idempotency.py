"""Powertools idempotency records, kept in the idempotency table of template.yaml.

The table's key (``id``) and TTL attribute (``expiration``) are Powertools' defaults; this module is the
one place that builds the persistence layer, so that every consumer keys and expires records alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, IdempotencyConfig

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

RECORD_TTL_SECONDS = 7 * 24 * 3600
"""Longer than any redelivery: SQS keeps messages 4 days, and EventBridge retries for 24 hours."""


def idempotency_store(table_name: str, client: DynamoDBClient | None = None) -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client)


def idempotency_config(event_key: str) -> IdempotencyConfig:
    """``event_key`` is the JMESPath of the event's own id (a CDC event's replay id and record, an SIA
    event's id): two deliveries of one event share it, two events never do."""
    return IdempotencyConfig(
        event_key_jmespath=event_key,
        expires_after_seconds=RECORD_TTL_SECONDS,
        raise_on_no_idempotency_key=True,
    )
