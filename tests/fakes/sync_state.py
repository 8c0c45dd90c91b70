"""In-memory sync state with the DynamoDB adapters' conditional-write semantics."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from tasksync.domain.settings import SyncSettings
from tasksync.domain.sync_error import TASK_ERRORS, SyncError
from tasksync.domain.sync_link import SyncLink
from tasksync.ports.sync_state import ConcurrentUpdate


class InMemorySyncState:
    """Settings, links, cursors and errors: one object serves all four repository ports."""

    def __init__(self) -> None:
        self.settings: dict[str, SyncSettings] = {}
        self.links: dict[tuple[str, str], SyncLink] = {}
        self.sf_index: dict[tuple[str, str], tuple[str, str]] = {}
        self.cursors: dict[tuple[str, str], datetime] = {}
        self.errors: list[SyncError] = []
        self.link_saves = 0
        self._indexed_users: set[str] = set()
        """The users with a link under a Salesforce id."""

    def get_settings(self, user_id: str) -> SyncSettings | None:
        return self.settings.get(user_id)

    def save_settings(self, settings: SyncSettings) -> SyncSettings:
        stored = self.settings.get(settings.user_id)
        if (stored.revision if stored else 0) != settings.revision:
            raise ConcurrentUpdate(f"settings of {settings.user_id}")
        saved = settings.model_copy(update={"revision": settings.revision + 1})
        self.settings[settings.user_id] = saved
        return saved

    def user_for_salesforce_user(self, org_id: str, sf_user_id: str) -> str | None:
        for settings in self.settings.values():
            connection = settings.connection
            if connection and connection.org_id == org_id and connection.sf_user_id[:15] == sf_user_id[:15]:
                return settings.user_id
        return None

    def users_of_org(self, org_id: str) -> list[str]:
        return sorted(
            user
            for user, settings in self.settings.items()
            if settings.connection and settings.connection.org_id == org_id
        )

    def connected_orgs(self) -> list[str]:
        return sorted({settings.connection.org_id for settings in self.settings.values() if settings.connection})

    def link_by_sia_id(self, user_id: str, sia_id: str) -> SyncLink | None:
        return self.links.get((user_id, sia_id))

    def link_by_sf_id(self, user_id: str, sf_id: str) -> SyncLink | None:
        key = self.sf_index.get((user_id, sf_id[:15]))
        return self.links.get(key) if key else None

    def save_link(self, link: SyncLink) -> SyncLink:
        """As the DynamoDB adapter: conditional on the revision, and a Salesforce id links one task only
        (15- and 18-character forms are one id), per user."""
        key = (link.user_id, link.sia_id)
        stored = self.links.get(key)
        if (stored.revision if stored else 0) != link.revision:
            raise ConcurrentUpdate(f"link of {link.sia_id}")
        if link.sf_id and self.sf_index.get((link.user_id, link.sf_id[:15]), key) != key:
            raise ConcurrentUpdate(f"{link.sf_id} is linked to another task")
        saved = link.model_copy(update={"revision": link.revision + 1})
        self.links[key] = saved
        if saved.sf_id:
            self.sf_index[(saved.user_id, saved.sf_id[:15])] = key
            self._indexed_users.add(saved.user_id)
        self.link_saves += 1
        return saved

    def links_of(self, user_id: str) -> Iterator[SyncLink]:
        return iter([link for (user, _), link in sorted(self.links.items()) if user == user_id])

    def links_to(self, sf_id: str) -> list[SyncLink]:
        # One look-up per user, as the table's partition of the record is read, not a scan of every link.
        found = (self.sf_index.get((user, sf_id[:15])) for user in self._indexed_users)
        keys = sorted(key for key in found if key is not None)
        return [self.links[key] for key in keys]

    def get_cursor(self, user_id: str, name: str) -> datetime | None:
        return self.cursors.get((user_id, name))

    def put_cursor(self, user_id: str, name: str, value: datetime) -> None:
        self.cursors[(user_id, name)] = value

    def record_error(self, error: SyncError) -> None:
        """As the DynamoDB adapter: an error recorded again under its key replaces the first record."""
        if error.key:
            self.errors = [e for e in self.errors if (e.user_id, e.key) != (error.user_id, error.key)]
        self.errors.append(error)

    def errors_of(self, user_id: str, limit: int = 100) -> list[SyncError]:
        return [error for error in reversed(self.errors) if error.user_id == user_id][:limit]

    def latest_task_errors(self, user_id: str) -> dict[str, SyncError]:
        stopping = [e for e in self.errors if e.user_id == user_id and e.sia_id and e.kind in TASK_ERRORS]
        return {e.sia_id: e for e in sorted(stopping, key=lambda e: e.occurred_at) if e.sia_id}

    def latest_task_error(self, user_id: str, sia_id: str) -> SyncError | None:
        return self.latest_task_errors(user_id).get(sia_id)
