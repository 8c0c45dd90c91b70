"""The state table's key layout: the one place that knows it (docs/decisions/0002-dynamodb-state.md).

============================  =======================  ======================  ==========================
item                          pk                       sk                      other attributes
============================  =======================  ======================  ==========================
a user's sync settings        ``USER#<user>``          ``SETTINGS``            revision, settings
(org, SF user) -> user        ``ORG#<org15>``          ``SFUSER#<sfuser15>``   user_id, org_id, sf_user_id
                                                                               + ConnectedOrgs index keys
a sync link, by SIA id        ``USER#<user>``          ``LINK#<sia id>``       revision, link
a rep's link, by SF id        ``SFTASK#<sf id15>``     ``USER#<user>``         user_id, sia_id, link (a copy)
a rep's scheduled-job cursor  ``USER#<user>``          ``CURSOR#<name>``       value (ISO timestamp)
a sync error                  ``USER#<user>``          ``ERROR#<ULID>``        error, expires_at (TTL)
a task's latest sync error    ``USER#<user>``          ``TASKERROR#<sia id>``  error, occurred_at, expires_at
an org's picklists            ``ORG#<org15>``          ``PICKLISTS``           picklists, read_at
an OAuth flow under way       ``OAUTH#<state>``        ``PENDING``             pending, expires_at (TTL)
============================  =======================  ======================  ==========================

Salesforce ids come as 15-character (case-sensitive) and 18-character forms of one id; keys use the
first 15 characters so both forms find the same item. Each key holds one variable after a fixed
prefix, so ids containing ``#`` cannot collide.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasksync.adapters.dynamodb.item_codec import Item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb.type_defs import TransactWriteItemTypeDef

PK = "pk"
SK = "sk"
KIND = "kind"
"""What an item is (``settings``, ``sf_user``, ``link``, ``sf_link``, ``cursor``, ``error``): for readers
of the table, not for queries."""
REVISION = "revision"
EXPIRES_AT = "expires_at"
"""The table's TTL attribute (epoch seconds)."""

CONNECTED_ORGS_INDEX = "ConnectedOrgs"
CONNECTED_ORGS_PK = "connected_orgs_pk"
CONNECTED_ORGS_SK = "connected_orgs_sk"
CONNECTED_ORGS = "ORG"
"""The one partition of the sparse ConnectedOrgs index: written once per connection change, read by
the scheduled jobs."""


LINK_PREFIX = "LINK#"
SF_USER_PREFIX = "SFUSER#"
ERROR_PREFIX = "ERROR#"
TASK_ERROR_PREFIX = "TASKERROR#"


def salesforce_id(value: str) -> str:
    """The 15-character form of a Salesforce id (either form may arrive)."""
    return value[:15]


def _key(pk: str, sk: str) -> Item:
    return {PK: {"S": pk}, SK: {"S": sk}}


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def settings_key(user_id: str) -> Item:
    return _key(user_pk(user_id), "SETTINGS")


def org_pk(org_id: str) -> str:
    return f"ORG#{salesforce_id(org_id)}"


def sf_user_key(org_id: str, sf_user_id: str) -> Item:
    return _key(org_pk(org_id), f"{SF_USER_PREFIX}{salesforce_id(sf_user_id)}")


def connected_orgs_sort_key(org_id: str, sf_user_id: str) -> str:
    return f"{salesforce_id(org_id)}#{salesforce_id(sf_user_id)}"


def link_key(user_id: str, sia_id: str) -> Item:
    return _key(user_pk(user_id), f"{LINK_PREFIX}{sia_id}")


def record_pk(sf_id: str) -> str:
    return f"SFTASK#{salesforce_id(sf_id)}"


def sf_link_key(user_id: str, sf_id: str) -> Item:
    """In the record's partition: one consistent query finds every rep's link to it."""
    return _key(record_pk(sf_id), user_pk(user_id))


def cursor_key(user_id: str, name: str) -> Item:
    return _key(user_pk(user_id), f"CURSOR#{name}")


def picklists_key(org_id: str) -> Item:
    return _key(org_pk(org_id), "PICKLISTS")


def error_key(user_id: str, error_id: str) -> Item:
    return _key(user_pk(user_id), f"{ERROR_PREFIX}{error_id}")


def task_error_key(user_id: str, sia_id: str) -> Item:
    return _key(user_pk(user_id), f"{TASK_ERROR_PREFIX}{sia_id}")


def pending_authorization_key(state: str) -> Item:
    return _key(f"OAUTH#{state}", "PENDING")


def put_at_revision(table_name: str, item: Item, read_revision: int) -> TransactWriteItemTypeDef:
    """A transaction's put of an optimistic save: the item must still be at the revision read (absent
    for revision 0)."""
    if read_revision == 0:
        return {"Put": {"TableName": table_name, "Item": item, "ConditionExpression": f"attribute_not_exists({PK})"}}
    return {
        "Put": {
            "TableName": table_name,
            "Item": item,
            "ConditionExpression": f"{REVISION} = :read",
            "ExpressionAttributeValues": to_item({":read": read_revision}),
        }
    }
