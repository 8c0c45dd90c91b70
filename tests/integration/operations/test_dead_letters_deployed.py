"""The dead-letter command on a deployed stack: names from CloudFormation's ``ListStackResources`` and the
wiring from the stack's own template (``GetTemplate``), or from ``--template``.

moto's CloudFormation cannot run SAM's transform, so the stack here is made of template.yaml's queues
(their names, FIFO settings and redrive policies as the template has them) and the first sync function
as the transform would leave it (an ``AWS::Lambda::Function`` of the same logical id); the Lambda
backend is moto's simple one.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from local.stack.template import TEMPLATE, load_template
from ops.dead_letters import main
from tests.integration.operations.conftest import FIRST_SYNC_EVENT, LocalAws

DEPLOYED = "tasksync-dev"
FIRST_SYNC_NAME = "tasksync-dev-first-sync-Xy12AbCd"


def deployed_stack(stack: LocalAws) -> dict[str, str]:
    """The stack in moto's CloudFormation; logical id -> physical id."""
    document = load_template()
    resources: dict[str, Any] = {
        logical_id: resource
        for logical_id, resource in document["Resources"].items()
        if resource["Type"] == "AWS::SQS::Queue" and "Condition" not in resource
    }
    resources["FirstSyncFunctionRole"] = {
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
                ],
            }
        },
    }
    resources["FirstSyncFunction"] = {
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "FunctionName": FIRST_SYNC_NAME,
            "Runtime": "python3.11",
            "Handler": "app.handler",
            "Role": {"Fn::GetAtt": ["FirstSyncFunctionRole", "Arn"]},
            "Code": {"ZipFile": "def handler(event, context):\n    return None\n"},
        },
    }
    cloudformation = stack.clients.cloudformation
    cloudformation.create_stack(
        StackName=DEPLOYED, TemplateBody=json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources})
    )
    summaries = cloudformation.list_stack_resources(StackName=DEPLOYED)["StackResourceSummaries"]
    return {summary["LogicalResourceId"]: summary["PhysicalResourceId"] for summary in summaries}


def test_a_deployed_stacks_dead_letter_queues_are_found_from_its_resources_and_its_own_template(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
):
    physical = deployed_stack(local_aws)
    local_aws.sqs.send_message(QueueUrl=physical["ReminderChangesDLQ"], MessageBody='{"detail": {}}')

    code = main(["list", "--stack", DEPLOYED], clients=local_aws.clients)

    out = capsys.readouterr().out
    assert code == 0
    # The stack's own template wires only the queues' redrive (it has no SAM functions here)
    headers = [line for line in out.splitlines() if not line.startswith(" ")]
    assert headers == [
        "SalesforceChangesDLQ (FIFO, fed by the redrive of SalesforceChangesQueue): 0 message(s)",
        "ReminderChangesDLQ (fed by the redrive of ReminderChangesQueue): 1 message(s)",
    ]


def test_a_deployed_stacks_function_is_invoked_by_its_physical_name(
    local_aws: LocalAws, capsys: pytest.CaptureFixture[str]
):
    physical = deployed_stack(local_aws)
    local_aws.sqs.send_message(QueueUrl=physical["FirstSyncDLQ"], MessageBody=json.dumps(FIRST_SYNC_EVENT))

    code = main(
        ["replay", "--stack", DEPLOYED, "--template", str(TEMPLATE), "--queue", "FirstSyncDLQ"],
        clients=local_aws.clients,
    )

    assert code == 0, capsys.readouterr()
    (invocation,) = local_aws.invocations
    assert (invocation.function_name, invocation.invocation_type, invocation.payload) == (
        FIRST_SYNC_NAME,
        "Event",
        FIRST_SYNC_EVENT,
    )
    answer = local_aws.sqs.get_queue_attributes(
        QueueUrl=physical["FirstSyncDLQ"], AttributeNames=["ApproximateNumberOfMessages"]
    )
    assert answer["Attributes"]["ApproximateNumberOfMessages"] == "0"


def test_a_stack_that_is_not_there_is_an_error_that_says_so(local_aws: LocalAws, capsys: pytest.CaptureFixture[str]):
    code = main(["list", "--stack", "tasksync-nope"], clients=local_aws.clients)

    assert code == 1
    assert "tasksync-nope" in capsys.readouterr().err
