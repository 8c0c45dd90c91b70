"""The tables the tests run on are the template's: keys, index, stream, TTL and recovery as declared."""

from __future__ import annotations

from typing import Any

import pytest

from local.stack.tables import UnresolvedIntrinsic, create_table_arguments, table_properties
from local.stack.template import load_template


def test_every_template_table_is_created(dynamodb: Any, tables: dict[str, str]) -> None:
    assert set(tables) == set(table_properties()) == {"StateTable", "IdempotencyTable", "ReminderTaskTable"}
    assert set(dynamodb.list_tables()["TableNames"]) == set(tables.values())


def test_tables_carry_their_keys_index_and_stream(dynamodb: Any, tables: dict[str, str]) -> None:
    state = dynamodb.describe_table(TableName=tables["StateTable"])["Table"]
    tasks = dynamodb.describe_table(TableName=tables["ReminderTaskTable"])["Table"]
    idempotency = dynamodb.describe_table(TableName=tables["IdempotencyTable"])["Table"]

    assert [(key["AttributeName"], key["KeyType"]) for key in state["KeySchema"]] == [("pk", "HASH"), ("sk", "RANGE")]
    assert [index["IndexName"] for index in state["GlobalSecondaryIndexes"]] == ["ConnectedOrgs"]
    assert tasks["StreamSpecification"] == {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert [(key["AttributeName"], key["KeyType"]) for key in idempotency["KeySchema"]] == [("id", "HASH")]


def test_tables_carry_their_ttl_and_recovery(dynamodb: Any, tables: dict[str, str]) -> None:
    expected_ttl = {"StateTable": "expires_at", "ReminderTaskTable": "expires_at", "IdempotencyTable": "expiration"}
    for logical_id, table_name in tables.items():
        ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        backups = dynamodb.describe_continuous_backups(TableName=table_name)["ContinuousBackupsDescription"]
        assert (ttl["TimeToLiveStatus"], ttl["AttributeName"]) == ("ENABLED", expected_ttl[logical_id])
        assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_the_loader_reads_intrinsic_tags_as_long_forms() -> None:
    template = load_template()
    resources = template["Resources"]
    assert resources["StateTable"]["DeletionPolicy"] == {"Fn::If": ["IsLocal", "Delete", "Retain"]}
    assert resources["SalesforceChangesQueue"]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"] == {
        "Fn::GetAtt": ["SalesforceChangesDLQ", "Arn"]
    }
    assert template["Conditions"]["IsDeployed"] == {"Fn::Not": [{"Condition": "IsLocal"}]}
    assert template["Globals"]["Function"]["Layers"] == [{"Ref": "TasksyncLayer"}]


def test_a_table_property_left_to_an_intrinsic_is_refused() -> None:
    properties = {**table_properties()["StateTable"], "BillingMode": {"Ref": "BillingMode"}}
    with pytest.raises(UnresolvedIntrinsic):
        create_table_arguments("t", properties)
