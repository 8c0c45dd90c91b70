"""The sync errors a user sees, newest first, expiring after a retention period."""

from __future__ import annotations

import hashlib
from datetime import UTC, timedelta
from itertools import islice
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError
from ulid import ULID

from tasksync.adapters.dynamodb import state_table as keys
from tasksync.adapters.dynamodb.item_codec import dump_model, load_model, to_item
from tasksync.adapters.dynamodb.table_adapter import TableAdapter, condition_failed
from tasksync.domain.sync_error import TASK_ERRORS, SyncError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

ERROR_RETENTION = timedelta(days=30)
OCCURRED_AT = "occurred_at"
"""On a task's latest error: ISO 8601 in UTC, so that strings compare as times."""


class DynamoDBSyncErrorRepository(TableAdapter):
    """SyncErrorRepository on the state table (``STATE_TABLE_NAME``). Each error's sort key is a ULID of
    its ``occurred_at`` (``_error_id``), so a descending query reads newest first; DynamoDB's TTL removes it after
    ``retention`` (within a day or two of that: TTL is not exact)."""

    def __init__(
        self, table_name: str, client: DynamoDBClient | None = None, *, retention: timedelta = ERROR_RETENTION
    ) -> None:
        super().__init__(table_name, client)
        self.retention = retention

    def record_error(self, error: SyncError) -> None:
        """The error, and for a task the error stops, its latest error (unless a later one is there)."""
        expires_at = int((error.occurred_at + self.retention).timestamp())
        stored = {"error": dump_model(error), keys.EXPIRES_AT: expires_at}
        item = {**keys.error_key(error.user_id, _error_id(error)), **to_item({keys.KIND: "error", **stored})}
        self.client.put_item(TableName=self.table_name, Item=item)
        if error.sia_id is None or error.kind not in TASK_ERRORS:
            return
        moment = error.occurred_at.astimezone(UTC).isoformat()
        latest = {
            **keys.task_error_key(error.user_id, error.sia_id),
            **to_item({keys.KIND: "task_error", OCCURRED_AT: moment, **stored}),
        }
        try:
            self.client.put_item(
                TableName=self.table_name,
                Item=latest,
                ConditionExpression=f"attribute_not_exists({keys.PK}) OR {OCCURRED_AT} <= :moment",
                ExpressionAttributeValues=to_item({":moment": moment}),
            )
        except ClientError as failed:
            if not condition_failed(failed):
                raise  # else a later error of the task is there already

    def latest_task_errors(self, user_id: str) -> dict[str, SyncError]:
        stored = self.query(
            KeyConditionExpression=f"{keys.PK} = :user AND begins_with({keys.SK}, :prefix)",
            ExpressionAttributeValues=to_item({":user": keys.user_pk(user_id), ":prefix": keys.TASK_ERROR_PREFIX}),
        )
        errors = (load_model(SyncError, item["error"]) for item in stored)
        return {error.sia_id: error for error in errors if error.sia_id is not None}

    def latest_task_error(self, user_id: str, sia_id: str) -> SyncError | None:
        stored = self.read(keys.task_error_key(user_id, sia_id))
        return None if stored is None else load_model(SyncError, stored["error"])

    def errors_of(self, user_id: str, limit: int = 100) -> list[SyncError]:
        if limit <= 0:
            return []
        stored = self.query(
            KeyConditionExpression=f"{keys.PK} = :user AND begins_with({keys.SK}, :prefix)",
            ExpressionAttributeValues=to_item({":user": keys.user_pk(user_id), ":prefix": keys.ERROR_PREFIX}),
            ScanIndexForward=False,
            PaginationConfig={"PageSize": min(limit, 1_000)},
        )
        return [load_model(SyncError, item["error"]) for item in islice(stored, limit)]


def _error_id(error: SyncError) -> str:
    """A ULID of ``occurred_at``: random, or, for an error with a key, made from the key, so that the same
    error recorded again (a retried decision) overwrites its first record."""
    if not error.key:
        return str(ULID.from_datetime(error.occurred_at))
    millis = int(error.occurred_at.timestamp() * 1000).to_bytes(6, "big")
    return str(ULID.from_bytes(millis + hashlib.sha256(error.key.encode()).digest()[:10]))
