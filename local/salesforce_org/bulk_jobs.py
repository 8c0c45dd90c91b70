"""Bulk API 2.0 query jobs as the emulator keeps them: a job's record and answer (``info``), and the
jobs of every org, by id. The resources that create, read and page them are ``bulk``'s.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from local.salesforce_org import formats


@dataclass
class BulkQueryJob:
    id: str
    org_id: str
    operation: str
    object: str
    query: str
    created_by: str
    created: datetime
    api_version: str
    column_delimiter: str
    line_ending: str
    header: list[str]
    rows: list[list[str | None]]
    state: str = "UploadComplete"
    polls: int = 0
    modified: datetime = field(default_factory=lambda: datetime.now().astimezone())

    def info(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.object,
            "createdById": self.created_by,
            "createdDate": formats.rest_datetime(self.created),
            "systemModstamp": formats.rest_datetime(self.modified),
            "state": self.state,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
            "lineEnding": self.line_ending,
            "columnDelimiter": self.column_delimiter,
        }


class BulkJobs:
    """The Bulk API 2.0 query jobs of every org in the emulator, by job id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, BulkQueryJob] = {}

    def add(self, job: BulkQueryJob) -> None:
        with self._lock:
            self._jobs[job.id] = job

    def get(self, org_id: str, job_id: str) -> BulkQueryJob | None:
        with self._lock:
            job = self._jobs.get(job_id)
        return job if job is not None and job.org_id == org_id else None

    def of_org(self, org_id: str) -> list[BulkQueryJob]:
        with self._lock:
            return [job for job in self._jobs.values() if job.org_id == org_id]

    def remove(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)
