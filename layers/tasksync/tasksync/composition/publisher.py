"""The root of the reminder-task stream's publisher: an EventBridge client, made once per container."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

import boto3

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient


@cache
def event_bridge() -> EventBridgeClient:
    return boto3.client("events")
