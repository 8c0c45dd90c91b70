"""The local stack's asynchronous invocations: retried as the function's EventInvokeConfig says, then
sent to its dead-letter queue with the event as the body, as Lambda does."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest

from local.stack import lambda_service
from local.stack.lambda_service import LambdaService
from local.stack.template import StackIdentity, Template, functions_of


class Queue:
    def __init__(self) -> None:
        self.sent: list[dict[str, Any]] = []

    def send_message(self, **message: Any) -> None:
        self.sent.append(message)


def test_a_failing_asynchronous_invocation_is_retried_then_dead_lettered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lambda_service, "RETRY_PAUSE_SECONDS", 0)
    template = Template({"Stage": "local"}, StackIdentity("tasksync-local"))
    functions = functions_of(template)
    template.refs["FirstSyncDLQ"] = "https://sqs/first-sync-dlq"
    queue = Queue()
    service = LambdaService(template, functions, queue)
    attempts: list[Any] = []

    def failing(logical_id: str, event: Any) -> Any:
        attempts.append(event)
        raise RuntimeError("Salesforce is down")

    monkeypatch.setattr(service, "invoke", failing)
    stop = threading.Event()
    worker = threading.Thread(target=service.run_async, args=(stop,))
    worker.start()

    service.invoke_async(functions["FirstSyncFunction"].name, {"userId": "rep-1"})
    for _ in range(100):
        if queue.sent:
            break
        threading.Event().wait(0.05)
    stop.set()
    worker.join()

    assert attempts == [{"userId": "rep-1"}] * 3  # the first try and EventInvokeConfig's two retries
    (sent,) = queue.sent
    assert sent["QueueUrl"] == "https://sqs/first-sync-dlq" and json.loads(sent["MessageBody"]) == {"userId": "rep-1"}
    assert sent["MessageAttributes"]["ErrorMessage"]["StringValue"] == "Salesforce is down"
