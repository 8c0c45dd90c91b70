"""The command against moto server, as the local stack runs it: the endpoint comes from
``AWS_ENDPOINT_URL`` alone, as for any boto3 client (no client is handed in)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer

from local.stack.aws import AwsClients, build_resources
from local.stack.template import StackIdentity, Template
from ops.dead_letters import main
from tests.integration.operations.conftest import ACCOUNT, REGION, STACK
from tests.support.moto_account import use_moto_account


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    use_moto_account(monkeypatch, REGION, endpoint=endpoint)
    try:
        yield endpoint
    finally:
        server.stop()


def test_the_local_stack_behind_aws_endpoint_url_is_listed_and_replayed(
    moto_server: str, capsys: pytest.CaptureFixture[str]
):
    # Given the local stack's queues in moto server, and a change event its FIFO queue gave up on
    template = Template({"Stage": "local"}, StackIdentity(STACK, REGION, ACCOUNT))
    sqs = boto3.client("sqs")
    build_resources(template, AwsClients(boto3.client("dynamodb"), sqs, boto3.client("events")))
    source = template.refs["SalesforceChangesQueue"]
    sqs.send_message(QueueUrl=source, MessageBody="a change", MessageGroupId="00D:00T", MessageDeduplicationId="1")
    for _ in range(6):
        sqs.receive_message(QueueUrl=source, VisibilityTimeout=0)

    listed = main(["list", "--stack", STACK, "--stage", "local"])
    out = capsys.readouterr().out
    replayed = main(["replay", "--stack", STACK, "--stage", "local", "--queue", "SalesforceChangesDLQ"])

    assert listed == 0
    assert "SalesforceChangesDLQ (FIFO, fed by the redrive of SalesforceChangesQueue): 1 message(s)" in out
    assert "FIFO change event, group 00D:00T" in out
    assert replayed == 0
    (back,) = sqs.receive_message(QueueUrl=source, MessageSystemAttributeNames=["All"])["Messages"]
    assert (back["Body"], back["Attributes"]["MessageGroupId"]) == ("a change", "00D:00T")
