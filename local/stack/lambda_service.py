"""What Lambda does for the local stack: each function's handler loaded once (a warm container, as
Lambda keeps one), invocations run one at a time (the handlers share this one process), and
asynchronous invocations queued, retried as the function's ``EventInvokeConfig`` says, and sent to its
dead-letter queue when the retries run out (AWS Lambda Developer Guide, "Asynchronous invocation":
two retries by default; "Dead-letter queues": the message body is the event)."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from local.stack.lambdas import LambdaContextStub, load_handler_module
from local.stack.template import Function, Template
from tasksync.observability import logger

RETRY_PAUSE_SECONDS = 1.0
"""Between two attempts of an asynchronous invocation (Lambda waits a minute, then two: shortened here)."""


@dataclass(frozen=True)
class Invocation:
    function: Function
    payload: dict[str, Any]
    attempt: int = 0


class LambdaService:
    def __init__(self, template: Template, functions: Mapping[str, Function], sqs: Any) -> None:
        self.template = template
        self.functions = dict(functions)
        self.sqs = sqs
        self._modules: dict[str, ModuleType] = {}
        self._running = threading.Lock()
        self._async: queue.Queue[Invocation] = queue.Queue()
        self.dead_lettered = 0

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Run the handler on ``event``, as a synchronous invocation; raises what it raises."""
        function = self.functions[logical_id]
        with self._running:
            context = LambdaContextStub(function_name=function.name, timeout_seconds=function.timeout)
            return self.handler(logical_id)(event, context)

    def handler(self, logical_id: str) -> Callable[[Any, Any], Any]:
        """The function's handler, its module loaded once (a warm container)."""
        function = self.functions[logical_id]
        module_name, attribute = function.handler.rsplit(".", 1)
        key = f"{function.code_uri}:{module_name}"
        if key not in self._modules:
            self._modules[key] = load_handler_module(function.code_uri, module_name)
        handler: Callable[[Any, Any], Any] = getattr(self._modules[key], attribute)
        return handler

    def invoke_async(self, function_name: str, payload: Mapping[str, Any]) -> None:
        """``InvocationType=Event``: queued, answered at once."""
        function = self.by_name(function_name)
        self._async.put(Invocation(function, json.loads(json.dumps(payload))))

    def by_name(self, name: str) -> Function:
        for function in self.functions.values():
            if function.name == name or function.logical_id == name:
                return function
        raise KeyError(f"no function {name} in template.yaml")

    def run_async(self, stop: threading.Event) -> None:
        """The asynchronous invocations, until ``stop``."""
        while not stop.is_set():
            try:
                invocation = self._async.get(timeout=0.2)
            except queue.Empty:
                continue
            self._run_async(invocation)

    def pending_async(self) -> int:
        return self._async.qsize()

    def _run_async(self, invocation: Invocation) -> None:
        function = invocation.function
        try:
            self.invoke(function.logical_id, invocation.payload)
        except Exception as error:  # retried, then dead-lettered: never dropped
            properties = self.template.document["Resources"][function.logical_id]["Properties"]
            retries = int(properties.get("EventInvokeConfig", {}).get("MaximumRetryAttempts", 2))
            if invocation.attempt < retries:
                logger.warning(
                    "asynchronous invocation failed; retrying", function=function.logical_id, error=str(error)
                )
                time.sleep(RETRY_PAUSE_SECONDS)
                self._async.put(Invocation(function, invocation.payload, invocation.attempt + 1))
                return
            self._dead_letter(function, invocation.payload, properties, error)

    def _dead_letter(
        self, function: Function, payload: dict[str, Any], properties: Mapping[str, Any], error: Exception
    ) -> None:
        target = properties.get("DeadLetterQueue", {}).get("TargetArn")
        logger.error("asynchronous invocation failed for good", function=function.logical_id, error=str(error))
        if target is None:
            return
        url = self.template.refs[target["Fn::GetAtt"][0]]
        self.sqs.send_message(
            QueueUrl=url,
            MessageBody=json.dumps(payload),
            MessageAttributes={
                "ErrorMessage": {"DataType": "String", "StringValue": str(error)[:1000] or type(error).__name__},
                "RequestID": {"DataType": "String", "StringValue": f"local-{function.logical_id}"},
            },
        )
        self.dead_lettered += 1
