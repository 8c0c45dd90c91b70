"""Sync links in the state table, findable by SIA id and by Salesforce id, saved in one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from tasksync.adapters.dynamodb import state_table as keys
from tasksync.adapters.dynamodb.item_codec import dump_model, load_model, to_item
from tasksync.adapters.dynamodb.table_adapter import TableAdapter, TransactionCancelled
from tasksync.domain.sync_link import SyncLink
from tasksync.ports.sync_state import ConcurrentUpdate

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef


class DynamoDBLinkRepository(TableAdapter):
    """LinkRepository on the state table (``STATE_TABLE_NAME``).

    The link lives in its SIA-id item; the user's Salesforce-id item is a pointer to it, with a copy of it
    (so that a Salesforce change finds its link in one read). A pointer is
    never rewritten to another link: when a second SIA task of the user tries to link a Salesforce task
    that is linked already (two imports racing), its save fails as a ConcurrentUpdate and the caller,
    reading again, finds the existing link. Another user's link to the same record (it was reassigned
    between two connected reps) is apart."""

    def link_by_sia_id(self, user_id: str, sia_id: str) -> SyncLink | None:
        stored = self.read(keys.link_key(user_id, sia_id))
        return None if stored is None else load_model(SyncLink, stored["link"])

    def link_by_sf_id(self, user_id: str, sf_id: str) -> SyncLink | None:
        """One read: the pointer holds a copy of the link, written with it in every save (a link's
        Salesforce id never changes once set)."""
        pointer = self.read(keys.sf_link_key(user_id, sf_id))
        return None if pointer is None else self._pointed(pointer)

    def links_of(self, user_id: str) -> Iterator[SyncLink]:
        stored = self.query(
            KeyConditionExpression=f"{keys.PK} = :user AND begins_with({keys.SK}, :prefix)",
            ExpressionAttributeValues=to_item({":user": keys.user_pk(user_id), ":prefix": keys.LINK_PREFIX}),
        )
        return (load_model(SyncLink, item["link"]) for item in stored)

    def links_to(self, sf_id: str) -> list[SyncLink]:
        """Every rep's link to the record, read consistently in one query of its partition."""
        pointers = self.query(
            KeyConditionExpression=f"{keys.PK} = :record",
            ExpressionAttributeValues=to_item({":record": keys.record_pk(sf_id)}),
            ConsistentRead=True,
        )
        return sorted((self._pointed(pointer) for pointer in pointers), key=lambda link: link.user_id)

    @staticmethod
    def _pointed(pointer: dict[str, object]) -> SyncLink:
        return load_model(SyncLink, pointer["link"])

    def save_link(self, link: SyncLink) -> SyncLink:
        saved, writes = self.link_writes(link)
        try:
            self.transact(writes)
        except TransactionCancelled as cancelled:
            raise ConcurrentUpdate(f"link of {link.sia_id} ({cancelled})") from cancelled
        return saved

    def link_writes(self, link: SyncLink) -> tuple[SyncLink, list[TransactWriteItemTypeDef]]:
        """The link as saved, and the transaction's writes that save it at ``link.revision``."""
        saved = link.model_copy(update={"revision": link.revision + 1})
        item = {
            **keys.link_key(link.user_id, link.sia_id),
            **to_item({keys.KIND: "link", keys.REVISION: saved.revision, "link": dump_model(saved)}),
        }
        writes = [keys.put_at_revision(self.table_name, item, link.revision)]
        if saved.sf_id is not None:
            writes.append(self._put_pointer(saved, saved.sf_id))
        return saved, writes

    def _put_pointer(self, link: SyncLink, sf_id: str) -> TransactWriteItemTypeDef:
        item = {
            **keys.sf_link_key(link.user_id, sf_id),
            **to_item(
                {
                    keys.KIND: "sf_link",
                    "user_id": link.user_id,
                    "sia_id": link.sia_id,
                    "sf_id": sf_id,
                    keys.REVISION: link.revision,
                    "link": dump_model(link),
                }
            ),
        }
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": item,
                "ConditionExpression": f"attribute_not_exists({keys.PK}) OR (user_id = :user AND sia_id = :sia)",
                "ExpressionAttributeValues": to_item({":user": link.user_id, ":sia": link.sia_id}),
            }
        }
