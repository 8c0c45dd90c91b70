"""The SIA reminder-task store on DynamoDB. Writes only: the task events come from the table's stream
(``reminder_stream``), so a write and its event can never disagree."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from tasksync.adapters.dynamodb import reminder_task_table as items
from tasksync.adapters.dynamodb.item_codec import to_item
from tasksync.adapters.dynamodb.table_adapter import TableAdapter, condition_failed
from tasksync.domain.reminder_events import Origin, ReminderEventKind, changed_task, deleted_task
from tasksync.domain.reminder_task import ReminderTask, TaskValues, Tombstone
from tasksync.ports.reminder_tasks import (
    FieldChanges,
    TaskAlreadyExists,
    TaskDeletedSince,
    TaskNotFound,
    VersionConflict,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_dynamodb.type_defs import ConditionCheckTypeDef, PutTypeDef

MAX_ATTEMPTS = 5
"""Read-and-write rounds of a change that names no version, before it gives up as a VersionConflict."""


class DynamoDBReminderTaskStore(TableAdapter):
    """ReminderTaskStore on the reminder-task table (``REMINDER_TASK_TABLE_NAME``).

    Every change is a conditional put of the whole item on the version read: a change without
    ``expected_version`` reads again after losing a race, one with it raises VersionConflict.
    A delete leaves a tombstone (see ``reminder_task_table``), invisible to ``get`` and ``list``."""

    def __init__(
        self, table_name: str, client: DynamoDBClient | None = None, *, max_attempts: int = MAX_ATTEMPTS
    ) -> None:
        super().__init__(table_name, client)
        self.max_attempts = max_attempts

    def get(self, user_id: str, task_id: str) -> ReminderTask | None:
        stored = self.read(items.task_key(user_id, task_id))
        return None if stored is None or items.is_tombstone(stored) else items.stored_task(stored)

    def tombstone(self, user_id: str, task_id: str) -> Tombstone | None:
        stored = self.read(items.task_key(user_id, task_id))
        if stored is None or not items.is_tombstone(stored):
            return None
        return Tombstone(
            version=int(stored[items.VERSION]),
            deleted_by=str(stored[items.ORIGIN]),
            deleted_at=datetime.fromisoformat(str(stored[items.DELETED_AT])),
            values=items.stored_task(stored).values,
        )

    def list(self, user_id: str) -> list[ReminderTask]:
        """The user's live tasks, in id order."""
        stored = self.query(
            KeyConditionExpression=f"{items.USER_ID} = :user",
            FilterExpression=f"attribute_not_exists({items.DELETED_AT})",
            ExpressionAttributeValues=to_item({":user": user_id}),
            ConsistentRead=True,
        )
        return [items.stored_task(item) for item in stored]

    def create(
        self, user_id: str, task_id: str, values: TaskValues, origin: Origin, now: datetime, version: int = 1
    ) -> ReminderTask:
        for _ in range(self.max_attempts):
            stored = self.read(items.task_key(user_id, task_id))
            if stored is not None and not items.is_tombstone(stored):
                raise TaskAlreadyExists(task_id)
            # Over a tombstone the numbering continues, so late events of the deleted task stay stale; a
            # tombstone at or past the asked version is a copy made and deleted since.
            if stored is not None and int(stored[items.VERSION]) >= version:
                raise TaskDeletedSince(
                    task_id,
                    int(stored[items.VERSION]),
                    Origin(str(stored[items.ORIGIN])),
                    datetime.fromisoformat(str(stored[items.DELETED_AT])),
                )
            task = ReminderTask.created(user_id, task_id, values, now, version)
            if self._put(task, origin, ReminderEventKind.CREATED, read=stored):
                return task
        raise VersionConflict(f"task {task_id} kept changing while it was created")

    def update(
        self,
        user_id: str,
        task_id: str,
        changes: FieldChanges,
        origin: Origin,
        now: datetime,
        expected_version: int | None = None,
    ) -> ReminderTask:
        for _ in range(self.max_attempts):
            stored, current = self._live(user_id, task_id, expected_version)
            task, kind = changed_task(current, changes, now)
            if self._put(task, origin, kind, read=stored):
                return task
        raise VersionConflict(f"task {task_id} kept changing while it was updated")

    def delete(
        self, user_id: str, task_id: str, origin: Origin, now: datetime, expected_version: int | None = None
    ) -> ReminderTask:
        for _ in range(self.max_attempts):
            stored, current = self._live(user_id, task_id, expected_version)
            gone = deleted_task(current, now)
            if self._put(gone, origin, ReminderEventKind.DELETED, read=stored, deleted_at=now):
                return gone
        raise VersionConflict(f"task {task_id} kept changing while it was deleted")

    def _live(self, user_id: str, task_id: str, expected_version: int | None) -> tuple[dict[str, Any], ReminderTask]:
        stored = self.read(items.task_key(user_id, task_id))
        if stored is None or items.is_tombstone(stored):
            raise TaskNotFound(task_id)
        current = items.stored_task(stored)
        if expected_version is not None and current.version != expected_version:
            raise VersionConflict(f"task {task_id} is at version {current.version}, not {expected_version}")
        return stored, current

    def _put(
        self,
        task: ReminderTask,
        origin: Origin,
        kind: ReminderEventKind,
        read: dict[str, Any] | None,
        deleted_at: datetime | None = None,
    ) -> bool:
        """Writes ``task`` if the item is still as ``read`` (absent when None); False when it is not."""
        try:
            self.client.put_item(
                **self.put_over(task, origin, kind, None if read is None else int(read[items.VERSION]), deleted_at)
            )
        except ClientError as error:
            if condition_failed(error):
                return False
            raise
        return True

    def put_over(
        self,
        task: ReminderTask,
        origin: Origin,
        kind: ReminderEventKind,
        read_version: int | None,
        deleted_at: datetime | None = None,
    ) -> PutTypeDef:
        """The put of ``task`` over the item at ``read_version`` (over no item when None), for ``put_item``
        or for a transaction."""
        put: PutTypeDef = {"TableName": self.table_name, "Item": items.task_item(task, origin, kind, deleted_at)}
        if read_version is None:
            put["ConditionExpression"] = f"attribute_not_exists({items.TASK_ID})"
        else:
            put["ConditionExpression"] = f"{items.VERSION} = :read"
            put["ExpressionAttributeValues"] = to_item({":read": read_version})
        return put

    def live_check(self, user_id: str, task_id: str) -> ConditionCheckTypeDef:
        """A transaction's check that the task is there and not deleted (its tombstone fails it)."""
        return {
            "TableName": self.table_name,
            "Key": items.task_key(user_id, task_id),
            "ConditionExpression": f"attribute_exists({items.TASK_ID}) AND attribute_not_exists({items.DELETED_AT})",
        }
