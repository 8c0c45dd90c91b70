"""Per-rep watermarks of the scheduled jobs in the state table."""

from __future__ import annotations

from datetime import datetime

from tasksync.adapters.dynamodb import state_table as keys
from tasksync.adapters.dynamodb.item_codec import to_item
from tasksync.adapters.dynamodb.table_adapter import TableAdapter
from tasksync.domain.base import require_aware


class DynamoDBCursorRepository(TableAdapter):
    """CursorRepository on the state table (``STATE_TABLE_NAME``)."""

    def get_cursor(self, user_id: str, name: str) -> datetime | None:
        stored = self.read(keys.cursor_key(user_id, name))
        return None if stored is None else datetime.fromisoformat(str(stored["value"]))

    def put_cursor(self, user_id: str, name: str, value: datetime) -> None:
        require_aware(value, "a cursor")
        item = {
            **keys.cursor_key(user_id, name),
            **to_item({keys.KIND: "cursor", "user_id": user_id, "name": name, "value": value.isoformat()}),
        }
        self.client.put_item(TableName=self.table_name, Item=item)
