"""Create the template's DynamoDB tables (in moto, or any DynamoDB) from their definitions in
template.yaml: keys, indexes, stream, encryption, TTL and point-in-time recovery, never a second copy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from local.stack.template import load_template, resources_of_type

TABLE = "AWS::DynamoDB::Table"


class UnresolvedIntrinsic(ValueError):
    """A table property uses an intrinsic function this helper does not evaluate."""


def table_properties(template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """Logical id -> Properties of every DynamoDB table in the template."""
    tables = resources_of_type(template or load_template(), TABLE)
    return {logical_id: resource["Properties"] for logical_id, resource in tables.items()}


def create_table_arguments(table_name: str, properties: Mapping[str, Any]) -> dict[str, Any]:
    """CloudFormation table properties as ``CreateTable`` arguments (TTL and PITR are separate calls)."""
    arguments: dict[str, Any] = {
        "TableName": table_name,
        "AttributeDefinitions": properties["AttributeDefinitions"],
        "KeySchema": properties["KeySchema"],
        "BillingMode": properties.get("BillingMode", "PROVISIONED"),
    }
    if arguments["BillingMode"] == "PROVISIONED":
        arguments["ProvisionedThroughput"] = properties["ProvisionedThroughput"]
    for indexes in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if indexes in properties:
            arguments[indexes] = [
                {
                    name: index[name]
                    for name in ("IndexName", "KeySchema", "Projection", "ProvisionedThroughput")
                    if name in index
                }
                for index in properties[indexes]
            ]
    if "StreamSpecification" in properties:
        view = properties["StreamSpecification"]["StreamViewType"]
        arguments["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": view}
    if "SSESpecification" in properties:
        sse = properties["SSESpecification"]
        arguments["SSESpecification"] = {"Enabled": bool(sse.get("SSEEnabled", False))}
        if "SSEType" in sse:
            arguments["SSESpecification"]["SSEType"] = sse["SSEType"]
        if "KMSMasterKeyId" in sse:
            arguments["SSESpecification"]["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
    _refuse_intrinsics(arguments)
    return arguments


def create_tables(
    client: Any, names: Mapping[str, str] | None = None, template: dict[str, Any] | None = None
) -> dict[str, str]:
    """Creates every table of the template with ``client`` (a boto3 DynamoDB client); a table is named
    ``names[logical id]``, or its logical id. Returns logical id -> table name."""
    created: dict[str, str] = {}
    for logical_id, properties in table_properties(template).items():
        table_name = (names or {}).get(logical_id, logical_id)
        client.create_table(**create_table_arguments(table_name, properties))
        ttl = properties.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
            )
        pitr = properties.get("PointInTimeRecoverySpecification", {})
        if pitr.get("PointInTimeRecoveryEnabled"):
            client.update_continuous_backups(
                TableName=table_name,
                PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
            )
        created[logical_id] = table_name
    return created


def _refuse_intrinsics(value: Any) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" or key.startswith("Fn::"):
                raise UnresolvedIntrinsic(f"{key} in a table definition: give the table a literal value")
            _refuse_intrinsics(inner)
    elif isinstance(value, list):
        for inner in value:
            _refuse_intrinsics(inner)
