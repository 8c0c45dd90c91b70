"""The stack's AWS resources, built from template.yaml in moto (or any endpoint boto3 is pointed at):
the DynamoDB tables, the SQS queues with their redrive policies, the event buses and their rules. Each
resource's physical name, ARN and URL go back into the ``Template`` so that everything resolving the
template later (function environments, event sources) names what was built."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from local.stack.tables import create_tables
from local.stack.template import Function, Template


@dataclass(frozen=True)
class AwsClients:
    dynamodb: Any
    sqs: Any
    events: Any


def build_resources(template: Template, clients: AwsClients) -> None:
    tables = {
        logical_id: f"{template.stack.name}-{logical_id}" for logical_id in template.resources("AWS::DynamoDB::Table")
    }
    create_tables(clients.dynamodb, names=tables, template=template.document)
    for logical_id, table in tables.items():
        described = clients.dynamodb.describe_table(TableName=table)["Table"]
        template.refs[logical_id] = table
        template.attributes[(logical_id, "Arn")] = described["TableArn"]
        if "LatestStreamArn" in described:
            template.attributes[(logical_id, "StreamArn")] = described["LatestStreamArn"]
    queues = template.resources("AWS::SQS::Queue")
    # Dead-letter queues first: a redrive policy names its queue's ARN.
    for logical_id in sorted(queues, key=lambda q: "RedrivePolicy" in queues[q]["Properties"]):
        _create_queue(template, clients.sqs, logical_id, queues[logical_id]["Properties"])
    for logical_id, bus in template.resources("AWS::Events::EventBus").items():
        name = template.resolve(bus["Properties"]["Name"])
        template.refs[logical_id] = name
        if "EventSourceName" not in bus["Properties"]:  # a partner bus: Salesforce's, which moto cannot hold
            clients.events.create_event_bus(Name=name)
    for logical_id, rule in template.resources("AWS::Events::Rule").items():
        properties = template.resolve(rule["Properties"])
        if properties["EventBusName"].startswith("aws.partner/"):
            continue
        clients.events.put_rule(
            Name=logical_id,
            EventBusName=properties["EventBusName"],
            EventPattern=json.dumps(properties["EventPattern"]),
        )
        clients.events.put_targets(
            Rule=logical_id,
            EventBusName=properties["EventBusName"],
            Targets=[{"Id": target["Id"], "Arn": target["Arn"]} for target in properties["Targets"]],
        )


def _create_queue(template: Template, sqs: Any, logical_id: str, properties: Mapping[str, Any]) -> None:
    resolved = template.resolve(dict(properties))
    name = resolved.pop("QueueName")
    attributes = {
        key: json.dumps(value)
        if isinstance(value, dict)
        else str(value).lower()
        if isinstance(value, bool)
        else str(value)
        for key, value in resolved.items()
    }
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    template.refs[logical_id] = url
    template.attributes[(logical_id, "Arn")] = arn
    template.attributes[(logical_id, "QueueName")] = name


def function_environment(template: Template, functions: Mapping[str, Function]) -> dict[str, str]:
    """Every function's variables (Globals merged), set on each function, and merged into one process
    environment; no two functions may disagree on one."""
    merged: dict[str, str] = {}
    globals_ = template.document["Globals"]["Function"]["Environment"]["Variables"]
    for function in functions.values():
        own = template.document["Resources"][function.logical_id]["Properties"].get("Environment", {})
        variables = {
            name: str(template.resolve(value)) for name, value in {**globals_, **own.get("Variables", {})}.items()
        }
        function.environment.update(variables)
        for name, value in variables.items():
            if merged.setdefault(name, value) != value:
                raise ValueError(f"functions disagree on {name}: {merged[name]!r} and {value!r}")
    return merged
