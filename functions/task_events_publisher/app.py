"""Publishes reminder-task events from the task table's DynamoDB stream to the app's event bus.

Not built yet: the handlers issue builds it. The module exists so that template.yaml validates and
`sam build` packages a real handler entry point.
"""

from __future__ import annotations

from typing import Any, NoReturn


def handler(event: dict[str, Any], context: Any) -> NoReturn:
    raise NotImplementedError("task_events_publisher: built in the handlers issue")
