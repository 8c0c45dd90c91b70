"""The sync-state port: settings, links, cursors and the errors a user sees.

Saves are conditional on the revision the caller read (optimistic locking), so two functions working
on one task never overwrite each other: the loser gets ConcurrentUpdate, reads again and decides again.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_error import SyncError
from tasksync.domain.sync_link import SyncLink


class ConcurrentUpdate(Exception):
    """The item changed since it was read (or was created by someone else meanwhile)."""


class SalesforceUserTaken(Exception):
    """Another SIA user is already connected as this Salesforce user: two users syncing one Salesforce
    user's tasks would import each task twice. (Not a concurrent update: reading again will not help.)"""


class SettingsRepository(Protocol):
    def get_settings(self, user_id: str) -> SyncSettings | None: ...

    def save_settings(self, settings: SyncSettings) -> SyncSettings:
        """Saves when the stored revision is ``settings.revision`` (absent for 0); returns the settings
        with the next revision. SalesforceUserTaken when the connection's Salesforce user is another
        user's."""
        ...

    def user_for_salesforce_user(self, org_id: str, sf_user_id: str) -> str | None:
        """The SIA user connected as ``sf_user_id`` of ``org_id``."""
        ...

    def users_of_org(self, org_id: str) -> list[str]: ...

    def connected_orgs(self) -> list[str]:
        """Every org with a connected user (the scheduled jobs' round)."""
        ...


class LinkRepository(Protocol):
    def link_by_sia_id(self, user_id: str, sia_id: str) -> SyncLink | None: ...

    def link_by_sf_id(self, user_id: str, sf_id: str) -> SyncLink | None:
        """The user's link to that Salesforce record (a record reassigned between two connected reps has a
        link for each; 15- and 18-character ids are one id)."""
        ...

    def save_link(self, link: SyncLink) -> SyncLink:
        """Saves both lookups in one transaction when the stored revision is ``link.revision``;
        returns the link with the next revision."""
        ...

    def links_of(self, user_id: str) -> Iterator[SyncLink]:
        """Every link of the user, read page by page (re-enabling reads each one back, SPEC 5.5)."""
        ...

    def links_to(self, sf_id: str) -> list[SyncLink]:
        """Every user's link to that Salesforce record, read consistently in one lookup: an org's change
        is routed to them (and to the record's owner) rather than to every connected rep, and each decides
        with the link read here."""
        ...


class CursorRepository(Protocol):
    """Per-rep watermarks of the scheduled jobs (getUpdated / getDeleted starts): each rep's safety nets
    run with the rep's own grant, which sees what that rep sees, so each keeps its own cursor."""

    def get_cursor(self, user_id: str, name: str) -> datetime | None: ...

    def put_cursor(self, user_id: str, name: str, value: datetime) -> None: ...


class SyncErrorRepository(Protocol):
    def record_error(self, error: SyncError) -> None: ...

    def errors_of(self, user_id: str, limit: int = 100) -> list[SyncError]:
        """Newest first."""
        ...

    def latest_task_errors(self, user_id: str) -> dict[str, SyncError]:
        """By SIA id, the latest error recorded for each task that stops its sync (conflicts are resolved,
        and only told): one lookup for a whole listing."""
        ...

    def latest_task_error(self, user_id: str, sia_id: str) -> SyncError | None: ...
