"""The dead-letter command against moto, on the local stack's AWS side as ``local.stack`` builds it from
template.yaml (tables with their stream, queues with their redrive policies, the app bus and its rule).

Lambda is moto's simple backend (``use_docker: False``): nothing runs, every invoke is answered (an
asynchronous one with 202, a synchronous one with its own payload, or with what a test queued through
moto's API); what the command asked Lambda for is recorded in ``LocalAws.invocations``. A test that
wants moto's full Lambda backend, where a function that is not there is ``ResourceNotFoundException``,
asks for ``local_aws`` with the parameter ``"functions missing"``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws

from local.stack.aws import AwsClients, build_resources
from local.stack.template import StackIdentity, Template, functions_of
from ops.dead_letters import Clients, main
from tests.support.moto_account import use_moto_account

REGION = "us-east-1"
ACCOUNT = "123456789012"
STACK = "tasksync-ops"
FIRST_SYNC_EVENT = {"userId": "rep-1", "orgId": "00D8a000rkFLeBS", "leg": 2}
"""An event the first sync was invoked with."""


@dataclass(frozen=True)
class Invocation:
    function_name: str
    invocation_type: str
    payload: Any


@dataclass
class LocalAws:
    template: Template
    clients: Clients
    dynamodb: Any
    events: Any
    invocations: list[Invocation] = field(default_factory=list)

    @property
    def sqs(self) -> Any:
        return self.clients.sqs

    def url(self, queue: str) -> str:
        return self.template.refs[queue]

    def arn(self, resource: str) -> str:
        return self.template.attributes[(resource, "Arn")]

    def function_name(self, function: str) -> str:
        return functions_of(self.template)[function].name

    def depth(self, queue: str) -> int:
        """Messages in the queue, visible or not."""
        attributes = self.sqs.get_queue_attributes(
            QueueUrl=self.url(queue),
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return int(attributes["ApproximateNumberOfMessages"]) + int(attributes["ApproximateNumberOfMessagesNotVisible"])

    def take(self, queue: str) -> list[dict[str, Any]]:
        """The queue's visible messages, with their attributes, taken (deleted)."""
        taken: list[dict[str, Any]] = []
        while True:
            answer = self.sqs.receive_message(
                QueueUrl=self.url(queue),
                MaxNumberOfMessages=10,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            )
            if not answer.get("Messages"):
                return taken
            for message in answer["Messages"]:
                self.sqs.delete_message(QueueUrl=self.url(queue), ReceiptHandle=message["ReceiptHandle"])
                taken.append(message)

    def dead_letter(self, queue: str, body: str, **send: Any) -> None:
        """``body`` sent to ``queue`` and received as its consumer would until SQS redrives it to the
        queue's dead-letter queue (``maxReceiveCount`` receives and one more)."""
        properties = self.template.document["Resources"][queue]["Properties"]
        self.sqs.send_message(QueueUrl=self.url(queue), MessageBody=body, **send)
        for _ in range(int(properties["RedrivePolicy"]["maxReceiveCount"]) + 1):
            self.sqs.receive_message(QueueUrl=self.url(queue), VisibilityTimeout=0)

    def lambda_answers(self, *answers: str) -> None:
        """What moto's simple Lambda answers the next synchronous invokes (moto's documented API)."""
        requests.post(
            "http://motoapi.amazonaws.com/moto-api/static/lambda-simple/response",
            json={"account_id": ACCOUNT, "region": REGION, "results": list(answers)},
            timeout=5,
        ).raise_for_status()

    def run(self, capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
        """The command on the local stack: (exit code, stdout, stderr)."""
        code = main([*argv[:1], "--stack", STACK, "--stage", "local", *argv[1:]], clients=self.clients)
        printed = capsys.readouterr()
        return code, printed.out, printed.err


@pytest.fixture
def local_aws(monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Iterator[LocalAws]:
    use_moto_account(monkeypatch, REGION)
    simple = getattr(request, "param", None) != "functions missing"
    with mock_aws(config={"lambda": {"use_docker": not simple}}):
        template = Template({"Stage": "local"}, StackIdentity(STACK, REGION, ACCOUNT))
        dynamodb = boto3.client("dynamodb", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        events = boto3.client("events", region_name=REGION)
        build_resources(template, AwsClients(dynamodb, sqs, events))
        functions_of(template)
        lambda_ = boto3.client("lambda", region_name=REGION)
        clients = Clients(
            sqs=sqs,
            lambda_=lambda_,
            # moto serves DynamoDB Streams on the regional host only (as tests/support/handler_stack.py notes)
            streams=boto3.client(
                "dynamodbstreams", region_name=REGION, endpoint_url=f"https://streams.dynamodb.{REGION}.amazonaws.com"
            ),
            cloudformation=boto3.client("cloudformation", region_name=REGION),
        )
        stack = LocalAws(template, clients, dynamodb, events)

        def record(params: dict[str, Any], **_: Any) -> None:
            payload = params.get("Payload", b"")
            stack.invocations.append(
                Invocation(params["FunctionName"], params.get("InvocationType", "RequestResponse"), json.loads(payload))
            )

        lambda_.meta.events.register("provide-client-params.lambda.Invoke", record)
        yield stack


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
