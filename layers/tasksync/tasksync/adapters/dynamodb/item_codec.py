"""Pydantic models and DynamoDB attribute values: the one place that converts between them.

Models are written as ``model_dump(mode="json")`` (plain JSON values as DynamoDB maps, strings and
numbers) and read back with ``model_validate_json``: the domain models are strict, and only JSON mode
accepts ISO strings for datetimes and dates.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from pydantic import BaseModel

Model = TypeVar("Model", bound=BaseModel)
Item = dict[str, Any]
"""An item in DynamoDB's typed form: ``{"pk": {"S": "USER#u1"}, "revision": {"N": "3"}}``."""

_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> Item:
    """Typed attribute values for plain values (str, int, bool, None, dicts and lists of them)."""
    return {name: _SERIALIZER.serialize(value) for name, value in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values for a typed item; numbers come back as int where they are whole, as models expect."""
    return {name: _plain(_DESERIALIZER.deserialize(value)) for name, value in item.items()}


def dump_model(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json")


def load_model(model_type: type[Model], data: Any) -> Model:
    """``data`` as read by ``from_item``."""
    return model_type.model_validate_json(json.dumps(data))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _plain(inner) for key, inner in value.items()}
    if isinstance(value, list | set):
        return [_plain(inner) for inner in value]
    return value
