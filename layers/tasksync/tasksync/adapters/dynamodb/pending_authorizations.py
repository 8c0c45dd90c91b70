"""OAuth web-server flows under way, in the state table: put when the rep starts connecting, taken
(deleted, in the same request) by the one callback that finishes it. DynamoDB's TTL clears those never
finished; ``take`` also refuses one past its time, which TTL may leave for a while."""

from __future__ import annotations

from tasksync.adapters.dynamodb import state_table as keys
from tasksync.adapters.dynamodb.item_codec import dump_model, from_item, load_model, to_item
from tasksync.adapters.dynamodb.table_adapter import TableAdapter
from tasksync.ports.salesforce_connector import PendingAuthorization


class DynamoDBPendingAuthorizations(TableAdapter):
    def put(self, pending: PendingAuthorization) -> None:
        expires_at = int(pending.expires_at.timestamp())
        item = {
            **keys.pending_authorization_key(pending.state),
            **to_item({keys.KIND: "oauth_flow", "pending": dump_model(pending), keys.EXPIRES_AT: expires_at}),
        }
        self.client.put_item(TableName=self.table_name, Item=item)

    def take(self, state: str) -> PendingAuthorization | None:
        answer = self.client.delete_item(
            TableName=self.table_name, Key=keys.pending_authorization_key(state), ReturnValues="ALL_OLD"
        )
        stored = answer.get("Attributes")
        return None if not stored else load_model(PendingAuthorization, from_item(stored)["pending"])
