"""What the sync writes to Salesforce Tasks: plain values the engine decides and the gateway sends."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from tasksync.domain.salesforce_task import SalesforceField

FieldValues = Mapping[SalesforceField, str | date | None]
"""Task fields to write; None clears a field."""


@dataclass(frozen=True)
class TaskCreate:
    """A Task to create, keyed by the SIA task id so that a retry lands on the same record."""

    external_id: str
    owner_id: str
    values: FieldValues


@dataclass(frozen=True)
class TaskUpdate:
    sf_id: str
    values: FieldValues
