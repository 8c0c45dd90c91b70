"""An org's Status and Priority values, kept in the state table for every container to share.

Reading them costs two Salesforce queries (``TaskStatus``, ``TaskPriority``); kept here, a cold
container pays one DynamoDB read instead, and a burst of SIA changes stays within its call budget.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tasksync.adapters.dynamodb import state_table as keys
from tasksync.adapters.dynamodb.item_codec import dump_model, load_model, to_item
from tasksync.adapters.dynamodb.table_adapter import TableAdapter
from tasksync.domain.base import require_aware
from tasksync.domain.salesforce_task import Picklists


class DynamoDBPicklistCache(TableAdapter):
    """On the state table (``STATE_TABLE_NAME``); a stale entry reads as none."""

    def get(self, org_id: str, now: datetime, max_age: timedelta) -> Picklists | None:
        stored = self.read(keys.picklists_key(org_id))
        if stored is None or now - datetime.fromisoformat(str(stored["read_at"])) > max_age:
            return None
        return load_model(Picklists, stored["picklists"])

    def put(self, org_id: str, picklists: Picklists, read_at: datetime) -> None:
        require_aware(read_at, "read_at")
        item = {
            **keys.picklists_key(org_id),
            **to_item(
                {
                    keys.KIND: "picklists",
                    "org_id": org_id,
                    "picklists": dump_model(picklists),
                    "read_at": read_at.isoformat(),
                }
            ),
        }
        self.client.put_item(TableName=self.table_name, Item=item)
