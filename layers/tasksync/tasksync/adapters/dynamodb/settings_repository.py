"""Sync settings in the state table, with the (org, Salesforce user) -> user lookup kept in step."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasksync.adapters.dynamodb import state_table as keys
from tasksync.adapters.dynamodb.item_codec import Item, dump_model, load_model, to_item
from tasksync.adapters.dynamodb.table_adapter import TableAdapter, TransactionCancelled
from tasksync.domain.settings import SalesforceConnection, SyncSettings
from tasksync.ports.sync_state import ConcurrentUpdate, SalesforceUserTaken

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class DynamoDBSettingsRepository(TableAdapter):
    """SettingsRepository on the state table (``STATE_TABLE_NAME``)."""

    def get_settings(self, user_id: str) -> SyncSettings | None:
        stored = self.read(keys.settings_key(user_id))
        return None if stored is None else load_model(SyncSettings, stored["settings"])

    def save_settings(self, settings: SyncSettings) -> SyncSettings:
        """Raises ConcurrentUpdate when the stored revision is not ``settings.revision``, and
        SalesforceUserTaken when the connection's Salesforce user belongs to another SIA user."""
        # Read first to learn the connection being replaced; the revision condition below proves that
        # nothing changed since this read.
        stored = self.read(keys.settings_key(settings.user_id))
        if (stored[keys.REVISION] if stored else 0) != settings.revision:
            raise ConcurrentUpdate(f"settings of {settings.user_id} are not at revision {settings.revision}")
        previous = load_model(SyncSettings, stored["settings"]).connection if stored else None
        saved = settings.model_copy(update={"revision": settings.revision + 1})

        writes: list[TransactWriteItemTypeDef] = [self._put_settings(saved, read_revision=settings.revision)]
        if previous is not None and (saved.connection is None or _lookup_id(previous) != _lookup_id(saved.connection)):
            writes.append({"Delete": {"TableName": self.table_name, "Key": _lookup_key(previous)}})
        if saved.connection is not None:
            writes.append(self._put_lookup(saved.user_id, saved.connection))
        try:
            self.transact(writes)
        except TransactionCancelled as cancelled:
            connection = saved.connection
            # Only the lookup's condition failed: the settings were current, the Salesforce user is not free.
            if (
                connection is not None
                and cancelled.condition_failed(len(writes) - 1)
                and not cancelled.condition_failed(0)
            ):
                raise SalesforceUserTaken(
                    f"Salesforce user {connection.sf_user_id} of org {connection.org_id} is connected to "
                    "another SIA user"
                ) from cancelled
            raise ConcurrentUpdate(f"settings of {settings.user_id} changed meanwhile") from cancelled
        return saved

    def user_for_salesforce_user(self, org_id: str, sf_user_id: str) -> str | None:
        stored = self.read(keys.sf_user_key(org_id, sf_user_id))
        return None if stored is None else str(stored["user_id"])

    def users_of_org(self, org_id: str) -> list[str]:
        lookups = self.query(
            KeyConditionExpression=f"{keys.PK} = :org AND begins_with({keys.SK}, :prefix)",
            ExpressionAttributeValues=to_item({":org": keys.org_pk(org_id), ":prefix": keys.SF_USER_PREFIX}),
            ConsistentRead=True,
        )
        return sorted(str(lookup["user_id"]) for lookup in lookups)

    def connected_orgs(self) -> list[str]:
        """Every org with a connected user, for the scheduled jobs (read from an index: eventually
        consistent, so a connection made a moment ago may join at the next run)."""
        lookups = self.query(
            IndexName=keys.CONNECTED_ORGS_INDEX,
            KeyConditionExpression=f"{keys.CONNECTED_ORGS_PK} = :orgs",
            ExpressionAttributeValues=to_item({":orgs": keys.CONNECTED_ORGS}),
        )
        orgs: dict[str, str] = {}
        for lookup in lookups:
            org_id = str(lookup["org_id"])
            orgs.setdefault(keys.salesforce_id(org_id), org_id)
        return sorted(orgs.values())

    def _put_settings(self, settings: SyncSettings, read_revision: int) -> TransactWriteItemTypeDef:
        item = {
            **keys.settings_key(settings.user_id),
            **to_item({keys.KIND: "settings", keys.REVISION: settings.revision, "settings": dump_model(settings)}),
        }
        return keys.put_at_revision(self.table_name, item, read_revision)

    def _put_lookup(self, user_id: str, connection: SalesforceConnection) -> TransactWriteItemTypeDef:
        item = {
            **_lookup_key(connection),
            **to_item(
                {
                    keys.KIND: "sf_user",
                    "user_id": user_id,
                    "org_id": connection.org_id,
                    "sf_user_id": connection.sf_user_id,
                    keys.CONNECTED_ORGS_PK: keys.CONNECTED_ORGS,
                    keys.CONNECTED_ORGS_SK: keys.connected_orgs_sort_key(connection.org_id, connection.sf_user_id),
                }
            ),
        }
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": item,
                # The Salesforce user is free, or already this user's.
                "ConditionExpression": f"attribute_not_exists({keys.PK}) OR user_id = :user",
                "ExpressionAttributeValues": to_item({":user": user_id}),
            }
        }


def _lookup_key(connection: SalesforceConnection) -> Item:
    return keys.sf_user_key(connection.org_id, connection.sf_user_id)


def _lookup_id(connection: SalesforceConnection) -> tuple[str, str]:
    return keys.salesforce_id(connection.org_id), keys.salesforce_id(connection.sf_user_id)
