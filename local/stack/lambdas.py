"""The Lambda handlers as the local stack and the tests call them: each ``functions/<name>/app.py``
loaded by its path (every module is named ``app``, so each gets a name of its own), a Lambda context,
and the events Lambda hands over (SQS, DynamoDB Streams, API Gateway HTTP API payload 2.0).

Event shapes: AWS Lambda Developer Guide, "Using Lambda with Amazon SQS" (example standard and FIFO
queue message events), "Using AWS Lambda with Amazon DynamoDB" (example event), and "Working with AWS
Lambda proxy integrations for HTTP APIs" (payload format version 2.0).
"""

from __future__ import annotations

import importlib.util
import itertools
import sys
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import urlencode

from local.stack.template import ROOT

_loaded = itertools.count()


def load_handler_module(code_uri: str, module: str = "app") -> ModuleType:
    """A fresh copy of ``<code_uri>/<module>.py`` (a cold container: no state of an earlier load)."""
    path = ROOT / code_uri / f"{module}.py"
    name = f"_handler_{Path(code_uri).name}_{next(_loaded)}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"no handler module at {path}")
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[name] = loaded  # dataclasses look their module up while it executes
    spec.loader.exec_module(loaded)
    return loaded


@dataclass
class LambdaContextStub:
    """What Powertools reads of a Lambda context (``aws_lambda_powertools.utilities.typing.LambdaContext``)."""

    function_name: str
    timeout_seconds: int = 30
    memory_limit_in_mb: int = 512
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = ""
    _started: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:us-east-1:123456789012:function:{self.function_name}"

    def get_remaining_time_in_millis(self) -> int:
        return max(int((self.timeout_seconds - (time.monotonic() - self._started)) * 1000), 0)


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str) -> dict[str, Any]:
    """Messages as ``ReceiveMessage`` answered them (with ``MessageSystemAttributeNames=["All"]``), as the
    event Lambda's SQS poller hands the function."""
    region = queue_arn.split(":")[3]
    return {
        "Records": [
            {
                "messageId": message["MessageId"],
                "receiptHandle": message["ReceiptHandle"],
                "body": message["Body"],
                "attributes": dict(message.get("Attributes", {})),
                "messageAttributes": dict(message.get("MessageAttributes", {})),
                "md5OfBody": message["MD5OfBody"],
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
            for message in messages
        ]
    }


def stream_event(records: Sequence[Mapping[str, Any]], stream_arn: str) -> dict[str, Any]:
    """DynamoDB Streams ``GetRecords`` records as the event Lambda hands the function: the creation time
    in epoch seconds, the stream's ARN on each record."""
    shaped = []
    for record in records:
        change = dict(record["dynamodb"])
        created = change.get("ApproximateCreationDateTime")
        if isinstance(created, datetime):
            change["ApproximateCreationDateTime"] = int(created.timestamp())
        shaped.append({**record, "dynamodb": change, "eventSourceARN": stream_arn})
    return {"Records": shaped}


def http_api_event(
    method: str,
    path: str,
    *,
    route_key: str,
    path_parameters: Mapping[str, str],
    headers: Mapping[str, str],
    body: str | None,
    query: Mapping[str, str] | None = None,
    claims: Mapping[str, str] | None = None,
    cookies: Sequence[str] = (),
) -> dict[str, Any]:
    """An HTTP API (payload format 2.0) request: header names in lower case, as API Gateway sends them;
    ``claims``, those of a token the JWT authorizer accepted (API Gateway hands them over as strings)."""
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": path,
        "rawQueryString": urlencode(query or {}),
        "headers": {name.lower(): value for name, value in headers.items()},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "local.execute-api.us-east-1.amazonaws.com",
            "domainPrefix": "local",
            "http": {
                "method": method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": headers.get("User-Agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route_key,
            "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "pathParameters": dict(path_parameters),
        "isBase64Encoded": False,
    }
    if body is not None:
        event["body"] = body
    if query:
        event["queryStringParameters"] = dict(query)
    if cookies:
        event["cookies"] = list(cookies)  # API Gateway moves the Cookie header here, one name=value an item
    if claims is not None:
        event["requestContext"]["authorizer"] = {"jwt": {"claims": dict(claims), "scopes": None}}
    return event
