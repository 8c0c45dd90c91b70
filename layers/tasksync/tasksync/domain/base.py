"""The base every domain model shares: strict, immutable, no unknown fields."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict


class DomainModel(BaseModel):
    """Strict and frozen: a value of the wrong type is a clear error, never a silent coercion."""

    model_config = ConfigDict(strict=True, frozen=True, extra="forbid")


def require_aware(value: datetime, name: str = "datetime") -> datetime:
    """``value``, or ValueError when it carries no time zone: the sync compares times from two systems,
    and simple-salesforce builds a broken URL from a naive one."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must carry a time zone")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(require_aware)]
"""A datetime with a time zone: the sync compares times from two systems, so naive ones are refused."""
