"""Task records in and out: JSON values for writes, ``SalesforceTask`` from REST JSON or Bulk CSV rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any

from tasksync.adapters.salesforce.description_marker import split_marker
from tasksync.domain.salesforce_task import EXTERNAL_ID_FIELD, SalesforceTask
from tasksync.domain.salesforce_writes import FieldValues

TASK = "Task"


def field_values_json(values: FieldValues) -> dict[str, str | None]:
    """Dates as ``YYYY-MM-DD`` (ActivityDate is a date, never shifted by time zone); None as JSON null,
    which clears the field."""
    out: dict[str, str | None] = {}
    for name, value in values.items():
        if isinstance(value, datetime):
            raise TypeError(f"{name} takes a date, not a datetime")
        out[str(name)] = value.isoformat() if isinstance(value, date) else value
    return out


def sobject(values: Mapping[str, Any]) -> dict[str, Any]:
    """A record for sObject Collections: each one needs ``attributes.type``."""
    return {"attributes": {"type": TASK}, **values}


def task_from_record(record: Mapping[str, Any], *, description_marker: bool = False) -> SalesforceTask:
    if description_marker:
        description, external_id = split_marker(record.get("Description"))
        record = {**record, "Description": description, EXTERNAL_ID_FIELD: external_id}
    return SalesforceTask.model_validate(record)


def rows_from_csv(text: str | Iterable[str]) -> Iterator[dict[str, str | None]]:
    """Bulk API 2.0 query results are CSV with a header row; an empty cell is a null. ``text`` is the
    whole page, or its lines as a text file reads them (``newline=""``)."""
    for row in csv.DictReader(io.StringIO(text) if isinstance(text, str) else text):
        yield {name: (value if value != "" else None) for name, value in row.items()}
