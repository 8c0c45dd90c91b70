"""What a deployment tunes about the Salesforce gateway; the handler's environment model fills it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum


class ExternalIdMode(StrEnum):
    """How a create stays idempotent (docs/decisions/0004-salesforce-gateway.md)."""

    FIELD = "field"
    """Upsert on the ``Tasksync_Id__c`` External ID field that salesforce/ installs (the default)."""
    DESCRIPTION_MARKER = "description_marker"
    """For orgs without the field: a ``[tasksync:<id>]`` last line in Description, looked up before
    creating. Reads strip it again."""


@dataclass(frozen=True)
class GatewaySettings:
    client_id: str
    """Sent as ``Sforce-Call-Options: client=<client_id>`` so CDC's ``changeOrigin`` names the sync."""
    api_version: str = "59.0"
    ca_bundle: str | None = None
    """A CA file to trust instead of the system's (the local org emulator's own CA)."""
    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    bulk_threshold: int = 2_000
    """Above this many matching rows ``owned_tasks_modified_since`` uses a Bulk API 2.0 query."""
    bulk_poll_seconds: float = 2.0
    """The first wait before a Bulk job is polled; each next wait doubles (up to 30 s)."""
    bulk_max_wait: float = 600.0
    """Seconds a Bulk job may take before the query gives up (a transient error: the caller retries)."""
    bulk_page_size: int = 10_000
    """``maxRecords`` of a Bulk results page: a first sync of 10,000 tasks reads one page (a handful of
    calls in all), and what a page holds at once never grows with the total (docs/decisions/0010)."""
    bulk_spool_bytes: int = 8 * 1024 * 1024
    """A results page is kept in memory up to this size, in a temporary file past it."""
    query_batch_size: int | None = None
    """``Sforce-Query-Options: batchSize`` (200 to 2,000); None leaves Salesforce's default."""
    max_query_url_chars: int = 4_000
    """Budget for an encoded ``?q=`` SOQL string. Salesforce caps URI plus headers at 16,384 bytes
    and advises staying near 2,000 characters (Help article 000386264)."""
    external_id_mode: ExternalIdMode = ExternalIdMode.FIELD
    marker_lookback: timedelta = timedelta(hours=24)
    """DESCRIPTION_MARKER mode: how far back a create looks for the record an earlier attempt made."""
    secret_max_age: int = 300
    """Seconds the Powertools cache keeps a connection secret."""

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.connect_timeout, self.read_timeout)
