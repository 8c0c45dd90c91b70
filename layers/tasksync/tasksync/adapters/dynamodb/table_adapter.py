"""What every table adapter shares: its table's name, a client made on first use, typed reads and
all-or-nothing writes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import ClientError

from tasksync.adapters.dynamodb.item_codec import Item, from_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

CONDITION_FAILED = "ConditionalCheckFailed"
TRANSACTION_CONFLICT = "TransactionConflict"
"""Another transaction held one of the items: as good as a failed condition to a caller that re-reads."""


class TransactionCancelled(Exception):
    """A condition failed or another transaction interfered; ``codes`` holds one reason per write, in
    order (``"None"`` for writes that were fine)."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes

    def condition_failed(self, index: int) -> bool:
        return index < len(self.codes) and self.codes[index] == CONDITION_FAILED


class TableAdapter:
    def __init__(self, table_name: str, client: DynamoDBClient | None = None) -> None:
        """``client`` defaults to a boto3 client made on first use, so importing or constructing an
        adapter never touches AWS (and a moto mock started later still applies)."""
        self.table_name = table_name
        self._client = client

    @property
    def client(self) -> DynamoDBClient:
        if self._client is None:
            self._client = boto3.client("dynamodb")
        return self._client

    def read(self, key: Item) -> dict[str, Any] | None:
        """The item as plain values, read strongly consistent: a conditional save follows most reads."""
        answer = self.client.get_item(TableName=self.table_name, Key=key, ConsistentRead=True)
        item = answer.get("Item")
        return None if item is None else from_item(item)

    def query(self, **query: Any) -> Iterator[dict[str, Any]]:
        """Every item a Query finds, page after page, as plain values."""
        paginator = self.client.get_paginator("query")
        for page in paginator.paginate(TableName=self.table_name, **query):
            for item in page.get("Items", []):
                yield from_item(item)

    def transact(self, writes: Sequence[TransactWriteItemTypeDef]) -> None:
        """Writes all or nothing; raises TransactionCancelled when a condition failed or another
        transaction interfered (other failures stay ClientErrors)."""
        try:
            self.client.transact_write_items(TransactItems=writes)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            codes = [reason.get("Code", "None") for reason in error.response.get("CancellationReasons", [])]
            if not {CONDITION_FAILED, TRANSACTION_CONFLICT} & set(codes):
                raise
            raise TransactionCancelled(codes) from error


def condition_failed(error: ClientError) -> bool:
    """A single-item write's ConditionExpression was false."""
    return error.response.get("Error", {}).get("Code") == f"{CONDITION_FAILED}Exception"
